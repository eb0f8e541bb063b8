/* Host fakes of what the hypervisor's vmm/ files call below them, for
 * the harnesses that run vmm/ files (tests/fuzz/fuzz_hypercall.c,
 * fuzz_exit.c): the e1000 (a receive ring of posted buffers the harness
 * fills, a transmit that may be busy), one nested page table per VM that
 * maps the guest's RAM, records its receive window and refuses any other
 * mapping, the console (formatted by lib/fmt.c, then dropped), panic()
 * as an abort, and a guest image. Who makes the nested tables and the
 * vCPUs is the harness's choice: fuzz_hypercall's registers-only vCPU
 * (hv_backend.c), or fuzz_exit's real VT-x and AMD-V backends. */
#ifndef TESTS_FUZZ_HV_FAKES_H
#define TESTS_FUZZ_HV_FAKES_H

#include <stdbool.h>
#include <stdint.h>

#include "vmm/hypercall_abi.h"
#include "vmm/net/netpath.h"
#include "vmm/virt.h"

#define HV_MAX_VMS    3
#define HV_NIC_RX_MAX 128       /* the fake NIC's receive ring */
#define HV_RX_BATCH   8         /* frames one net_poll receives */

#define HV_RAM_PAGES  512       /* the most RAM a fake table maps: 2 MiB */

struct npt {
	uint64_t win[NET_RX_SLOTS_MAX];         /* hpa mapped at slot, 0: none */
	unsigned perm[NET_RX_SLOTS_MAX];
	uint32_t win_slots;                     /* npt_window_keep's */
	/* The guest's RAM, at GPA 0: the first npt_map sets it whole; page
	 * exchange then unmaps and maps single pages. */
	uint64_t ram_hpa, ram_bytes;
	unsigned ram_perm;
	uint64_t ram_page[HV_RAM_PAGES];        /* hpa of RAM page i, 0: none */
};

/* The fake machine: NIC, nested page tables. */
struct hv_host {
	uint64_t rx_posted[HV_NIC_RX_MAX];      /* e1000_rx_post, FIFO */
	uint32_t rx_head, rx_n;
	/* What the next net_poll receives; 0xffff: a bad descriptor. */
	uint8_t  frames[HV_RX_BATCH][NP_RX_LEN_MAX];
	uint16_t frame_len[HV_RX_BATCH];
	uint32_t nframes;
	uint32_t rx_next;        /* the next of them e1000_rx_next takes */
	bool     tx_busy;                       /* e1000_tx refuses */
	struct npt npt[HV_MAX_VMS];
	uint32_t nnpt;
};

extern struct hv_host hw;

/* [gpa, gpa + size) lies in the receive window. */
bool in_window(uint64_t gpa, uint64_t size);

#endif
