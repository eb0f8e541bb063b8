/* Hypercall wrappers for the guest ABI in vmm/hypercall_abi.h: number in
 * RAX, arguments in RDI, RSI, RDX, R10, R8, R9, result in RAX; every other
 * register is preserved. The "memory" clobber orders the call against
 * the buffers the hypervisor reads or fills. Virtual addresses equal
 * guest-physical ones (identity map), so a pointer is passed as its GPA.
 *
 * The instruction is VMCALL on Intel VT-x and VMMCALL on AMD-V (each is
 * #UD on the other vendor's CPU): the first call picks one from the CPU
 * vendor CPUID reports (hypercall.c), so one image runs on both. */
#ifndef GUEST_HYPERCALL_H
#define GUEST_HYPERCALL_H

#include <stdint.h>

#include "vmm/hypercall_abi.h"

enum hc_insn { HC_INSN_UNKNOWN, HC_INSN_VMCALL, HC_INSN_VMMCALL };
extern enum hc_insn hc_insn;
/* Set hc_insn from CPUID leaf 0's vendor string. */
void hc_insn_detect(void);

#define HC_ASM(insn)                                                    \
	__asm__ volatile(insn                                           \
			 : "=a"(ret)                                    \
			 : "a"(nr), "D"(a0), "S"(a1), "d"(a2),          \
			   "r"(r10), "r"(r8), "r"(r9)                   \
			 : "memory")

static inline int64_t hc_call6(uint64_t nr, uint64_t a0, uint64_t a1,
			       uint64_t a2, uint64_t a3, uint64_t a4,
			       uint64_t a5)
{
	register uint64_t r10 __asm__("r10") = a3;
	register uint64_t r8 __asm__("r8") = a4;
	register uint64_t r9 __asm__("r9") = a5;
	int64_t ret;

	if (__builtin_expect(hc_insn == HC_INSN_UNKNOWN, 0))
		hc_insn_detect();
	if (hc_insn == HC_INSN_VMMCALL)
		HC_ASM("vmmcall");
	else
		HC_ASM("vmcall");
	return ret;
}

static inline int64_t hc_call(uint64_t nr, uint64_t a0, uint64_t a1,
			      uint64_t a2)
{
	return hc_call6(nr, a0, a1, a2, 0, 0, 0);
}

static inline int64_t hc_get_identity(struct hc_identity *id)
{
	return hc_call(HC_GET_IDENTITY, (uint64_t)id, sizeof(*id), 0);
}

static inline int64_t hc_console_write(const char *s, uint64_t len)
{
	return hc_call(HC_CONSOLE_WRITE, (uint64_t)s, len, 0);
}

static inline int64_t hc_yield(void)
{
	return hc_call(HC_YIELD, 0, 0, 0);
}

static inline int64_t hc_set_timer(uint64_t tsc_delay)
{
	return hc_call(HC_SET_TIMER, tsc_delay, 0, 0);
}

static inline int64_t hc_test(uint64_t op, uint64_t a, uint64_t b)
{
	return hc_call(HC_TEST, op, a, b);
}

/* 'copy_area' NULL: no copy delivery. */
/* 'flags': 0, or NET_COPY_RING with a copy area. */
static inline int64_t hc_net_setup(struct net_rx_ring *ring, void *copy_area,
				   uint64_t flags)
{
	return hc_call(HC_NET_SETUP, (uint64_t)ring,
		       (uint64_t)copy_area | flags, 0);
}

static inline int64_t hc_net_release(const uint16_t *slots, uint64_t n)
{
	return hc_call(HC_NET_RELEASE, (uint64_t)slots, n, 0);
}

static inline int64_t hc_net_send(const void *frame, uint64_t len)
{
	return hc_call(HC_NET_SEND, (uint64_t)frame, len, 0);
}

static inline int64_t hc_net_stats(struct hc_net_stats *st)
{
	return hc_call(HC_NET_STATS, (uint64_t)st, 0, 0);
}

#endif
