/* Guest images from a file: check a flat binary or an ELF64 executable
 * against the VM's RAM, then copy it in (docs/config.md, "image";
 * docs/hypercalls.md, "Entry state").
 *
 * Validate, then perform: image_check() reads the file through bounds
 * it has checked first, with every sum overflow-safe, and decides where
 * each byte goes; image_place() only copies what it was told. Headers
 * are copied out of the file before they are read, since a field may
 * sit at any alignment. */
#include <stdarg.h>
#include <stdbool.h>

#include "lib/fmt.h"
#include "lib/string.h"
#include "vmm/elf64.h"
#include "vmm/hypercall_abi.h"
#include "vmm/image.h"

#define MIB (1ull << 20)

__attribute__((format(printf, 3, 4)))
static int image_fail(char *why, size_t why_len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fmt_vsnprintf(why, why_len, fmt, ap);
	va_end(ap);
	return -1;
}

static bool image_is_elf(const uint8_t *data, uint64_t len)
{
	return len >= SELFMAG && memcmp(data, ELFMAG, SELFMAG) == 0;
}

/* Whether [gpa, gpa + len) meets [lo, hi); gpa + len is known not to
 * wrap (the range lies inside RAM). */
static bool image_overlaps(uint64_t gpa, uint64_t len, uint64_t lo,
			   uint64_t hi)
{
	return gpa < hi && lo < gpa + len;
}

/* Anything else: copied to GUEST_LOAD_GPA and entered at its first byte. */
static int image_check_flat(uint64_t len, uint64_t ram_bytes,
			    struct image_layout *l, char *why, size_t why_len)
{
	uint64_t room = ram_bytes > GUEST_LOAD_GPA ? ram_bytes - GUEST_LOAD_GPA : 0;

	if (len > room)
		return image_fail(why, why_len,
				  "flat image of %lu bytes does not fit the VM's "
				  "%lu MiB of RAM from 0x%lx (at most %lu bytes)",
				  (unsigned long)len, (unsigned long)(ram_bytes / MIB),
				  (unsigned long)GUEST_LOAD_GPA, (unsigned long)room);
	l->entry = GUEST_LOAD_GPA;
	l->nr_segs = 1;
	l->is_elf = 0;
	l->segs[0] = (struct image_seg){ GUEST_LOAD_GPA, 0, len, len };
	return 0;
}

/* The header fields the loader relies on [ELF-64 1.5 "ELF Header";
 * AMD64 ABI 4.1.1]: a 64-bit little-endian x86-64 executable whose
 * program header table lies inside the file. */
static int image_check_ehdr(const struct elf64_ehdr *eh, uint64_t len,
			    char *why, size_t why_len)
{
	if (eh->e_ident[EI_CLASS] != ELFCLASS64)
		return image_fail(why, why_len, "not an ELF64 file (EI_CLASS %u, "
				  "want 2: ELFCLASS64)", eh->e_ident[EI_CLASS]);
	if (eh->e_ident[EI_DATA] != ELFDATA2LSB)
		return image_fail(why, why_len, "not a little-endian ELF (EI_DATA "
				  "%u, want 1: ELFDATA2LSB)", eh->e_ident[EI_DATA]);
	if (eh->e_ident[EI_VERSION] != EV_CURRENT || eh->e_version != EV_CURRENT)
		return image_fail(why, why_len, "ELF version %u/%u (want 1: "
				  "EV_CURRENT)", eh->e_ident[EI_VERSION],
				  eh->e_version);
	if (eh->e_machine != EM_X86_64)
		return image_fail(why, why_len, "not an x86-64 ELF (e_machine %u, "
				  "want 62: EM_X86_64)", eh->e_machine);
	if (eh->e_type == ET_DYN)
		return image_fail(why, why_len, "a position-independent ELF "
				  "(ET_DYN): link it at a fixed address (-no-pie)");
	if (eh->e_type != ET_EXEC)
		return image_fail(why, why_len, "not an ELF executable (e_type %u, "
				  "want 2: ET_EXEC)", eh->e_type);
	if (eh->e_phnum == 0 || eh->e_phnum == PN_XNUM)
		return image_fail(why, why_len, "ELF e_phnum %u: no usable program "
				  "header table", eh->e_phnum);
	if (eh->e_phentsize != sizeof(struct elf64_phdr))
		return image_fail(why, why_len, "ELF e_phentsize %u (want %u)",
				  eh->e_phentsize,
				  (unsigned)sizeof(struct elf64_phdr));
	if (eh->e_phoff > len ||
	    (uint64_t)eh->e_phnum * sizeof(struct elf64_phdr) > len - eh->e_phoff)
		return image_fail(why, why_len, "ELF program headers (%u at offset "
				  "0x%lx) run past the end of the file (%lu bytes)",
				  eh->e_phnum, (unsigned long)eh->e_phoff,
				  (unsigned long)len);
	return 0;
}

