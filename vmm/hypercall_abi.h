/* The guest ABI: hypercall numbers, their arguments and error codes, and
 * the state a guest starts in. Shared by the hypervisor and guest-stub;
 * documented in docs/hypercalls.md. Types and layouts here are ABI:
 * change them only together with that document.
 *
 * Calling convention: VMCALL with the number in RAX and arguments in
 * RDI, RSI, RDX, R10, R8, R9; the result comes back in RAX (0 or a
 * positive value on success, a negative HC_E* on failure). Every other
 * register is preserved.
 *
 * Types: only uint8_t..uint64_t. The hypervisor and guest-stub take them
 * from <stdint.h>; a Linux kernel module (guest-linux/flipnet/) has no
 * <stdint.h> but <linux/types.h> defines the same uintN_t names, so the
 * header picks that one when __KERNEL__ is defined (Kbuild defines it;
 * nothing in this project's Makefile does). */
#ifndef VMM_HYPERCALL_ABI_H
#define VMM_HYPERCALL_ABI_H

#ifdef __KERNEL__
#include <linux/types.h>
#else
#include <stdint.h>
#endif

/* --- numbers ------------------------------------------------------------ */
#define HC_GET_IDENTITY   1   /* RDI = GPA of struct hc_identity to fill,
			       * RSI = its size (0: HC_IDENTITY_SIZE_0) */
#define HC_CONSOLE_WRITE  2   /* RDI = GPA of text, RSI = length (<= HC_CONSOLE_MAX) */
#define HC_YIELD          3   /* give up the rest of the time slice */
#define HC_SET_TIMER      4   /* RDI = delay in TSC ticks, 0 cancels; fires HC_VEC_TIMER once */
#define HC_TEST           5   /* RDI = HC_TEST_* operation, RSI/RDX its arguments */
#define HC_NET_SETUP      6   /* RDI = GPA of the receive ring page (4 KiB aligned),
			       * RSI = GPA of the copy area (4 KiB aligned, rx_slots
			       * buffers of NET_COPY_BUF_SIZE) | NET_COPY_RING or
			       * not, or 0: no copy delivery */
#define HC_NET_RELEASE    7   /* RDI = GPA of a u16 array of slots (| NET_SLOT_COPY
			       * for copy buffers), RSI = count (<= HC_NET_BATCH) */
#define HC_NET_SEND       8   /* RDI = GPA of an Ethernet frame, RSI = length
			       * (14..NET_FRAME_MAX, or mtu + NET_ETH_OVERHEAD if longer) */
#define HC_NET_STATS      9   /* RDI = GPA of struct hc_net_stats to fill */
#define HC_NET_SETUP_XCHG 10  /* RDI = GPA of the receive ring page: receive by page
			       * exchange (no window, no copy area) */
#define HC_NET_POST       11  /* RDI = GPA of a u64 array of (page GPA | post slot),
			       * RSI = count 1..HC_NET_BATCH */
#define HC_NET_DETACH     12  /* stop delivery; posted pages come back (returns how many) */
#define HC_NR             13  /* first unused number */

/* HC_TEST operations: hooks for the system tests. */
#define HC_TEST_REPORT    1   /* RSI = key (HC_KEY_*), RDX = value: logged as "[test] NAME: key=value" */
#define HC_TEST_KICK      2   /* RSI = vector (32..255): the hypervisor makes it pending once, later */
#define HC_TEST_NMI       3   /* RSI = ms (1..50): a host NMI then; test_mode nmi_probe only */

#define HC_KEY_IRQ_COUNT  1   /* value: how many HC_TEST_KICK interrupts arrived */
#define HC_KEY_PROGRESS   2   /* value: a loop counter of a guest that never halts */
#define HC_KEY_PING_OK    3   /* value: echo replies received from the 'ping' peer */
#define HC_KEY_DIRTY      4   /* value: received frames with a non-zero byte past their length */
#define HC_KEY_NET_RX     5   /* value: frames taken from the receive ring */
#define HC_KEY_NR         6

/* --- error codes (returned negated in RAX) ------------------------------ */
#define HC_E_NOSYS        1   /* unknown hypercall number or operation */
#define HC_E_INVAL        2   /* an argument out of range */
#define HC_E_FAULT        3   /* a buffer not wholly inside the guest's RAM */
#define HC_E_STATE        4   /* not now: e.g. a slot that is not delivered to you */
#define HC_E_NODEV        5   /* no network: no usable NIC, or no memory for the pool */

