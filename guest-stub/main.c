/* guest_main: learn who we are, say so in one line, run the test mode.
 * Entered from _start (entry.asm, which documents the entry state) with
 * .bss already zeroed. */
#include <stdint.h>

#include "guest-stub/cpu.h"
#include "guest-stub/hypercall.h"
#include "guest-stub/idt.h"
#include "guest-stub/modes.h"
#include "guest-stub/print.h"

#define TSC_PER_MS_GUESS 1000000ull     /* 1 GHz, if the hypervisor gave 0 */

void guest_main(uint64_t ram_bytes);

static struct hc_identity identity;

void guest_main(uint64_t ram_bytes)
{
	struct hc_identity *id = &identity;

	idt_init();
	int64_t r = hc_get_identity(id);
	if (r < 0) {
		print("HC_GET_IDENTITY failed: error %ld\n", r);
		halt_forever();
	}
	print("up mac=%02x:%02x:%02x:%02x:%02x:%02x ip=%u.%u.%u.%u\n",
	      id->mac[0], id->mac[1], id->mac[2], id->mac[3], id->mac[4],
	      id->mac[5], (id->ipv4 >> 24) & 0xff, (id->ipv4 >> 16) & 0xff,
	      (id->ipv4 >> 8) & 0xff, id->ipv4 & 0xff);

	/* Lines below appear only if the hypervisor breaks the ABI. */
	if (id->ram_bytes != ram_bytes)
		print("identity ram_bytes 0x%lx but RDI was 0x%lx\n",
		      (uint64_t)id->ram_bytes, ram_bytes);
	if (id->tsc_per_ms == 0) {
		print("identity tsc_per_ms is 0, assuming %lu\n",
		      (uint64_t)TSC_PER_MS_GUESS);
		id->tsc_per_ms = TSC_PER_MS_GUESS;
	}

	switch (id->test_mode) {
	case HC_MODE_NORMAL:
		mode_normal(id);
	case HC_MODE_SPIN:
		mode_spin(id);
	case HC_MODE_BAD_MEMORY:
		mode_bad_memory(id);
	case HC_MODE_TRIPLE_FAULT:
		mode_triple_fault();
	case HC_MODE_HYPERCALL_FLOOD:
		mode_hypercall_flood(id);
	case HC_MODE_FPU_PROBE:
		mode_fpu_probe(id);
	case HC_MODE_NET_HOARD:
		mode_net_hoard(id);
	case HC_MODE_HYPERCALL_FUZZ:
		mode_hypercall_fuzz(id);
	case HC_MODE_NET_ABUSE:
		mode_net_abuse(id);
	case HC_MODE_SLOT_WRITE:
		mode_slot_write(id);
	case HC_MODE_SPY_STALE:
		mode_spy_stale(id);
	case HC_MODE_SPY_RELEASED:
		mode_spy_released(id);
	case HC_MODE_SPY_REVOKED:
		mode_spy_revoked(id);
	case HC_MODE_SPIN_CLI:
		mode_spin_cli(id);
	case HC_MODE_SPIN_DARK:
		mode_spin_dark();
	case HC_MODE_CPU_STATE_WRITE:
		mode_cpu_state_write(id);
	case HC_MODE_CPU_STATE_SPY:
		mode_cpu_state_spy(id);
	case HC_MODE_CR8_MASK:
		mode_cr8_mask(id);
	case HC_MODE_MWAIT:
		mode_mwait();
	case HC_MODE_CACHE_FLUSH:
		mode_cache_flush();
	case HC_MODE_RDPMC:
		mode_rdpmc();
	case HC_MODE_NMI_PROBE:
		mode_nmi_probe(id);
	case HC_MODE_CR0_WRITE:
		mode_cr0_write();
	case HC_MODE_USER_HYPERCALL:
		mode_user_hypercall();
	case HC_MODE_CONSOLE_FLOOD:
		mode_console_flood(id);
	default:
		print("unknown test_mode %u\n", (unsigned)id->test_mode);
		halt_forever();
	}
}
