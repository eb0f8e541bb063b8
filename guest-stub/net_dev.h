/* The paravirtual NIC: the receive window mapped into our page tables, a
 * receive ring registered with HC_NET_SETUP, replies sent with
 * HC_NET_SEND. docs/guest-stub.md, "Networking". */
#ifndef GUEST_NET_DEV_H
#define GUEST_NET_DEV_H

#include <stdbool.h>
#include <stdint.h>

#include "vmm/hypercall_abi.h"

/* Places and zeroes the copy area, then calls HC_NET_SETUP, once: with
 * NET_COPY_RING if 'copy_ring' (copy buffers come back as cons passes
 * them), else copy buffers are released. False when there is no
 * network: the hypervisor has no NIC or does not know the call ("net: no
 * network"), or refused it; then no other net call may be made. */
bool net_dev_setup(const struct hc_identity *id, bool copy_ring);

/* Take every frame in the ring, answer it, release its slot, and note a
 * reclaim interrupt. Call with interrupts off, on every wake-up. */
void net_dev_poll(void);

/* The counters line:
 * "net rx=R arp=A icmp=I udp=U drop=D held=H dirty=Y copied=C". */
void net_dev_summary(void);

/* HC_TEST_REPORT of the ping's replies (with a 'ping' peer only), of
 * the dirty frames and of the frames taken from the ring. */
void net_dev_report(void);

/* With a 'ping' peer: send it one ARP request while its MAC is unknown,
 * else one echo request. Call once per heartbeat, with interrupts off. */
void net_dev_ping(void);

/* Ring entries produced and not consumed; the ring is not touched. */
uint32_t net_dev_pending(void);

#endif
