/* The few x86-64 instructions a Linux VM uses to reach its xAPIC page
 * (vmm/xapic_mmio.c), decoded from the bytes at the faulting RIP: what
 * Linux's native_apic_mem_read/write compile to. Pure C: bytes in, a
 * description out; nothing is executed or changed here. */
#ifndef VMM_MMIO_INSN_H
#define VMM_MMIO_INSN_H

#include <stdbool.h>
#include <stdint.h>

/* The longest x86 instruction [SDM 2 2.3.11]. */
#define MMIO_INSN_MAX 15

enum mmio_op {
	MMIO_LOAD,              /* MOV r32, m32   8B /r */
	MMIO_STORE,             /* MOV m32, r32   89 /r */
	MMIO_STORE_IMM,         /* MOV m32, imm32 C7 /0 */
};

struct mmio_insn {
	enum mmio_op op;
	unsigned len;           /* bytes, <= MMIO_INSN_MAX */
	unsigned gpr;           /* LOAD, STORE: 0 = EAX ... 15 = R15D */
	uint32_t imm;           /* STORE_IMM */
};

/* Decode the instruction in b[0..n): an optional REX prefix (W clear)
 * and one of the three forms above with a memory operand (ModRM mod
 * 00/01/10, SIB, disp8/disp32, RIP-relative). Everything else, and
 * bytes that end before the instruction does, is refused: false. */
bool mmio_insn_decode(const uint8_t *b, unsigned n, struct mmio_insn *out);

#endif