#define HC_CONSOLE_MAX    256
#define HC_TIMER_MAX_MS   60000  /* HC_SET_TIMER: a longer delay is HC_E_INVAL */

/* --- vectors the hypervisor injects ------------------------------------- */
#define HC_VEC_TIMER      0x20   /* HC_SET_TIMER expired */
#define HC_VEC_NET_RX     0x30   /* frames were added to the receive ring */
#define HC_VEC_NET_RECLAIM 0x31  /* the pool runs low: release every slot you are done with;
				  * exchange VMs: post pages */
#define HC_VEC_MIN        0x21   /* lowest vector HC_TEST_KICK accepts (not the timer's) */

/* --- identity ------------------------------------------------------------ */
#define HC_NAME_MAX       16     /* NUL-terminated */

/* What the guest is told to do: the config key test_mode of its [vm]
 * (docs/guest-stub.md). One list, X(NAME, name, value): the ABI values
 * below, the config's names (vmm/config.c) and guest-stub's modes and
 * their dispatch (guest-stub/modes.h, main.c) are all made from it. A new
 * mode is one line here and one mode_name() in guest-stub/. */
#define HC_TEST_MODES(X) \
	X(NORMAL,          normal,           0) /* up line, then heartbeats */ \
	X(SPIN,            spin,             1) /* never halts: progress reports only */ \
	X(BAD_MEMORY,      bad_memory,       2) /* writes outside its RAM */ \
	X(TRIPLE_FAULT,    triple_fault,     3) /* faults with no IDT */ \
	X(HYPERCALL_FLOOD, hypercall_flood,  4) /* garbage hypercalls, as fast as it can */ \
	X(FPU_PROBE,       fpu_probe,        5) /* never halts; checks its SSE registers keep their values */ \
	X(NET_HOARD,       net_hoard,        6) /* answers nothing, never releases a slot (quota, revocation) */ \
	X(HYPERCALL_FUZZ,  hypercall_fuzz,   7) /* random hypercall numbers and arguments */ \
	X(NET_ABUSE,       net_abuse,        8) /* bad releases, ring indices and sends */ \
	X(SLOT_WRITE,      slot_write,       9) /* writes to a read-only delivered slot */ \
	X(SPY_STALE,       spy_stale,       10) /* reads a slot right after releasing it */ \
	X(SPY_RELEASED,    spy_released,    11) /* reads a slot it released a while ago */ \
	X(SPY_REVOKED,     spy_revoked,     12) /* reads a slot the hypervisor revoked */ \
	X(SPIN_CLI,        spin_cli,        13) /* spins for ever with interrupts disabled */ \
	X(SPIN_DARK,       spin_dark,       14) /* spins for ever and never exits */ \
	X(CPU_STATE_WRITE, cpu_state_write, 15) /* sets debug, CR2, SWAPGS and syscall state to markers */ \
	X(CPU_STATE_SPY,   cpu_state_spy,   16) /* looks for another VM's markers in that state */ \
	X(CR8_MASK,        cr8_mask,        17) /* writes CR8 = 15, reads it back, halts */ \
	X(MWAIT,           mwait,           18) /* MONITOR and MWAIT: each must raise #UD */ \
	X(CACHE_FLUSH,     cache_flush,     19) /* WBINVD and INVD: each stepped over */ \
	X(RDPMC,           rdpmc,           20) /* RDPMC: must raise #GP */ \
	X(NMI_PROBE,       nmi_probe,       21) /* asks for host NMIs (HC_TEST_NMI) and spins: none may reach it */ \
	X(CR0_WRITE,       cr0_write,       22) /* changes its own CR0 bits, then clears CR0.NE: stopped */ \
	X(USER_HYPERCALL,  user_hypercall,  23) /* a hypercall from CPL 3: must raise #UD */ \
	X(CONSOLE_FLOOD,   console_flood,   24) /* broadcasts to fill every VM's quota, then floods the console */

enum hc_test_mode {
#define HC_MODE_ENUM(N, n, v) HC_MODE_##N = v,
	HC_TEST_MODES(HC_MODE_ENUM)
#undef HC_MODE_ENUM
};

