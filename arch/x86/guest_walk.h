/* Reading guest memory by a guest-linear address: through the guest's
 * own 4-level page tables, then the nested table (EPT or NPT) [SDM 3A
 * 4.5, APM 2 5.3]. Both backends fetch the instruction behind an exit
 * with it (svm_guest_insn.c for MOV to CR0/CR4, vcpu_fetch_insn for
 * vmm/xapic_mmio.c). */
#ifndef ARCH_X86_GUEST_WALK_H
#define ARCH_X86_GUEST_WALK_H

#include <stdint.h>

#include "vmm/virt.h"

/* Up to 'n' bytes at guest-linear 'la' under the guest's CR3 'cr3', in
 * long mode: the count read, fewer where a page (of the guest's tables
 * or the nested one) is not present or readable. Byte by byte, so a
 * read may straddle pages. */
unsigned guest_fetch(struct npt *npt, uint64_t cr3, uint64_t la, uint8_t *b,
		     unsigned n);

#endif
