/* The instructions the hypervisor keeps from a guest, each run once and
 * checked against what docs/hypercalls.md promises (vmm/intercept.c):
 *
 *   HC_MODE_MWAIT:       MWAIT, then MONITOR: #UD each (CPUID has no
 *                        MONITOR for a guest)
 *   HC_MODE_CACHE_FLUSH: WBINVD, then INVD: each returns, no fault
 *   HC_MODE_RDPMC:       RDPMC of counter 0: #GP
 *
 * One line per instruction, "NAME: ok" or "NAME: WRONG: ...", then
 * "done", then the VM halts for good. */
#include <stdint.h>

#include "guest-stub/cpu.h"
#include "guest-stub/modes.h"
#include "guest-stub/print.h"
#include "guest-stub/probe.h"

#define NO_FAULT (-1)

static void expect(const char *name, void (*fn)(void), int64_t want)
{
	int64_t got = probe(fn);

	if (got == want)
		print("%s: ok\n", name);
	else if (got == NO_FAULT)
		print("%s: WRONG: no fault, want vector %ld\n", name, want);
	else
		print("%s: WRONG: vector %ld at RIP 0x%lx, want %ld\n", name,
		      got, probe_fault_rip, want);
}

void mode_mwait(const struct hc_identity *id)
{
	expect("MWAIT", probe_mwait, VEC_UD);
	expect("MONITOR", probe_monitor, VEC_UD);
	print("done\n");
	cpu_halt_forever();
}

void mode_cache_flush(const struct hc_identity *id)
{
	expect("WBINVD", probe_wbinvd, NO_FAULT);
	expect("INVD", probe_invd, NO_FAULT);
	print("done\n");
	cpu_halt_forever();
}

void mode_rdpmc(const struct hc_identity *id)
{
	expect("RDPMC", probe_rdpmc, VEC_GP);
	print("done\n");
	cpu_halt_forever();
}