/* One PT_LOAD segment [ELF-64 1.5 "Program header table"]: its file
 * bytes inside the file, no more of them than of memory, and its memory
 * inside RAM and clear of the pages guest_boot_build() writes. The
 * guest's page tables map RAM one to one, so virtual and physical
 * addresses must agree. */
static int image_check_load(const struct elf64_phdr *ph, uint32_t idx,
			    uint64_t len, uint64_t ram_bytes, char *why,
			    size_t why_len)
{
	if (ph->p_filesz > ph->p_memsz)
		return image_fail(why, why_len, "segment %u: p_filesz 0x%lx "
				  "exceeds p_memsz 0x%lx", idx,
				  (unsigned long)ph->p_filesz,
				  (unsigned long)ph->p_memsz);
	if (ph->p_offset > len || ph->p_filesz > len - ph->p_offset)
		return image_fail(why, why_len, "segment %u: its 0x%lx bytes at "
				  "offset 0x%lx run past the end of the file "
				  "(%lu bytes)", idx, (unsigned long)ph->p_filesz,
				  (unsigned long)ph->p_offset, (unsigned long)len);
	if (ph->p_memsz == 0)
		return 0;
	if (ph->p_vaddr != ph->p_paddr)
		return image_fail(why, why_len, "segment %u: p_vaddr 0x%lx is not "
				  "p_paddr 0x%lx (guest RAM is mapped 1:1)", idx,
				  (unsigned long)ph->p_vaddr,
				  (unsigned long)ph->p_paddr);
	if (ph->p_vaddr >= ram_bytes || ph->p_memsz > ram_bytes - ph->p_vaddr)
		return image_fail(why, why_len, "segment %u: 0x%lx bytes at 0x%lx "
				  "run past the VM's %lu MiB of RAM", idx,
				  (unsigned long)ph->p_memsz,
				  (unsigned long)ph->p_vaddr,
				  (unsigned long)(ram_bytes / MIB));
	if (image_overlaps(ph->p_vaddr, ph->p_memsz, GUEST_PML4_GPA,
			   GUEST_BOOT_END))
		return image_fail(why, why_len, "segment %u: 0x%lx bytes at 0x%lx "
				  "overlap 0x%lx-0x%lx, where the hypervisor puts "
				  "the guest's page tables and GDT", idx,
				  (unsigned long)ph->p_memsz,
				  (unsigned long)ph->p_vaddr,
				  (unsigned long)GUEST_PML4_GPA,
				  (unsigned long)GUEST_BOOT_END - 1);
	return 0;
}

/* Add a checked segment, apart from every earlier one: with overlaps,
 * what the guest finds would depend on the order of the copies. */
