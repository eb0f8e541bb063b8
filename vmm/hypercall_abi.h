/* The guest ABI: hypercall numbers, their arguments and error codes, and
 * the state a guest starts in. Shared by the hypervisor and guest-stub;
 * documented in docs/hypercalls.md. Types and layouts here are ABI:
 * change them only together with that document.
 *
 * Calling convention: VMCALL with the number in RAX and arguments in
 * RDI, RSI, RDX, R10, R8, R9; the result comes back in RAX (0 or a
 * positive value on success, a negative HC_E* on failure). Every other
 * register is preserved. */
#ifndef VMM_HYPERCALL_ABI_H
#define VMM_HYPERCALL_ABI_H

#include <stdint.h>

/* --- numbers ------------------------------------------------------------ */
#define HC_GET_IDENTITY   1   /* RDI = GPA of struct hc_identity to fill */
#define HC_CONSOLE_WRITE  2   /* RDI = GPA of text, RSI = length (<= HC_CONSOLE_MAX) */
#define HC_YIELD          3   /* give up the rest of the time slice */
#define HC_SET_TIMER      4   /* RDI = delay in TSC ticks, 0 cancels; fires HC_VEC_TIMER once */
#define HC_TEST           5   /* RDI = HC_TEST_* operation, RSI/RDX its arguments */
#define HC_NR             6   /* first unused number */

/* HC_TEST operations: hooks for the system tests. */
#define HC_TEST_REPORT    1   /* RSI = key (HC_KEY_*), RDX = value: logged as "[test] NAME: key=value" */
#define HC_TEST_KICK      2   /* RSI = vector (32..255): the hypervisor makes it pending once, later */

#define HC_KEY_IRQ_COUNT  1   /* value: how many HC_TEST_KICK interrupts arrived */
#define HC_KEY_PROGRESS   2   /* value: a loop counter of a guest that never halts */

/* --- error codes (returned negated in RAX) ------------------------------ */
#define HC_E_NOSYS        1   /* unknown hypercall number or operation */
#define HC_E_INVAL        2   /* an argument out of range */
#define HC_E_FAULT        3   /* a buffer not wholly inside the guest's RAM */

#define HC_CONSOLE_MAX    256
#define HC_TIMER_MAX_MS   60000  /* HC_SET_TIMER: a longer delay is HC_E_INVAL */

/* --- vectors the hypervisor injects ------------------------------------- */
#define HC_VEC_TIMER      0x20   /* HC_SET_TIMER expired */
#define HC_VEC_MIN        0x21   /* lowest vector HC_TEST_KICK accepts (not the timer's) */

/* --- identity ------------------------------------------------------------ */
#define HC_NAME_MAX       16     /* NUL-terminated */

/* What the guest is told to do: the config key test_mode of its [vm]. */
#define HC_MODE_NORMAL          0  /* up line, then heartbeats */
#define HC_MODE_SPIN            1  /* never halts: progress reports only */
#define HC_MODE_BAD_MEMORY      2  /* writes outside its RAM */
#define HC_MODE_TRIPLE_FAULT    3  /* faults with no IDT */
#define HC_MODE_HYPERCALL_FLOOD 4  /* garbage hypercalls, as fast as it can */
#define HC_MODE_FPU_PROBE       5  /* never halts; checks its SSE registers keep their values */

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
} __attribute__((packed));

/* --- the state a guest starts in (docs/hypercalls.md, "Entry state") ---- */
#define GUEST_PML4_GPA    0x1000ull  /* identity map of RAM, 2 MiB pages */
#define GUEST_PDPT_GPA    0x2000ull
#define GUEST_PD_GPA      0x3000ull
#define GUEST_GDT_GPA     0x4000ull  /* null, code64 0x08, data 0x10 */
#define GUEST_LOAD_GPA    0x100000ull /* image loaded and entered here */
#define GUEST_IMAGE_MAX   0x80000ull  /* 512 KiB */
#define GUEST_SEL_CODE    0x08
#define GUEST_SEL_DATA    0x10

#endif
