/* Decoding a 32-bit MOV to or from memory (mmio_insn.h) [SDM 2 2.1,
 * 2.2.1, Tables 2-2 and 2-3; SDM 2 MOV]. The memory address needs no
 * computing: the nested-paging fault already gives it. Only the length
 * and the register or immediate are wanted, so the rest of the operand
 * bytes are counted, not interpreted. */
#include "vmm/mmio_insn.h"

#define OP_MOV_LOAD     0x8b
#define OP_MOV_STORE    0x89
#define OP_MOV_IMM      0xc7
#define REX_MASK        0xf0
#define REX_BASE        0x40
#define REX_W           0x08
#define REX_R           0x04
#define MODRM_MOD(m)    ((m) >> 6)
#define MODRM_REG(m)    (((m) >> 3) & 7)
#define MODRM_RM(m)     ((m) & 7)
#define MOD_REG         3       /* a register operand: no memory access */
#define RM_SIB          4
#define RM_DISP32       5       /* with mod 00: RIP + disp32 in 64-bit mode */
#define SIB_BASE(s)     ((s) & 7)
#define SIB_NO_BASE     5       /* with mod 00: disp32, no base */

/* Bytes of SIB and displacement after a ModRM 'm' whose SIB (if any) is
 * 'sib' [SDM 2 Tables 2-2, 2-3]. */
static unsigned operand_bytes(uint8_t m, uint8_t sib)
{
	unsigned mod = MODRM_MOD(m), n = 0;

	if (MODRM_RM(m) == RM_SIB) {
		n = 1;
		if (mod == 0 && SIB_BASE(sib) == SIB_NO_BASE)
			return n + 4;
	} else if (mod == 0 && MODRM_RM(m) == RM_DISP32) {
		return 4;
	}
	return n + (mod == 1 ? 1 : mod == 2 ? 4 : 0);
}

bool mmio_insn_decode(const uint8_t *b, unsigned n, struct mmio_insn *out)
{
	struct mmio_insn r = { 0 };
	unsigned i = 0, rex = 0, len;
	uint8_t op, m;

	if (n > MMIO_INSN_MAX)
		n = MMIO_INSN_MAX;
	if (i < n && (b[i] & REX_MASK) == REX_BASE)
		rex = b[i++];
	/* A 64-bit operand is not a 32-bit register's access. */
	if (rex & REX_W)
		return false;
	if (i + 2 > n)
		return false;
	op = b[i++];
	m = b[i++];
	if (MODRM_MOD(m) == MOD_REG)
		return false;
	/* The SIB byte, when there is one, must be there to be read. */
	if (MODRM_RM(m) == RM_SIB && i >= n)
		return false;
	len = i + operand_bytes(m, MODRM_RM(m) == RM_SIB ? b[i] : 0);
	switch (op) {
	case OP_MOV_LOAD:
	case OP_MOV_STORE:
		r.op = op == OP_MOV_LOAD ? MMIO_LOAD : MMIO_STORE;
		r.gpr = MODRM_REG(m) | ((rex & REX_R) ? 8 : 0);
		break;
	case OP_MOV_IMM:
		if (MODRM_REG(m) != 0)  /* C7 /0 only */
			return false;
		if (len + 4 > n)
			return false;
		r.op = MMIO_STORE_IMM;
		r.imm = (uint32_t)b[len] | (uint32_t)b[len + 1] << 8 |
			   (uint32_t)b[len + 2] << 16 | (uint32_t)b[len + 3] << 24;
		len += 4;
		break;
	default:
		return false;
	}
	if (len > n)
		return false;
	r.len = len;
	*out = r;               /* only a whole decode is reported */
	return true;
}
