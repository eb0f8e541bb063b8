/* The paravirtual NIC driver: the glue between the hypervisor's receive
 * path (vmm/hypercall_abi.h, docs/datapath.md) and the pure parts,
 * net_ring.c, the protocol files and net_ping.c. Here are the page-table
 * entry for the receive window, the place of the copy area, the
 * hypercalls, the test reports and the console lines. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "guest-stub/cpu.h"
#include "guest-stub/hypercall.h"
#include "guest-stub/idt.h"
#include "guest-stub/net.h"
#include "guest-stub/net_dev.h"
#include "guest-stub/net_ring.h"
#include "guest-stub/paging.h"
#include "guest-stub/print.h"

#define PAGE_2M         0x200000ull

#define PING_REPLY_LINES 3       /* "reply seq=" lines, then silence */

#define WINDOW_BYTES    ((uint64_t)NET_RX_SLOTS_MAX * NET_SLOT_SIZE)
#define WINDOW_PAGES    ((WINDOW_BYTES + PAGE_2M - 1) / PAGE_2M)

/* The copy area must be registered before HC_NET_SETUP tells us
 * nr_slots, so it has room for the most the hypervisor may grant: 1 MiB.
 * Too big for .bss (the image would need 1 MiB of RAM above 1 MiB even
 * when the hypervisor copies nothing), so it sits at the top of RAM,
 * under STACK_RESERVE for the stack, which needs a few KiB. */
#define COPY_AREA_BYTES ((uint64_t)NET_RX_SLOTS_MAX * NET_COPY_BUF_SIZE)
#define STACK_RESERVE   0x10000ull          /* 64 KiB */
#define PAGE_4K         0x1000ull

/* The entry code maps RAM (< 1 GiB) through PDPT entry 0 and the
 * bad-memory mode uses entry 1: the window needs an entry of its own. */
_Static_assert(NET_RX_WINDOW_GPA % (1ull << 30) == 0 &&
	       PDPT_INDEX(NET_RX_WINDOW_GPA) >= 2 &&
	       PML4_INDEX(NET_RX_WINDOW_GPA) == 0 && WINDOW_PAGES <= 512,
	       "the receive window does not fit one PD of its own");
_Static_assert(sizeof(struct net_rx_ring) <= NET_SLOT_SIZE,
	       "the receive ring is larger than a page");
_Static_assert(COPY_AREA_BYTES % PAGE_4K == 0 && STACK_RESERVE % PAGE_4K == 0,
	       "the copy area would not be 4 KiB aligned");

extern uint8_t __bss_end[];             /* guest.ld */

static uint64_t window_pd[512] __attribute__((aligned(4096)));

/* The ring has a page to itself: the hypervisor may treat all of it as
 * shared. */
static union {
	struct net_rx_ring ring;
	uint8_t            page[NET_SLOT_SIZE];
} ring_page __attribute__((aligned(4096)));

static uint8_t tx_buf[NET_JUMBO_MAX] __attribute__((aligned(64)));

static struct net_rx rx;
static struct net_id me;
static struct net_counters cnt;
static struct net_ping ping;
static uint64_t release_refused, reclaim_seen, overrun_seen;
static bool ring_told;

/* Errors are printed on their 1st, 2nd, 4th, 8th ... occurrence. */
static bool worth_a_line(uint64_t n)
{
	return (n & (n - 1)) == 0;
}

/* Identity map the window read-only with 2 MiB pages: the hypervisor
 * maps each delivered slot read-only in the EPT, and a write through a
 * read-only PDE faults in the guest before it reaches the EPT. Making an
 * entry present needs no invalidation [SDM 3A 4.10.4.3]. */
