/* The hypervisor's side of networking: the zero-copy data path
 * (vmm/netpath.c) wired to the e1000, the VMs' nested page tables and
 * their virtual interrupts, and the network hypercalls. */
#ifndef VMM_NET_NET_H
#define VMM_NET_NET_H

#include <stdbool.h>
#include <stdint.h>

#include "vmm/config.h"
#include "mm/page_alloc.h"
#include "vmm/vm.h"

/* Bring up the NIC and the frame pool for these VMs. false: no network
 * (no NIC, or no memory); the VMs run without it. */
bool net_start(struct page_alloc *pa, const struct config *cfg,
	       struct vm *vms, uint32_t n, uint64_t tsc_per_ms);
bool net_up(void);
/* The MTU frames are received and sent with (config 'mtu'). */
uint16_t net_mtu(void);

/* Receive what the NIC has, deliver it, refill, revoke overdue slots.
 * Cheap when there is nothing to do: called after every VM exit. */
void net_poll(uint64_t now);
/* The longest the CPU may sleep before net_poll must run again (TSC
 * ticks), 0 for "until an interrupt". */
uint64_t net_idle_limit(uint64_t now);

/* HC_NET_*: validated here, result for RAX. */
int64_t net_hypercall(struct vm *vm, uint64_t nr, uint64_t a0, uint64_t a1,
		      uint64_t now);

/* vm_stop() has stopped 'vm' for good: take back its receive slots and
 * copy buffers and deliver nothing more to it. */
void net_vm_stopped(struct vm *vm);

/* An EPT violation at 'gpa': if it is in the receive window, or on a
 * RAM page the VM posted for exchange, say which slot and what was wrong
 * into 'why' and return true. */
bool net_window_fault(struct vm *vm, uint64_t gpa, bool write, char *why,
		      uint32_t len);

/* For isolation_check (vmm/isolation.c): whether host page 'hpa' is a
 * pool frame now; its index among the pages the pool started with, or
 * -1; how many the pool started with; and how many RAM pages 'vm' has
 * posted (not present in its nested table). All false, -1 or 0 with no
 * network. */
bool net_pool_frame(uint64_t hpa);
int32_t net_pool_origin(uint64_t hpa);
uint32_t net_pool_size(void);
uint32_t net_vm_posted(const struct vm *vm);

/* Print the statistics table (per VM, pool, NIC). */
void net_print_stats(void);

#endif
