/* flipvisor.cfg: the line-based configuration file (docs/config.md).
 *
 * Pure C: no firmware, no hardware. The same file is linked into the
 * hypervisor and into the host unit tests. Input is untrusted. */
#ifndef VMM_CONFIG_H
#define VMM_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#define CFG_MAX_VMS        16
#define CFG_NAME_MAX       15          /* characters, not counting the NUL */
#define CFG_ERR_MAX        512         /* reason text, NUL included: the test_mode list is long */
#define CFG_LINE_MAX       255         /* characters, not counting the newline */
#define CFG_PATH_MAX       63          /* image path, not counting the NUL */
#define CFG_CMDLINE_MAX    CFG_LINE_MAX /* cmdline value, not counting the NUL */

#define CFG_VM_MEM_MIN_MIB 2
#define CFG_VM_MEM_MAX_MIB 1024
#define CFG_HEAP_MIN_MIB   4
#define CFG_HEAP_MAX_MIB   256
#define CFG_SLICE_MIN_US   100
#define CFG_SLICE_MAX_US   1000000
#define CFG_POOL_MIN       16
#define CFG_POOL_MAX       4096
#define CFG_RECLAIM_MAX_MS 10000
#define CFG_SLOTS_MAX      512     /* NET_RX_SLOTS_MAX */

enum cfg_selftest {
	CFG_SELFTEST_NONE = 0,
	CFG_SELFTEST_PAGE_FAULT,     /* touch an unmapped address after boot */
	CFG_SELFTEST_INVALID_OPCODE, /* execute ud2 after boot */
};


/* When the data path checks its invariants (vmm/net/netpath.h,
 * enum np_check_mode). */
enum cfg_invariants {
	CFG_INVARIANTS_BATCH = 0,       /* after every batch of received frames */
	CFG_INVARIANTS_EVERY,           /* after every transition */
};

struct cfg_vm {
	char     name[CFG_NAME_MAX + 1];
	uint8_t  mac[6];
	uint32_t ipv4;          /* host byte order: 192.168.77.11 = 0xC0A84D0B */
	uint8_t  prefix_len;    /* 1..32 */
	uint32_t memory_mib;
	uint32_t test_mode;     /* enum hc_test_mode (vmm/hypercall_abi.h) */
	uint32_t rx_slots;      /* receive window size, in 4 KiB slots */
	uint32_t quota_frames;  /* most frames it may hold; more are dropped */
	uint32_t promiscuous;   /* 1: also gets unicast for unknown MACs */
	uint32_t ping_ipv4;     /* guest-stub pings this address; 0: none */
	uint32_t line;          /* line of the [vm NAME] header, for messages */
	/* The guest's image file, '/'-separated, relative to the boot
	 * volume's or TFTP server's root; "" runs the built-in guest-stub. */
	char     image[CFG_PATH_MAX + 1];
	uint32_t image_line;    /* line of the image key, for messages */
	/* A Linux VM (docs/linux.md): its bzImage, initramfs ("": none) and
	 * the user's part of the kernel command line, each with its line
	 * (0: not in the file). 'kernel' and 'image' exclude each other. */
	char     kernel[CFG_PATH_MAX + 1];
	uint32_t kernel_line;
	char     initrd[CFG_PATH_MAX + 1];
	uint32_t initrd_line;
	char     cmdline[CFG_CMDLINE_MAX + 1];
	uint32_t cmdline_line;
};

struct config {
	/* globals */
	uint32_t          heap_mib;   /* hypervisor's own memory, beyond guest RAM */
	uint32_t          selftest;   /* enum cfg_selftest */
	uint32_t          timeslice_us; /* round-robin time slice */
	uint32_t          pool_frames;  /* receive frame pool size */
	uint32_t          reclaim_ms;   /* grace after a reclaim interrupt */
	uint32_t          stats_ms;     /* statistics table period */
	uint32_t          delivery;     /* enum np_mode (vmm/net/netpath.h) */
	uint32_t          copy_threshold; /* hybrid: copy frames up to this
					   * long, or NP_COPY_AUTO */
	uint32_t          mtu;            /* every VM's and the NIC's MTU */
	uint32_t          invariants;   /* enum cfg_invariants */
	/* guests, in file order */
	uint32_t          nr_vms;
	struct cfg_vm     vms[CFG_MAX_VMS];
};

struct cfg_error {
	uint32_t line;                /* 1-based; 0 when not tied to a line */
	char     reason[CFG_ERR_MAX];
};

/* Fill 'cfg' with the built-in defaults (used when the file is absent). */
void cfg_defaults(struct config *cfg);

/* Parse 'len' bytes of 'text' (need not be NUL terminated). On success
 * returns 0 and 'out' holds the result. On failure returns -1, fills 'err'
 * and leaves 'out' untouched. */
int cfg_parse(const char *text, size_t len, struct config *out,
	      struct cfg_error *err);

#endif
