/* The stack frame isr.asm builds for every exception and interrupt. */
#ifndef ARCH_X86_TRAP_H
#define ARCH_X86_TRAP_H

#include <stdint.h>

struct trap_frame {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t vector;
	uint64_t error;         /* 0 for vectors without an error code */
	/* pushed by the CPU [SDM 3A 6.14.2] */
	uint64_t rip, cs, rflags, rsp, ss;
};

/* Vectors 0-31 are the architecture's exceptions [SDM 3A 6.3.1]. */
#define NR_EXCEPTIONS 32
#define VEC_NMI       2
#define VEC_DF        8
#define VEC_PF        14
#define VEC_MC        18

void trap_dispatch(struct trap_frame *tf);
void fault_dump(const struct trap_frame *tf) __attribute__((noreturn));

#endif