struct hc_identity {
	uint32_t vm_id;             /* 0-based, in config file order */
	uint32_t test_mode;         /* HC_MODE_* */
	char     name[HC_NAME_MAX];
	uint8_t  mac[6];
	uint8_t  prefix_len;        /* IPv4 prefix, 1..32 */
	uint8_t  reserved0;
	uint32_t ipv4;              /* host byte order */
	uint64_t ram_bytes;
	uint64_t tsc_per_ms;        /* for HC_SET_TIMER; an estimate */
	uint32_t ping_ipv4;         /* config 'ping': an address to ping; 0 none */
	uint8_t  irq_rx;            /* Linux VMs: 8259 IRQ line of HC_VEC_NET_RX (10); 0 guest-stub */
	uint8_t  irq_reclaim;       /* Linux VMs: 8259 IRQ line of HC_VEC_NET_RECLAIM (11); 0 guest-stub */
	uint16_t mtu;               /* config 'mtu': the longest IP packet on the wire, 68..9000 */
} __attribute__((packed));      /* 60 bytes */
/* HC_GET_IDENTITY's RSI is how many bytes the guest's buffer holds: the
 * hypervisor writes that much of the structure (at most all of it).
 * Fields are only ever added at the end, so a guest written before one
 * gets the structure as it knew it. RSI = 0 means HC_IDENTITY_SIZE_0,
 * the size before 'mtu' (a guest that passed 0 before RSI had a
 * meaning); fewer than HC_IDENTITY_SIZE_MIN, the first version's size
 * (up to ping_ipv4), is HC_E_INVAL. */
#define HC_IDENTITY_SIZE_MIN 56
#define HC_IDENTITY_SIZE_0   58
_Static_assert(sizeof(struct hc_identity) == 60, "hc_identity is ABI");

/* The virtual 8259 lines a Linux VM's network interrupts arrive on. */
#define HC_IRQ_NET_RX      10
#define HC_IRQ_NET_RECLAIM 11

/* --- networking (docs/datapath.md) ------------------------------------- */
/* The receive window: NET_RX_SLOTS_MAX 4 KiB slots from this GPA. A slot
 * is not present in the EPT until a frame is delivered into it; then it is
 * mapped read-only, the frame's first byte at the slot's first byte. */
#define NET_RX_WINDOW_GPA 0x80000000ull
#define NET_RX_SLOTS_MAX  512
#define NET_SLOT_SIZE     4096
#define HC_NET_BATCH      64     /* slots per HC_NET_RELEASE */
#define NET_FRAME_MIN     14
#define NET_FRAME_MAX     1514
/* Jumbo frames (config 'mtu'): a frame may be up to mtu + NET_ETH_OVERHEAD
 * bytes, the Ethernet header and room for an 802.1Q tag, at most
 * NET_JUMBO_MAX; the MTU is in struct hc_identity. A received frame longer
 * than a page spans NET_RX_F_MORE entries. */
#define NET_MTU_MIN       68     /* the least every IPv4 host takes [RFC 791] */
#define NET_MTU_DEFAULT   1500
#define NET_MTU_MAX       9000
#define NET_ETH_OVERHEAD  18
#define NET_JUMBO_MAX     (NET_MTU_MAX + NET_ETH_OVERHEAD)

/* Copy delivery (config 'delivery = copy | hybrid'): the frame is copied
 * into buffer 'slot' of the copy area the guest registered, and the pool
 * frame goes straight back to the NIC. The guest hands the buffer back
 * with HC_NET_RELEASE of (slot | NET_SLOT_COPY); or, registered with
 * NET_COPY_RING in bits 11:0 of HC_NET_SETUP's RSI, by moving its ring
 * 'cons' past the entry, as a virtio ring's buffers come back: the
 * hypervisor may write the buffer again from then on, and refuses its
 * release (-HC_E_STATE). The copy ring costs the guest no hypercall a
 * copied frame. */
#define NET_COPY_BUF_SIZE 2048
#define NET_SLOT_COPY     0x8000
#define NET_COPY_RING     0x1    /* HC_NET_SETUP RSI bit 0: buffers follow cons */