static void window_map(void)
{
	uint64_t *pml4 = (uint64_t *)(read_cr3() & PTE_ADDR);
	uint64_t *pdpt = (uint64_t *)(pml4[PML4_INDEX(NET_RX_WINDOW_GPA)] &
				      PTE_ADDR);

	for (uint64_t i = 0; i < WINDOW_PAGES; i++)
		window_pd[PD_INDEX(NET_RX_WINDOW_GPA) + i] =
			(NET_RX_WINDOW_GPA + i * PAGE_2M) | PTE_PS | PTE_P;
	pdpt[PDPT_INDEX(NET_RX_WINDOW_GPA)] = (uint64_t)window_pd | PTE_RW |
					      PTE_P;
}

/* Where the copy area goes: the COPY_AREA_BYTES under the top
 * STACK_RESERVE of RAM. NULL when that would reach down into the image
 * or its .bss (a 2 MiB VM) or up into the stack we run on. */
static uint8_t *copy_area_place(uint64_t ram_bytes)
{
	uint64_t lowest = ((uint64_t)__bss_end + PAGE_4K - 1) & ~(PAGE_4K - 1);
	uint64_t sp = (uint64_t)__builtin_frame_address(0);
	uint64_t gpa;

	if (ram_bytes < COPY_AREA_BYTES + STACK_RESERVE)
		return NULL;
	gpa = (ram_bytes - COPY_AREA_BYTES - STACK_RESERVE) & ~(PAGE_4K - 1);
	if (gpa < lowest || sp < gpa + COPY_AREA_BYTES)
		return NULL;
	return (uint8_t *)gpa;
}

/* RAM holds whatever it held before the VM started, and net_ring.c
 * counts any non-zero byte past a copied frame: start from zero. */
static void copy_area_clear(uint8_t *area)
{
	uint64_t *w = (uint64_t *)area;

	for (uint64_t i = 0; i < COPY_AREA_BYTES / sizeof(*w); i++)
		w[i] = 0;
}

/* An IPv4 address in host byte order, for "%u.%u.%u.%u". */
#define IPV4_OCTETS(a) \
	((a) >> 24) & 0xff, ((a) >> 16) & 0xff, ((a) >> 8) & 0xff, (a) & 0xff

static void dev_send(size_t n)
{
	int64_t r = hc_net_send(tx_buf, n);

	if (r < 0 && worth_a_line(++cnt.tx_err))
		print("net: HC_NET_SEND refused: error %ld; %lu so far\n", r,
		      cnt.tx_err);
}

static void dev_ping_input(const uint8_t *data, uint16_t len)
{
	const uint8_t *m = ping.peer_mac;

	switch (net_ping_input(&ping, &me, data, len)) {
	case NET_PING_RESOLVED:
		print("ping %u.%u.%u.%u: resolved %02x:%02x:%02x:%02x:%02x:%02x\n",
		      IPV4_OCTETS(ping.peer), m[0], m[1], m[2], m[3], m[4], m[5]);
		break;
	case NET_PING_REPLY:
		if (ping.replies <= PING_REPLY_LINES)
			print("ping %u.%u.%u.%u: reply seq=%u\n",
			      IPV4_OCTETS(ping.peer), ping.seq);
		break;
	case NET_PING_NONE:
		break;
	}
}

static void dev_frame(void *ctx, const uint8_t *data, uint16_t len,
		      uint16_t flags)
{
	size_t n;
	enum net_verdict v = net_input(&me, data, len, tx_buf, &n);

	(void)ctx;
	(void)flags;
	net_count(&cnt, v);
	/* ARP and echo replies are drops to the stack: the ping looks at
	 * every frame itself. */
	if (ping.peer)
		dev_ping_input(data, len);
	if (net_is_reply(v))
		dev_send(n);
}

static int64_t dev_release(void *ctx, const uint16_t *slots, uint32_t n)
{
	int64_t r = hc_net_release(slots, n);

	(void)ctx;
	if (r < 0 && worth_a_line(++release_refused))
		print("net: HC_NET_RELEASE of %u refused: error %ld; %lu so far\n",
		      n, r, release_refused);
	return r;
}

