/* Guest-linear to guest-physical to host memory, for the few places the
 * hypervisor must read what the guest executes (guest_walk.h). Only
 * present bits matter: this reads, it never sets accessed bits and never
 * gives the guest a fault. */
#include "arch/x86/guest_walk.h"

#define PTE_P          (1ull << 0)
#define PTE_PS         (1ull << 7)
#define PTE_ADDR       0x000ffffffffff000ull
#define PAGE_4K        0x1000u

/* 'n' bytes of guest memory at guest-physical 'gpa', within one page,
 * if the nested table maps it readable. */
static bool read_gpa(struct npt *npt, uint64_t gpa, void *out, unsigned n)
{
	uint64_t hpa;
	unsigned perm;

	if ((gpa & (PAGE_4K - 1)) + n > PAGE_4K ||
	    npt_lookup(npt, gpa, &hpa, &perm) || !(perm & NPT_R))
		return false;
	__builtin_memcpy(out, (const void *)(uintptr_t)hpa, n);
	return true;
}

/* Linear to guest-physical through the guest's 4-level tables (long
 * mode: the only mode a flipvisor guest runs in, since it may not
 * clear CR0.PG or CR4.PAE) [SDM 3A 4.5, APM 2 5.3]. */
static bool guest_phys(struct npt *npt, uint64_t cr3, uint64_t la,
		       uint64_t *gpa)
{
	uint64_t table = cr3 & PTE_ADDR, e;

	for (int level = 4; level >= 1; level--) {
		unsigned shift = 12 + 9 * (level - 1);

		if (!read_gpa(npt, table + ((la >> shift) & 511) * 8, &e, 8) ||
		    !(e & PTE_P))
			return false;
		if ((level == 3 || level == 2) && (e & PTE_PS)) {
			uint64_t size = 1ull << shift;

			*gpa = (e & PTE_ADDR & ~(size - 1)) | (la & (size - 1));
			return true;
		}
		table = e & PTE_ADDR;
	}
	*gpa = table | (la & (PAGE_4K - 1));
	return true;
}

unsigned guest_fetch(struct npt *npt, uint64_t cr3, uint64_t la, uint8_t *b,
		     unsigned n)
{
	unsigned i;

	for (i = 0; i < n; i++) {
		uint64_t gpa;

		if (!guest_phys(npt, cr3, la + i, &gpa) ||
		    !read_gpa(npt, gpa, &b[i], 1))
			break;
	}
	return i;
}
