/* HC_MODE_CR0_WRITE: a guest owns CR0.MP, EM, TS, WP and AM, and a
 * change to PE, NE, PG, CD or NW stops it (docs/hypercalls.md). The
 * guest sets AM and MP, clears WP, sets TS and clears it with CLTS,
 * reading CR0 back after each; then it puts the entry value back and
 * clears NE, which must stop it: "STILL RUNNING" is a failure. */
#include <stdint.h>

#include "guest-stub/cpu.h"
#include "guest-stub/modes.h"
#include "guest-stub/print.h"

#define CR0_MP (1ull << 1)
#define CR0_TS (1ull << 3)
#define CR0_NE (1ull << 5)
#define CR0_WP (1ull << 16)
#define CR0_AM (1ull << 18)

static void write_check(uint64_t v, const char *what)
{
	write_cr0(v);
	if (read_cr0() != v)
		print("cr0: %s: WRONG: read 0x%lx, wrote 0x%lx\n", what,
		      read_cr0(), v);
}

void mode_cr0_write(const struct hc_identity *id)
{
	uint64_t entry = read_cr0();

	cpu_cli();
	write_check(entry | CR0_AM | CR0_MP, "set AM, MP");
	write_check(entry & ~CR0_WP, "clear WP");
	write_check(entry | CR0_TS, "set TS");
	clts();
	if (read_cr0() & CR0_TS)
		print("cr0: CLTS: WRONG: TS still set\n");
	write_check(entry, "entry value");
	print("cr0: guest bits ok (entry 0x%lx); clearing NE\n", entry);
	write_cr0(entry & ~CR0_NE);
	print("cr0: cleared NE: STILL RUNNING (0x%lx)\n", read_cr0());
	cpu_halt_forever();
}
