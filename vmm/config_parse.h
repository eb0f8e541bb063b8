/* The parser's own types and helpers, shared by the files that make up
 * the flipvisor.cfg parser (vmm/config.c: the grammar, sections and
 * most keys; vmm/config_files.c: the keys that name files and the
 * kernel command line). Not for other users: vmm/config.h is the
 * interface. */
#ifndef VMM_CONFIG_PARSE_H
#define VMM_CONFIG_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vmm/config.h"

/* User text quoted in a message is cut to this many characters, so the
 * longest message still fits CFG_ERR_MAX. */
#define CFG_QUOTE_MAX 24

enum cfg_section {
	CFG_SEC_GLOBAL,
	CFG_SEC_VM,
};

struct cfg_parser {
	struct config    *cfg;
	struct cfg_error *err;
	uint32_t          line;
	enum cfg_section  section;
	uint32_t          seen;    /* bit i: cfg_keys[i] set in this section */
	uint32_t          key_line[32];    /* where cfg_keys[i] was set, or 0 */
};

struct cfg_key;
/* Parse 'n' bytes of 'v' (non-empty, trimmed) into the section 'base'
 * (struct config for globals, struct cfg_vm for guests). Returns 0, or
 * -1 after cfg_fail(). Validates everything before it stores anything.
 * The defaults are parsed the same way, with n possibly 0. */
typedef int (*cfg_parse_fn)(struct cfg_parser *p, const struct cfg_key *k,
			    const char *v, size_t n, void *base);

struct cfg_key {
	enum cfg_section section;
	const char      *name;
	cfg_parse_fn     parse;
	size_t           offset;   /* of the field in 'base' (one-field keys) */
	size_t           line_offset; /* of its uint32_t line (path keys) */
	uint32_t         min, max; /* for integer keys */
	const char      *def;      /* default, as file text; NULL: required */
	const char *const *names;  /* for enum keys: value i is names[i] */
	uint32_t         nr_names;
};

bool cfg_is_digit(char c);
bool cfg_is_alpha(char c);
bool cfg_equal(const char *s, size_t n, const char *word);
/* User text for a message: cut with "...", unprintable bytes as '?'. */
const char *cfg_quote(char buf[CFG_QUOTE_MAX + 1], const char *s, size_t n);
/* Record "flipvisor.cfg:LINE: reason" in p->err; returns -1. */
int cfg_fail(struct cfg_parser *p, uint32_t line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* vmm/config_net.c */
int cfg_parse_mac(struct cfg_parser *p, const struct cfg_key *k,
		  const char *v, size_t n, void *base);
int cfg_parse_ipv4(struct cfg_parser *p, const struct cfg_key *k,
		   const char *v, size_t n, void *base);
int cfg_parse_ping(struct cfg_parser *p, const struct cfg_key *k,
		   const char *v, size_t n, void *base);

/* vmm/config_files.c */
int cfg_parse_path(struct cfg_parser *p, const struct cfg_key *k,
		   const char *v, size_t n, void *base);
int cfg_parse_cmdline(struct cfg_parser *p, const struct cfg_key *k,
		      const char *v, size_t n, void *base);
/* The [vm] section of 'vm' ends: its file keys must agree. */
int cfg_check_linux(struct cfg_parser *p, const struct cfg_vm *vm);

#endif
