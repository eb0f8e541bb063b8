/* HC_MODE_HYPERCALL_FUZZ: hypercalls with random numbers and arguments,
 * for ever, from a PRNG seeded from the VM's id and MAC (so each VM
 * draws its own sequence, and a run can be repeated). Half the numbers
 * are real calls, so their argument checks are what gets hit. Arguments
 * are drawn from classes that reach the checks' edges: any value, small
 * numbers, the end of RAM, the top of the address space, the receive
 * window, and a scratch area in our RAM. The hypervisor may write
 * wherever an argument says (HC_GET_IDENTITY, HC_NET_STATS, a ring or
 * copy area by HC_NET_SETUP), so no argument points into RAM outside
 * that scratch area: then only the hypervisor is under test, not our
 * own survival. HC_NET_POST takes pages away, named by the array it
 * reads: those names are arguments too, so its array is always ours,
 * in the lower half of the scratch area, naming pages of the upper half
 * only (post_array). Interrupts stay off: a kick to a random vector would
 * otherwise end here in an exception. Prints its counts, by error code,
 * on its own line, on the 256th, 512th, 1024th ... call and every
 * 32768th. */
#include <stdint.h>

#include "guest-stub/cpu.h"
#include "guest-stub/hypercall.h"
#include "guest-stub/modes.h"
#include "guest-stub/print.h"

/* 4 MiB from 2 MiB: above the image and .bss, below the copy area and
 * stack of an 8 MiB VM, and never used by this mode. */
#define SCRATCH_GPA     0x200000ull
#define SCRATCH_BYTES   0x400000ull
/* A pointer into scratch leaves this much room above it: the largest
 * thing a call writes, a copy area of NET_RX_SLOTS_MAX buffers. */
#define SCRATCH_ROOM    ((uint64_t)NET_RX_SLOTS_MAX * NET_COPY_BUF_SIZE)
#define NR_CODES        6       /* HC_E_* up to HC_E_NODEV */

static uint64_t rng;

#define POST_ARRAYS_GPA SCRATCH_GPA                         /* lower half */
#define POST_PAGES_GPA  (SCRATCH_GPA + SCRATCH_BYTES / 2)   /* upper half */

/* xorshift64* [Vigna 2016]: fast, full period, good enough for fuzzing. */
static uint64_t rnd(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 0x2545f4914f6cdd1dull;
}

static uint64_t pick_nr(void)
{
	switch (rnd() % 4) {
	case 0:
	case 1:
		return rnd() % (HC_NR + 2);     /* the real ones, and just past */
	case 2:
		return rnd();
	default:
		return rnd() % 1024;
	}
}

static uint64_t pick_arg(uint64_t ram)
{
	uint64_t small = rnd() % 1100;  /* counts, lengths, vectors, keys */

	switch (rnd() % 8) {
	case 0:
		return rnd();
	case 1:
		return small;
	case 2:
		return ram - 2048 + small;      /* across the end of RAM */
	case 3:
		return ~0ull - small;           /* wraps around 2^64 */
	case 4:
		return NET_RX_WINDOW_GPA + rnd() % (NET_RX_SLOTS_MAX * NET_SLOT_SIZE);
	case 5:
	case 6: {
		uint64_t p = SCRATCH_GPA + rnd() % (SCRATCH_BYTES - SCRATCH_ROOM);

		return rnd() & 1 ? p & ~0xfffull : p;   /* often page aligned */
	}
	default:
		return 0;
	}
}

/* HC_NET_POST's array, at a[0] moved into the lower half (an address
 * outside RAM stays, for the hypervisor's checks): HC_NET_BATCH entries
 * of an upper-half page and a slot number (some past any rx_slots), one
 * in four raw. Pages of the lower half are never posted, so writing the
 * array never touches a page the hypervisor took. */
static void post_array(uint64_t ram, uint64_t *a)
{
	uint64_t *e;

	if (a[0] >= ram)
		return;
	a[0] = POST_ARRAYS_GPA + rnd() % (SCRATCH_BYTES / 2 -
					  HC_NET_BATCH * sizeof(uint64_t));
	e = (uint64_t *)(uintptr_t)a[0];
	for (unsigned i = 0; i < HC_NET_BATCH; i++) {
		uint64_t page = (POST_PAGES_GPA + rnd() % (SCRATCH_BYTES / 2)) &
				~0xfffull;

		e[i] = rnd() % 4 ? page | rnd() % (NET_RX_SLOTS_MAX + 8) : rnd();
	}
}

void mode_hypercall_fuzz(const struct hc_identity *id)
{
	const uint64_t ram = id->ram_bytes;
	uint64_t calls = 0, refused = 0, by_code[NR_CODES + 1] = { 0 };
	uint64_t accepted_net = 0;

	if (ram < SCRATCH_GPA + SCRATCH_BYTES + 0x200000ull) {
		print("fuzz: needs 8 MiB of RAM for its scratch area\n");
		cpu_halt_forever();
	}
	rng = 0x9e3779b97f4a7c15ull ^ ((uint64_t)id->vm_id + 1) * 0x100000001b3ull;
	for (unsigned i = 0; i < 6; i++)
		rng = (rng ^ id->mac[i]) * 0x100000001b3ull;
	if (!rng)
		rng = 1;
	print("fuzzing hypercalls, seed 0x%lx\n", rng);
	cpu_cli();
	for (;;) {
		uint64_t nr = pick_nr();
		uint64_t a[6];

		for (unsigned i = 0; i < 6; i++)
			a[i] = pick_arg(ram);
		if (nr == HC_NET_POST)
			post_array(ram, a);
		int64_t r = hc_call6(nr, a[0], a[1], a[2], a[3], a[4], a[5]);

		calls++;
		if (r < 0) {
			refused++;
			by_code[-r <= NR_CODES ? -r : 0]++;
		} else if (nr >= HC_NET_SETUP && nr <= HC_NET_DETACH) {
			accepted_net++;
		}
		/* The newline first: it ends any text a HC_CONSOLE_WRITE
		 * left on the console line. */
		if (calls >= 256 && (!(calls & (calls - 1)) ||
				     calls % 32768 == 0))
			print("\nfuzz: calls %lu refused %lu (nosys %lu inval %lu "
			      "fault %lu state %lu nodev %lu other %lu) "
			      "network calls accepted %lu\n", calls, refused,
			      by_code[HC_E_NOSYS], by_code[HC_E_INVAL],
			      by_code[HC_E_FAULT], by_code[HC_E_STATE],
			      by_code[HC_E_NODEV], by_code[0], accepted_net);
	}
}
