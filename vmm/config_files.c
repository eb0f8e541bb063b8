/* The flipvisor.cfg keys of a [vm] that name files and what goes with
 * them (docs/config.md): 'image' (a guest image), 'kernel' and 'initrd'
 * (a Linux VM, docs/linux.md), and the Linux command line 'cmdline'.
 * Part of the parser (vmm/config_parse.h); the files themselves are
 * read and checked at boot, against the line each key was on. */
#include "lib/string.h"
#include "vmm/config_parse.h"

static char *path_field(const struct cfg_key *k, void *base)
{
	return (char *)base + k->offset;
}

static uint32_t *line_field(const struct cfg_key *k, void *base)
{
	return (uint32_t *)((char *)base + k->line_offset);
}

/* A path below the root of the boot volume or TFTP server, one '/'
 * between names of A-Za-z0-9._- (a leading '/' is dropped), no '.' or
 * '..' names: FAT and TFTP both take it as it is. The default, "", means
 * no file; the file itself never gives an empty value (cfg_key_value
 * refuses it). */
int cfg_parse_path(struct cfg_parser *p, const struct cfg_key *k,
		   const char *v, size_t n, void *base)
{
	char q[CFG_QUOTE_MAX + 1];
	size_t i, start = 0;

	if (n == 0) {
		path_field(k, base)[0] = '\0';
		*line_field(k, base) = 0;
		return 0;
	}
	cfg_quote(q, v, n);
	if (v[0] == '/') {
		v++;
		n--;
	}
	if (n > CFG_PATH_MAX)
		return cfg_fail(p, p->line, "%s '%s' is longer than %u characters",
				k->name, q, CFG_PATH_MAX);
	for (i = 0; i <= n; i++) {
		if (i < n && v[i] != '/') {
			if (!cfg_is_alpha(v[i]) && !cfg_is_digit(v[i]) &&
			    v[i] != '.' && v[i] != '_' && v[i] != '-')
				goto malformed;
			continue;
		}
		/* v[start..i) is one name */
		if (i == start || cfg_equal(v + start, i - start, ".") ||
		    cfg_equal(v + start, i - start, ".."))
			goto malformed;
		start = i + 1;
	}
	memcpy(path_field(k, base), v, n);
	path_field(k, base)[n] = '\0';
	*line_field(k, base) = p->line;
	return 0;

malformed:
	return cfg_fail(p, p->line, "%s '%s' is malformed (want a path like "
			"guests/hello.elf: names of A-Za-z0-9._- between single "
			"'/', no . or ..)", k->name, q);
}

/* The user's part of the kernel command line, as written: printable
 * ASCII (the kernel parses it as text; a tab or a byte above 0x7E would
 * be a surprise on the serial console). Its length against what the
 * kernel takes is checked at boot, with the hypervisor's part added
 * (vmm/linux_vm.c). */
int cfg_parse_cmdline(struct cfg_parser *p, const struct cfg_key *k,
		      const char *v, size_t n, void *base)
{
	struct cfg_vm *vm = base;
	char q[CFG_QUOTE_MAX + 1];

	for (size_t i = 0; i < n; i++)
		if (v[i] < 0x20 || v[i] > 0x7e)
			return cfg_fail(p, p->line, "%s '%s' has a byte that is "
					"not printable ASCII at column %lu",
					k->name, cfg_quote(q, v, n),
					(unsigned long)i + 1);
	/* n <= CFG_LINE_MAX = CFG_CMDLINE_MAX: cfg_line cut longer lines. */
	memcpy(vm->cmdline, v, n);
	vm->cmdline[n] = '\0';
	vm->cmdline_line = n ? p->line : 0;
	return 0;
}

int cfg_check_linux(struct cfg_parser *p, const struct cfg_vm *vm)
{
	if (vm->kernel[0] && vm->image[0])
		return cfg_fail(p, vm->kernel_line, "[vm %s] has both kernel "
				"and image (line %u): a VM runs one or the other",
				vm->name, vm->image_line);
	if (!vm->kernel[0] && vm->initrd[0])
		return cfg_fail(p, vm->initrd_line, "[vm %s] has an initrd but "
				"no kernel", vm->name);
	if (!vm->kernel[0] && vm->cmdline_line)
		return cfg_fail(p, vm->cmdline_line, "[vm %s] has a cmdline but "
				"no kernel", vm->name);
	return 0;
}
