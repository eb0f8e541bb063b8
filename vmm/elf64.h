/* The parts of the ELF-64 file format a guest image loader reads
 * [ELF-64 Object File Format 1.5, "ELF Header" and "Program header
 * table"; System V ABI AMD64 Supplement 4.1 for EM_X86_64]. Layouts are
 * the file's own, little-endian on x86-64; only fixed-width types. */
#ifndef VMM_ELF64_H
#define VMM_ELF64_H

#include <stdint.h>

/* e_ident[] */
#define EI_MAG0        0
#define EI_CLASS       4
#define EI_DATA        5
#define EI_VERSION     6
#define EI_NIDENT      16
#define ELFMAG         "\177ELF"
#define SELFMAG        4
#define ELFCLASS64     2
#define ELFDATA2LSB    1
#define EV_CURRENT     1

/* e_type, e_machine */
#define ET_EXEC        2
#define ET_DYN         3
#define EM_X86_64      62

/* e_phnum: this value means the real count is elsewhere (section 0) */
#define PN_XNUM        0xffff

/* p_type */
#define PT_LOAD        1
#define PT_INTERP      3

struct elf64_ehdr {
	uint8_t  e_ident[EI_NIDENT];
	uint16_t e_type;
	uint16_t e_machine;
	uint32_t e_version;
	uint64_t e_entry;
	uint64_t e_phoff;
	uint64_t e_shoff;
	uint32_t e_flags;
	uint16_t e_ehsize;
	uint16_t e_phentsize;
	uint16_t e_phnum;
	uint16_t e_shentsize;
	uint16_t e_shnum;
	uint16_t e_shstrndx;
};

struct elf64_phdr {
	uint32_t p_type;
	uint32_t p_flags;
	uint64_t p_offset;
	uint64_t p_vaddr;
	uint64_t p_paddr;
	uint64_t p_filesz;
	uint64_t p_memsz;
	uint64_t p_align;
};

_Static_assert(sizeof(struct elf64_ehdr) == 64, "ELF-64 header is 64 bytes");
_Static_assert(sizeof(struct elf64_phdr) == 56, "ELF-64 program header is 56 bytes");

#endif