bool net_dev_setup(const struct hc_identity *id, bool copy_ring)
{
	static const struct net_rx_ops ops = {
		.frame = dev_frame, .release = dev_release,
	};

	for (unsigned i = 0; i < 6; i++)
		me.mac[i] = id->mac[i];
	me.prefix_len = id->prefix_len;
	me.ipv4 = id->ipv4;

	/* Without room for a copy area the hypervisor flips every frame. */
	uint8_t *copy = copy_area_place(id->ram_bytes);

	if (copy)
		copy_area_clear(copy);

	/* The ring is in .bss, zeroed: prod and cons start at 0. */
	copy_ring = copy_ring && copy;
	int64_t r = hc_net_setup(&ring_page.ring, copy,
				 copy_ring ? NET_COPY_RING : 0);

	/* NOSYS: a hypervisor from before networking. */
	if (r == -HC_E_NODEV || r == -HC_E_NOSYS) {
		print("net: no network\n");
		return false;
	}
	if (r < 0) {
		print("net: HC_NET_SETUP refused: error %ld\n", r);
		return false;
	}
	window_map();
	net_rx_init(&rx, &ring_page.ring, (const uint8_t *)NET_RX_WINDOW_GPA,
		    copy, &ops);
	rx.copy_ring = copy_ring;
	/* Jumbo frames up to the mtu the hypervisor receives with. */
	if (id->mtu >= NET_MTU_MIN && id->mtu <= NET_MTU_MAX)
		rx.frame_max = id->mtu + NET_ETH_OVERHEAD;
	reclaim_seen = idt_irq_count(HC_VEC_NET_RECLAIM);
	net_ping_init(&ping, id->ping_ipv4);
	if (!copy)
		print("net: no room for a copy area in %lu KiB of RAM\n",
		      (uint64_t)id->ram_bytes / 1024);
	if (id->mtu != NET_MTU_DEFAULT)
		print("net: mtu %u\n", id->mtu);
	print("net: up slots=%u\n", rx.nr_slots);
	return true;
}

void net_dev_poll(void)
{
	uint64_t reclaims = idt_irq_count(HC_VEC_NET_RECLAIM);

	/* A reclaim asks for every slot we are done with: a pass releases
	 * every slot it reads, so it is the answer to both vectors. */
	net_rx_poll(&rx);
	if (rx.st.ring_errors && !ring_told) {
		ring_told = true;
		print("net: ring broken: prod %u cons %u\n",
		      ((volatile struct net_rx_ring *)&ring_page.ring)->prod,
		      rx.cons);
	}
	if (rx.st.copy_overrun != overrun_seen) {
		overrun_seen = rx.st.copy_overrun;
		if (worth_a_line(overrun_seen))
			print("net: copy buffer written past its frame: "
			      "%lu so far\n", overrun_seen);
	}
	if (reclaims != reclaim_seen) {
		reclaim_seen = reclaims;
		if (worth_a_line(reclaims))
			print("net: reclaim %lu: holding %u\n", reclaims,
			      rx.held);
	}
}

void net_dev_summary(void)
{
	/* Entries that never reached the stack are frames too, dropped. */
	uint64_t bad = rx.st.bad_slot + rx.st.bad_len;

	print("net rx=%lu arp=%lu icmp=%lu udp=%lu drop=%lu held=%u dirty=%lu "
	      "copied=%lu\n", cnt.rx + bad, cnt.arp, cnt.icmp, cnt.udp,
	      cnt.drop + bad, rx.held, rx.st.dirty, rx.st.copied);
}

void net_dev_report(void)
{
	if (ping.peer)
		hc_test(HC_TEST_REPORT, HC_KEY_PING_OK, ping.replies);
	hc_test(HC_TEST_REPORT, HC_KEY_DIRTY, rx.st.dirty);
	hc_test(HC_TEST_REPORT, HC_KEY_NET_RX, rx.st.entries);
}

void net_dev_ping(void)
{
	size_t n = net_ping_request(&ping, &me, tx_buf);

	if (n)
		dev_send(n);
}

uint32_t net_dev_pending(void)
{
	return net_rx_pending(&rx);
}
