/* Single x86 instructions as static inline functions. Everything that
 * needs inline assembly outside the NASM stubs lives here. */
#ifndef ARCH_X86_CPU_H
#define ARCH_X86_CPU_H

#include <stdint.h>

static inline void outb(uint16_t port, uint8_t v)
{
	__asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

static inline uint8_t inb(uint16_t port)
{
	uint8_t v;

	__asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline void outl(uint16_t port, uint32_t v)
{
	__asm__ volatile("outl %0, %1" : : "a"(v), "Nd"(port));
}

static inline uint32_t inl(uint16_t port)
{
	uint32_t v;

	__asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline uint64_t rdmsr(uint32_t msr)
{
	uint32_t lo, hi;

	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return (uint64_t)hi << 32 | lo;
}

static inline void wrmsr(uint32_t msr, uint64_t v)
{
	__asm__ volatile("wrmsr"
			 : : "c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32))
			 : "memory");
}

struct cpuid_regs {
	uint32_t eax, ebx, ecx, edx;
};

static inline struct cpuid_regs cpuid(uint32_t leaf, uint32_t subleaf)
{
	struct cpuid_regs r;

	__asm__ volatile("cpuid"
			 : "=a"(r.eax), "=b"(r.ebx), "=c"(r.ecx), "=d"(r.edx)
			 : "a"(leaf), "c"(subleaf));
	return r;
}

#define CR0_PE          (1ull << 0)
#define CR0_NE          (1ull << 5)
#define CR0_WP          (1ull << 16)
#define CR0_PG          (1ull << 31)
#define CR4_PAE         (1ull << 5)
#define CR4_PGE         (1ull << 7)
#define CR4_VMXE        (1ull << 13)
#define CR4_TSD         (1ull << 2)
#define CR4_DE          (1ull << 3)
#define CR4_PSE         (1ull << 4)
#define CR4_PCE         (1ull << 8)
#define CR4_OSFXSR      (1ull << 9)
#define CR4_OSXMMEXCPT  (1ull << 10)
#define CR0_ET          (1ull << 4)
#define CR0_NW          (1ull << 29)
#define CR0_CD          (1ull << 30)
#define CR0_MP          (1ull << 1)
#define CR0_EM          (1ull << 2)
#define CR0_TS          (1ull << 3)
#define CR0_AM          (1ull << 18)
#define RFLAGS_IF       (1ull << 9)

#define DEFINE_CR(n)                                                    \
	static inline uint64_t read_cr##n(void)                         \
	{                                                               \
		uint64_t v;                                             \
		__asm__ volatile("mov %%cr" #n ", %0" : "=r"(v));       \
		return v;                                               \
	}                                                               \
	static inline void write_cr##n(uint64_t v)                      \
	{                                                               \
		__asm__ volatile("mov %0, %%cr" #n : : "r"(v) : "memory"); \
	}
DEFINE_CR(0)
DEFINE_CR(2)
DEFINE_CR(3)
DEFINE_CR(4)
DEFINE_CR(8)             /* the task priority [SDM 3A 10.8.6.1]: guests */
#undef DEFINE_CR

/* Debug registers [SDM 3B 18.2]. DR4 and DR5 are aliases, never used. */
#define DEFINE_DR(n)                                                    \
	static inline uint64_t read_dr##n(void)                         \
	{                                                               \
		uint64_t v;                                             \
		__asm__ volatile("mov %%dr" #n ", %0" : "=r"(v));       \
		return v;                                               \
	}                                                               \
	static inline void write_dr##n(uint64_t v)                      \
	{                                                               \
		__asm__ volatile("mov %0, %%dr" #n : : "r"(v));         \
	}
DEFINE_DR(0)
DEFINE_DR(1)
DEFINE_DR(2)
DEFINE_DR(3)
DEFINE_DR(6)
DEFINE_DR(7)
#undef DEFINE_DR

static inline uint64_t read_rflags(void)
{
	uint64_t v;

	__asm__ volatile("pushfq; popq %0" : "=r"(v));
	return v;
}

static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return (uint64_t)hi << 32 | lo;
}

/* CLFLUSH is there when CPUID.01H:EDX[19] says so [SDM 2A CPUID, Table
 * 3-11]; it evicts the line from every cache level in the coherence
 * domain, ordered by MFENCE [SDM 2A CLFLUSH]. */
#define CPUID_1_EDX_CLFSH (1u << 19)

static inline void cpu_clflush(const void *p)
{
	__asm__ volatile("clflush (%0)\n\tmfence" : : "r"(p) : "memory");
}

/* TSC ticks one load of the byte at 'p' takes, alone: LFENCE before the
 * first RDTSC lets earlier work finish, and the one before the second
 * waits for the load to complete [SDM 2B LFENCE, RDTSC]. Includes the
 * fences' own cost, the same for every load. */
static inline uint32_t cpu_timed_load(const volatile void *p)
{
	uint32_t t0, t1, hi;

	__asm__ volatile("lfence\n\t"
			 "rdtsc\n\t"
			 "mov %%eax, %[t0]\n\t"
			 "movzbl (%[p]), %%eax\n\t"
			 "lfence\n\t"
			 "rdtsc"
			 : "=&a"(t1), "=&d"(hi), [t0] "=&r"(t0)
			 : [p] "r"(p) : "memory");
	return t1 - t0;
}

static inline void cpu_cli(void)   { __asm__ volatile("cli" : : : "memory"); }
static inline void cpu_sti(void)   { __asm__ volatile("sti" : : : "memory"); }
static inline void cpu_hlt(void)   { __asm__ volatile("hlt" : : : "memory"); }
static inline void cpu_pause(void) { __asm__ volatile("pause"); }
/* INT 2: run the host's NMI handler through its own IDT gate, as after
 * a VM exit that an NMI caused [SDM 3C 28.1]. */
static inline void cpu_int_nmi(void) { __asm__ volatile("int $2" : : : "memory"); }

/* Wait for an interrupt with interrupts on, and return with them off.
 * STI's one-instruction shadow [SDM 2B STI] keeps an interrupt from
 * landing between it and HLT, where it would be taken and the HLT would
 * then sleep past it. */
static inline void cpu_sti_hlt_cli(void)
{
	__asm__ volatile("sti; hlt; cli" : : : "memory");
}

/* Let a pending interrupt in through the host's IDT: one instruction
 * with interrupts on (the NOP inside STI's shadow), then off again. */
static inline void cpu_irq_window(void)
{
	__asm__ volatile("sti; nop; cli" : : : "memory");
}

/* #UD on purpose (the exception self-test). */
static inline void cpu_ud2(void) { __asm__ volatile("ud2"); }

/* Keep the compiler from moving memory accesses across this point; x86
 * keeps stores in order for WB and UC memory [SDM 3A 9.2.2], so device
 * rings need no more. */
static inline void compiler_barrier(void) { __asm__ volatile("" : : : "memory"); }

/* Stop this CPU for good: interrupts off, then halt (an NMI may wake it). */
static inline __attribute__((noreturn)) void cpu_halt_forever(void)
{
	for (;;)
		__asm__ volatile("cli; hlt" : : : "memory");
}

/* x87/SSE state as FXSAVE lays it out [SDM 1 10.5.1]. */
struct fxsave_area {
	uint16_t fcw, fsw;
	uint8_t  ftw, reserved0;
	uint16_t fop;
	uint64_t fip, fdp;
	uint32_t mxcsr, mxcsr_mask;
	uint8_t  regs[416];
} __attribute__((aligned(16)));

static inline void fxsave(struct fxsave_area *a)
{
	__asm__ volatile("fxsave64 %0" : "=m"(*a));
}

static inline void fxrstor(const struct fxsave_area *a)
{
	__asm__ volatile("fxrstor64 %0" : : "m"(*a));
}

struct __attribute__((packed)) desc_ptr {
	uint16_t limit;
	uint64_t base;
};

static inline struct desc_ptr sgdt(void)
{
	struct desc_ptr p;

	__asm__ volatile("sgdt %0" : "=m"(p));
	return p;
}

static inline struct desc_ptr sidt(void)
{
	struct desc_ptr p;

	__asm__ volatile("sidt %0" : "=m"(p));
	return p;
}

static inline void lidt(const struct desc_ptr *p)
{
	__asm__ volatile("lidt %0" : : "m"(*p));
}

/* Load the GDT at 'p', then CS with a far return (long mode has no far
 * jump to an immediate address) and the data segments with plain moves. */
static inline void lgdt_reload(const struct desc_ptr *p, uint16_t cs,
			       uint16_t ds)
{
	__asm__ volatile("lgdt %0\n\t"
			 "movzwq %1, %%rax\n\t"
			 "pushq %%rax\n\t"
			 "leaq 1f(%%rip), %%rax\n\t"
			 "pushq %%rax\n\t"
			 "lretq\n"
			 "1:\n\t"
			 "movl %k2, %%eax\n\t"
			 "movl %%eax, %%ds\n\t"
			 "movl %%eax, %%es\n\t"
			 "movl %%eax, %%ss\n\t"
			 "movl %%eax, %%fs\n\t"
			 "movl %%eax, %%gs\n\t"
			 : : "m"(*p), "r"(cs), "r"((uint32_t)ds)
			 : "rax", "memory");
}

/* XCR0 [SDM 2C XGETBV, XSETBV]: CR4.OSXSAVE must be set. */
static inline uint64_t xgetbv0(void)
{
	uint32_t lo, hi;

	__asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
	return (uint64_t)hi << 32 | lo;
}

static inline void xsetbv0(uint64_t v)
{
	__asm__ volatile("xsetbv" : : "a"((uint32_t)v),
			 "d"((uint32_t)(v >> 32)), "c"(0));
}

static inline void ltr(uint16_t sel)
{
	__asm__ volatile("ltr %0" : : "r"(sel));
}

#endif