static int image_add_seg(struct image_layout *l, const struct elf64_phdr *ph,
			 uint32_t idx, char *why, size_t why_len)
{
	for (uint32_t i = 0; i < l->nr_segs; i++)
		if (image_overlaps(ph->p_vaddr, ph->p_memsz, l->segs[i].gpa,
				   l->segs[i].gpa + l->segs[i].mem_len))
			return image_fail(why, why_len, "segment %u at 0x%lx "
					  "overlaps an earlier one at 0x%lx", idx,
					  (unsigned long)ph->p_vaddr,
					  (unsigned long)l->segs[i].gpa);
	if (l->nr_segs == IMAGE_SEGS_MAX)
		return image_fail(why, why_len, "more than %u PT_LOAD segments",
				  IMAGE_SEGS_MAX);
	l->segs[l->nr_segs++] = (struct image_seg){
		ph->p_vaddr, ph->p_offset, ph->p_filesz, ph->p_memsz };
	return 0;
}

static int image_check_elf(const uint8_t *data, uint64_t len,
			   uint64_t ram_bytes, struct image_layout *l,
			   char *why, size_t why_len)
{
	struct elf64_ehdr eh;
	struct elf64_phdr ph;

	if (len < sizeof(eh))
		return image_fail(why, why_len, "ELF file of %lu bytes is shorter "
				  "than its %u-byte header", (unsigned long)len,
				  (unsigned)sizeof(eh));
	memcpy(&eh, data, sizeof(eh));
	if (image_check_ehdr(&eh, len, why, why_len))
		return -1;

	l->nr_segs = 0;
	l->is_elf = 1;
	for (uint32_t i = 0; i < eh.e_phnum; i++) {
		memcpy(&ph, data + eh.e_phoff + (uint64_t)i * sizeof(ph),
		       sizeof(ph));
		if (ph.p_type == PT_INTERP)
			return image_fail(why, why_len, "segment %u is PT_INTERP: a "
					  "dynamically linked program (link it "
					  "-static)", i);
		if (ph.p_type != PT_LOAD)
			continue;
		if (image_check_load(&ph, i, len, ram_bytes, why, why_len))
			return -1;
		if (ph.p_memsz && image_add_seg(l, &ph, i, why, why_len))
			return -1;
	}
	if (l->nr_segs == 0)
		return image_fail(why, why_len, "ELF has no PT_LOAD segment to load");

	/* The first instruction must be one the file provides. */
	for (uint32_t i = 0; i < l->nr_segs; i++) {
		const struct image_seg *s = &l->segs[i];

		if (eh.e_entry >= s->gpa && eh.e_entry - s->gpa < s->file_len) {
			l->entry = eh.e_entry;
			return 0;
		}
	}
	return image_fail(why, why_len, "entry point 0x%lx is not in the file "
			  "bytes of any PT_LOAD segment",
			  (unsigned long)eh.e_entry);
}

int image_check(const uint8_t *data, uint64_t len, uint64_t ram_bytes,
		struct image_layout *out, char *why, size_t why_len)
{
	struct image_layout l;
	int rc;

	if (len == 0)
		return image_fail(why, why_len, "the file is empty");
	if (image_is_elf(data, len))
		rc = image_check_elf(data, len, ram_bytes, &l, why, why_len);
	else
		rc = image_check_flat(len, ram_bytes, &l, why, why_len);
	if (rc == 0)
		*out = l;
	return rc;
}

void image_place(const struct image_layout *l, const uint8_t *data,
		 uint8_t *ram)
{
	for (uint32_t i = 0; i < l->nr_segs; i++) {
		const struct image_seg *s = &l->segs[i];

		memcpy(ram + s->gpa, data + s->file_off, s->file_len);
		memset(ram + s->gpa + s->file_len, 0, s->mem_len - s->file_len);
	}
}

uint64_t image_unsized_len(const uint8_t *data, uint64_t buf_len)
{
	if (image_is_elf(data, buf_len))
		return buf_len;
	while (buf_len && data[buf_len - 1] == 0)
		buf_len--;
	return buf_len;
}