/* Entry flags */
#define NET_RX_F_BCAST    0x0001 /* broadcast or multicast: shared read-only with other VMs */
#define NET_RX_F_LOCAL    0x0002 /* sent by another VM on this host */
#define NET_RX_F_COPY     0x0004 /* window ABI: in copy buffer 'slot', not window slot 'slot';
				* exchange: the hypervisor copied it into the posted page */
#define NET_RX_F_XCHG     0x0008 /* in the page posted in post slot 'slot', at offset 0 */
#define NET_RX_F_MORE     0x0010 /* the frame goes on in the next entry: a frame is a
				* run of entries with MORE and the one after, in
				* order; prod never stops inside a run */
#define NET_RX_F_CUT      0x0020 /* on the last entry of a run: the rest of the frame
				* was lost (a map failed); discard the frame, but
				* release the run's slots or buffers as usual */

/* Page exchange (HC_NET_SETUP_XCHG, HC_NET_POST): an entry of the post
 * array is a page GPA (bits 63:12) | a post slot number (bits 11:0,
 * < rx_slots). */
#define NET_POST_GPA_MASK  0xfffffffffffff000ull
#define NET_POST_SLOT_MASK 0x0000000000000fffull

/* The receive ring: one page of guest RAM registered with HC_NET_SETUP.
 * The hypervisor writes entries and advances 'prod'; the guest reads them
 * and advances 'cons'. Both are free-running: entry i is ent[i % NET_RX_RING]
 * and the ring is full when prod - cons == NET_RX_RING. A power of two,
 * so the index stays continuous when the counters wrap at 2^32. */
#define NET_RX_RING       256

struct net_rx_entry {
	uint16_t slot;               /* window slot: GPA NET_RX_WINDOW_GPA + slot * 4096;
				      * with NET_RX_F_COPY: copy buffer, at copy area +
				      * slot * NET_COPY_BUF_SIZE; with NET_RX_F_XCHG:
				      * the post slot whose page holds the frame */
	uint16_t len;                /* bytes in this slot, buffer or page: the frame's
				      * length, FCS stripped, or with NET_RX_F_MORE
				      * this entry's part of it */
	uint16_t flags;              /* NET_RX_F_* */
	uint16_t reserved;
} __attribute__((packed));

struct net_rx_ring {
	uint32_t prod;               /* written by the hypervisor only */
	uint32_t cons;               /* written by the guest only */
	uint32_t nr_slots;           /* the VM's rx_slots, filled in by HC_NET_SETUP */
	uint32_t reserved;
	struct net_rx_entry ent[NET_RX_RING];
} __attribute__((packed));

struct hc_net_stats {                /* HC_NET_STATS: this VM's counters */
	uint64_t rx_frames, rx_bytes, rx_bcast, released, revoked;
	uint64_t rx_drop_quota, rx_drop_ring, tx_frames, tx_bytes, tx_drop;
	uint64_t tx_spoofed, held;   /* held: slots delivered, not yet released */
	uint64_t rx_copied;          /* of rx_frames, delivered by copy */
	uint64_t rx_drop_nopost;     /* exchange: dropped, no page posted (offset 104) */
} __attribute__((packed));           /* 112 bytes */

_Static_assert(sizeof(struct hc_identity) == 60, "hc_identity is ABI");
_Static_assert(sizeof(struct hc_net_stats) == 112, "hc_net_stats is ABI");
_Static_assert(sizeof(struct net_rx_ring) == 16 + 8 * NET_RX_RING, "net_rx_ring is ABI");

/* --- the state a guest starts in (docs/hypercalls.md, "Entry state") ---- */
#define GUEST_PML4_GPA    0x1000ull  /* identity map of RAM, 2 MiB pages */
#define GUEST_PDPT_GPA    0x2000ull
#define GUEST_PD_GPA      0x3000ull
#define GUEST_GDT_GPA     0x4000ull  /* null, code64 0x08, data 0x10 */
#define GUEST_BOOT_END    0x5000ull  /* end of the pages above: no image goes there */
#define GUEST_LOAD_GPA    0x100000ull /* image loaded and entered here */
#define GUEST_IMAGE_MAX   0x80000ull  /* 512 KiB */
#define GUEST_SEL_CODE    0x08
#define GUEST_SEL_DATA    0x10

#endif
