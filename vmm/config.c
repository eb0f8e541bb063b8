/* flipvisor.cfg parser (grammar and messages: docs/config.md).
 *
 * The file comes from a USB stick or a TFTP server, so every byte is
 * untrusted. The parser works on a private struct config and copies it
 * out only when the whole file is good: a bad file changes nothing. It
 * keeps no state outside its stack frame, so it is reentrant. */
#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

#include "vmm/config.h"
#include "vmm/config_parse.h"
#include "vmm/hypercall_abi.h"
#include "vmm/net/netpath.h"
#include "lib/string.h"
#include "lib/fmt.h"

#define CFG_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static int cfg_parse_u32(struct cfg_parser *p, const struct cfg_key *k,
			 const char *v, size_t n, void *base);
static int cfg_parse_enum(struct cfg_parser *p, const struct cfg_key *k,
			  const char *v, size_t n, void *base);
static int cfg_parse_threshold(struct cfg_parser *p, const struct cfg_key *k,
			       const char *v, size_t n, void *base);

/* Indexed by enum cfg_selftest. */
static const char *const cfg_selftest_names[] = {
	[CFG_SELFTEST_NONE]           = "none",
	[CFG_SELFTEST_PAGE_FAULT]     = "page_fault",
	[CFG_SELFTEST_INVALID_OPCODE] = "invalid_opcode",
};

/* Indexed by enum hc_test_mode: the names of HC_TEST_MODES. */
static const char *const cfg_test_mode_names[] = {
#define HC_MODE_NAME(N, n, v) [HC_MODE_##N] = #n,
	HC_TEST_MODES(HC_MODE_NAME)
#undef HC_MODE_NAME
};

static const char *const cfg_bool_names[] = { "no", "yes" };

/* Indexed by enum np_mode: the names of NP_MODES. */
static const char *const cfg_delivery_names[] = {
#define CFG_DELIVERY_NAME(N, n) [NP_##N] = #n,
	NP_MODES(CFG_DELIVERY_NAME)
#undef CFG_DELIVERY_NAME
};

/* Indexed by enum cfg_invariants. */
static const char *const cfg_invariants_names[] = {
	[CFG_INVARIANTS_BATCH] = "batch",
	[CFG_INVARIANTS_EVERY] = "every",
};

#define CFG_ENUM(list) .names = (list), .nr_names = CFG_ARRAY_SIZE(list)

/* Every key the file knows. A new key is one line here (plus its parse
 * function if no existing one fits) and one entry in docs/config.md.
 * Required keys are checked in this order. */
static const struct cfg_key cfg_keys[] = {
	{ .section = CFG_SEC_GLOBAL, .name = "heap_mib", .parse = cfg_parse_u32,
	  .offset = offsetof(struct config, heap_mib),
	  .min = CFG_HEAP_MIN_MIB, .max = CFG_HEAP_MAX_MIB, .def = "32" },
	{ .section = CFG_SEC_GLOBAL, .name = "selftest", .parse = cfg_parse_enum,
	  .offset = offsetof(struct config, selftest), .def = "none",
	  CFG_ENUM(cfg_selftest_names) },
	{ .section = CFG_SEC_GLOBAL, .name = "timeslice_us",
	  .parse = cfg_parse_u32, .offset = offsetof(struct config, timeslice_us),
	  .min = CFG_SLICE_MIN_US, .max = CFG_SLICE_MAX_US, .def = "10000" },
	{ .section = CFG_SEC_GLOBAL, .name = "pool_frames",
	  .parse = cfg_parse_u32, .offset = offsetof(struct config, pool_frames),
	  .min = CFG_POOL_MIN, .max = CFG_POOL_MAX, .def = "256" },
	{ .section = CFG_SEC_GLOBAL, .name = "reclaim_ms",
	  .parse = cfg_parse_u32, .offset = offsetof(struct config, reclaim_ms),
	  .min = 1, .max = CFG_RECLAIM_MAX_MS, .def = "100" },
	{ .section = CFG_SEC_GLOBAL, .name = "delivery", .parse = cfg_parse_enum,
	  .offset = offsetof(struct config, delivery), .def = "hybrid",
	  CFG_ENUM(cfg_delivery_names) },
	/* A frame longer than a copy buffer is copied into several. */
	{ .section = CFG_SEC_GLOBAL, .name = "copy_threshold",
	  .parse = cfg_parse_threshold,
	  .offset = offsetof(struct config, copy_threshold),
	  .min = 0, .max = NET_JUMBO_MAX, .def = "auto" },
	/* IPv4's least [RFC 791] to a jumbo frame in three pool pages. */
	{ .section = CFG_SEC_GLOBAL, .name = "mtu",
	  .parse = cfg_parse_u32, .offset = offsetof(struct config, mtu),
	  .min = NET_MTU_MIN, .max = NET_MTU_MAX, .def = "1500" },
	{ .section = CFG_SEC_GLOBAL, .name = "invariants", .parse = cfg_parse_enum,
	  .offset = offsetof(struct config, invariants), .def = "batch",
	  CFG_ENUM(cfg_invariants_names) },
	{ .section = CFG_SEC_GLOBAL, .name = "stats_ms",
	  .parse = cfg_parse_u32, .offset = offsetof(struct config, stats_ms),
	  .min = 100, .max = 3600000, .def = "5000" },
	{ .section = CFG_SEC_VM, .name = "mac", .parse = cfg_parse_mac,
	  .offset = offsetof(struct cfg_vm, mac) },
	{ .section = CFG_SEC_VM, .name = "ipv4", .parse = cfg_parse_ipv4 },
	{ .section = CFG_SEC_VM, .name = "memory_mib", .parse = cfg_parse_u32,
	  .offset = offsetof(struct cfg_vm, memory_mib),
	  .min = CFG_VM_MEM_MIN_MIB, .max = CFG_VM_MEM_MAX_MIB, .def = "8" },
	{ .section = CFG_SEC_VM, .name = "test_mode", .parse = cfg_parse_enum,
	  .offset = offsetof(struct cfg_vm, test_mode), .def = "normal",
	  CFG_ENUM(cfg_test_mode_names) },
	{ .section = CFG_SEC_VM, .name = "rx_slots", .parse = cfg_parse_u32,
	  .offset = offsetof(struct cfg_vm, rx_slots),
	  .min = 1, .max = CFG_SLOTS_MAX, .def = "64" },
	{ .section = CFG_SEC_VM, .name = "quota_frames", .parse = cfg_parse_u32,
	  .offset = offsetof(struct cfg_vm, quota_frames),
	  .min = 1, .max = CFG_SLOTS_MAX, .def = "32" },
	{ .section = CFG_SEC_VM, .name = "ping", .parse = cfg_parse_ping,
	  .offset = offsetof(struct cfg_vm, ping_ipv4), .def = "0.0.0.0" },
	{ .section = CFG_SEC_VM, .name = "promiscuous", .parse = cfg_parse_enum,
	  .offset = offsetof(struct cfg_vm, promiscuous), .def = "no",
	  CFG_ENUM(cfg_bool_names) },
	{ .section = CFG_SEC_VM, .name = "image", .parse = cfg_parse_path,
	  .offset = offsetof(struct cfg_vm, image),
	  .line_offset = offsetof(struct cfg_vm, image_line), .def = "" },
	{ .section = CFG_SEC_VM, .name = "kernel", .parse = cfg_parse_path,
	  .offset = offsetof(struct cfg_vm, kernel),
	  .line_offset = offsetof(struct cfg_vm, kernel_line), .def = "" },
	{ .section = CFG_SEC_VM, .name = "initrd", .parse = cfg_parse_path,
	  .offset = offsetof(struct cfg_vm, initrd),
	  .line_offset = offsetof(struct cfg_vm, initrd_line), .def = "" },
	{ .section = CFG_SEC_VM, .name = "cmdline", .parse = cfg_parse_cmdline,
	  .def = "" },
};
#define CFG_NR_KEYS CFG_ARRAY_SIZE(cfg_keys)
_Static_assert(CFG_NR_KEYS <= 32, "cfg_parser.seen is a 32-bit mask");

/* --- helpers ------------------------------------------------------- */

static bool cfg_is_blank(char c)
{
	return c == ' ' || c == '\t';
}

bool cfg_is_digit(char c)
{
	return c >= '0' && c <= '9';
}

bool cfg_is_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

bool cfg_equal(const char *s, size_t n, const char *word)
{
	return strlen(word) == n && memcmp(s, word, n) == 0;
}

/* Copy user text for a message: cut long text with "...", and show
 * control and non-ASCII bytes as '?' so the serial log stays readable. */
const char *cfg_quote(char buf[CFG_QUOTE_MAX + 1], const char *s,
		      size_t n)
{
	size_t i, keep = n > CFG_QUOTE_MAX ? CFG_QUOTE_MAX - 3 : n;

	for (i = 0; i < keep; i++)
		buf[i] = s[i] >= 0x20 && s[i] < 0x7f ? s[i] : '?';
	if (keep < n) {
		memcpy(buf + keep, "...", 3);
		keep += 3;
	}
	buf[keep] = '\0';
	return buf;
}

int cfg_fail(struct cfg_parser *p, uint32_t line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fmt_vsnprintf(p->err->reason, sizeof(p->err->reason), fmt, ap);
	va_end(ap);
	p->err->line = line;
	return -1;
}

/* The guest whose section is open; only valid in CFG_SEC_VM. */
static struct cfg_vm *cfg_cur_vm(struct cfg_parser *p)
{
	return &p->cfg->vms[p->cfg->nr_vms - 1];
}

static void *cfg_section_base(struct cfg_parser *p)
{
	if (p->section == CFG_SEC_VM)
		return cfg_cur_vm(p);
	return p->cfg;
}

/* Decimal, no sign. Returns 0, -1 when not a number, -2 on overflow. */
static int cfg_read_u32(const char *s, size_t n, uint32_t *out)
{
	uint32_t v = 0;
	size_t i;

	if (n == 0)
		return -1;
	for (i = 0; i < n; i++)
		if (!cfg_is_digit(s[i]))
			return -1;
	for (i = 0; i < n; i++) {
		uint32_t d = (uint32_t)(s[i] - '0');

		if (v > (UINT32_MAX - d) / 10)
			return -2;
		v = v * 10 + d;
	}
	*out = v;
	return 0;
}

/* --- value parsers ------------------------------------------------- */

static int cfg_parse_u32(struct cfg_parser *p, const struct cfg_key *k,
			 const char *v, size_t n, void *base)
{
	char q[CFG_QUOTE_MAX + 1];
	uint32_t val;
	int rc = cfg_read_u32(v, n, &val);

	if (rc == -1)
		return cfg_fail(p, p->line,
				"%s '%s' is malformed (want a decimal number)",
				k->name, cfg_quote(q, v, n));
	if (rc == -2 || val < k->min || val > k->max)
		return cfg_fail(p, p->line, "%s %s out of range (%u..%u)",
				k->name, cfg_quote(q, v, n), k->min, k->max);
	*(uint32_t *)((char *)base + k->offset) = val;
	return 0;
}

/* 'auto' (NP_COPY_AUTO: hybrid follows where the DMA leaves frames,
 * vmm/net/dma_sense.c) or a number in range. */
static int cfg_parse_threshold(struct cfg_parser *p, const struct cfg_key *k,
			       const char *v, size_t n, void *base)
{
	char q[CFG_QUOTE_MAX + 1];
	uint32_t val;

	if (cfg_equal(v, n, "auto")) {
		*(uint32_t *)((char *)base + k->offset) = NP_COPY_AUTO;
		return 0;
	}
	if (cfg_read_u32(v, n, &val) == -1)
		return cfg_fail(p, p->line, "%s '%s' is malformed (want auto "
				"or a decimal number)", k->name,
				cfg_quote(q, v, n));
	return cfg_parse_u32(p, k, v, n, base);
}

/* One of the words in k->names; the field is a 32-bit enum. */
static int cfg_parse_enum(struct cfg_parser *p, const struct cfg_key *k,
			  const char *v, size_t n, void *base)
{
	char q[CFG_QUOTE_MAX + 1], want[CFG_ERR_MAX];
	size_t len = 0;
	uint32_t i;

	for (i = 0; i < k->nr_names; i++) {
		if (cfg_equal(v, n, k->names[i])) {
			*(uint32_t *)((char *)base + k->offset) = i;
			return 0;
		}
	}
	/* "want a, b or c" */
	for (i = 0; i < k->nr_names && len < sizeof(want); i++)
		len += fmt_snprintf(want + len, sizeof(want) - len, "%s%s",
				    i == 0 ? "" : i + 1 == k->nr_names ? " or " : ", ",
				    k->names[i]);
	return cfg_fail(p, p->line, "%s '%s' is malformed (want %s)", k->name,
			cfg_quote(q, v, n), want);
}

/* --- sections ------------------------------------------------------ */

/* Give every optional key of the section just opened its default. */
static void cfg_apply_defaults(struct cfg_parser *p)
{
	void *base = cfg_section_base(p);
	size_t i;

	for (i = 0; i < CFG_NR_KEYS; i++) {
		const struct cfg_key *k = &cfg_keys[i];

		/* The defaults are constants; test_config checks they parse. */
		if (k->section == p->section && k->def)
			k->parse(p, k, k->def, strlen(k->def), base);
	}
}

static const struct cfg_key *cfg_find_key(enum cfg_section sec,
					  const char *s, size_t n, size_t *idx)
{
	size_t i;

	for (i = 0; i < CFG_NR_KEYS; i++) {
		const struct cfg_key *k = &cfg_keys[i];

		if (k->section == sec && cfg_equal(s, n, k->name)) {
			*idx = i;
			return k;
		}
	}
	return NULL;
}

/* The line that set global key 'name', or 0 if it has its default. */
static uint32_t cfg_global_line(const struct cfg_parser *p, const char *name)
{
	size_t idx;

	return cfg_find_key(CFG_SEC_GLOBAL, name, strlen(name), &idx) ?
	       p->key_line[idx] : 0;
}

/* Keys that are only wrong together, checked once all globals are in.
 * A reclaim deadline must outlast a time slice: with a deadline at most
 * one slice long, a VM can have its whole reclaim_ms pass within the one
 * slice it is given (asked as it is preempted, say, or before it reaches
 * its handler), and an honest guest is revoked, then stopped when it
 * reads its ring (docs/datapath.md, "Revocation"). The error names the
 * later of the two lines. */
static int cfg_close_globals(struct cfg_parser *p)
{
	const struct config *c = p->cfg;
	uint32_t a = cfg_global_line(p, "timeslice_us");
	uint32_t b = cfg_global_line(p, "reclaim_ms");

	if ((uint64_t)c->reclaim_ms * 1000 > c->timeslice_us)
		return 0;
	return cfg_fail(p, a > b ? a : b, "timeslice_us %u is not shorter "
			"than reclaim_ms %u (%u us): a reclaim deadline could "
			"pass within one time slice", c->timeslice_us,
			c->reclaim_ms, c->reclaim_ms * 1000);
}

/* The open section ends (a header or the end of the file): check that
 * it got every required key. */
static int cfg_close_section(struct cfg_parser *p)
{
	struct cfg_vm *vm;
	size_t i;

	if (p->section == CFG_SEC_GLOBAL)
		return cfg_close_globals(p);
	vm = cfg_cur_vm(p);
	for (i = 0; i < CFG_NR_KEYS; i++) {
		const struct cfg_key *k = &cfg_keys[i];

		if (k->section == CFG_SEC_VM && !k->def && !(p->seen & 1u << i))
			return cfg_fail(p, vm->line, "[vm %s] has no %s",
					vm->name, k->name);
	}
	/* A quota beyond the window could never be reached. */
	if (vm->quota_frames > vm->rx_slots)
		return cfg_fail(p, vm->line, "[vm %s] quota_frames %u exceeds "
				"rx_slots %u", vm->name, vm->quota_frames,
				vm->rx_slots);
	return cfg_check_linux(p, vm);
}

static bool cfg_name_ok(const char *s, size_t n)
{
	size_t i;

	if (n < 1 || n > CFG_NAME_MAX || !cfg_is_alpha(s[0]))
		return false;
	for (i = 1; i < n; i++)
		if (!cfg_is_alpha(s[i]) && !cfg_is_digit(s[i]) &&
		    s[i] != '_' && s[i] != '-')
			return false;
	return true;
}

/* 's' is a trimmed, comment-free line starting with '['. */
static int cfg_header(struct cfg_parser *p, const char *s, size_t n)
{
	struct config *cfg = p->cfg;
	char q[CFG_QUOTE_MAX + 1];
	const char *in = s + 1, *name;
	size_t m = n - 1, len;
	struct cfg_vm *vm;
	uint32_t i;

	if (cfg_close_section(p))
		return -1;

	/* "[" blanks? "vm" blanks name blanks? "]" */
	if (n < 2 || s[n - 1] != ']')
		goto bad_header;
	m--;
	while (m && cfg_is_blank(*in)) {
		in++;
		m--;
	}
	while (m && cfg_is_blank(in[m - 1]))
		m--;
	if (m < 3 || in[0] != 'v' || in[1] != 'm' || !cfg_is_blank(in[2]))
		goto bad_header;
	name = in + 2;
	len = m - 2;
	while (cfg_is_blank(*name)) {
		name++;
		len--;
	}
	if (!cfg_name_ok(name, len))
		return cfg_fail(p, p->line,
				"bad vm name '%s' (want 1..%u of A-Za-z0-9_-, letter first)",
				cfg_quote(q, name, len), CFG_NAME_MAX);
	if (cfg->nr_vms == CFG_MAX_VMS)
		return cfg_fail(p, p->line,
				"too many vms: [vm %s] is past the limit of %u",
				cfg_quote(q, name, len), CFG_MAX_VMS);
	for (i = 0; i < cfg->nr_vms; i++)
		if (cfg_equal(name, len, cfg->vms[i].name))
			return cfg_fail(p, p->line,
					"duplicate vm name '%s' (also at line %u)",
					cfg->vms[i].name, cfg->vms[i].line);

	vm = &cfg->vms[cfg->nr_vms++];
	memset(vm, 0, sizeof(*vm));
	memcpy(vm->name, name, len);
	vm->line = p->line;
	p->section = CFG_SEC_VM;
	p->seen = 0;
	cfg_apply_defaults(p);
	return 0;

bad_header:
	return cfg_fail(p, p->line, "bad section header '%s' (want [vm NAME])",
			cfg_quote(q, s, n));
}

/* --- key = value --------------------------------------------------- */

static int cfg_unknown_key(struct cfg_parser *p, const char *s, size_t n)
{
	char q[CFG_QUOTE_MAX + 1];
	size_t unused;

	cfg_quote(q, s, n);
	if (p->section == CFG_SEC_GLOBAL) {
		if (cfg_find_key(CFG_SEC_VM, s, n, &unused))
			return cfg_fail(p, p->line,
					"unknown global key '%s' (it belongs in a [vm NAME])",
					q);
		return cfg_fail(p, p->line, "unknown global key '%s'", q);
	}
	if (cfg_find_key(CFG_SEC_GLOBAL, s, n, &unused))
		return cfg_fail(p, p->line,
				"unknown key '%s' in [vm %s] (a global: put it before any [vm])",
				q, cfg_cur_vm(p)->name);
	return cfg_fail(p, p->line, "unknown key '%s' in [vm %s]", q,
			cfg_cur_vm(p)->name);
}

/* 's' is a trimmed, comment-free, non-empty line not starting with '['. */
static int cfg_key_value(struct cfg_parser *p, const char *s, size_t n)
{
	char q[CFG_QUOTE_MAX + 1];
	const struct cfg_key *k;
	size_t klen = 0, pos, idx;

	while (klen < n && s[klen] != '=' && !cfg_is_blank(s[klen]))
		klen++;
	pos = klen;
	while (pos < n && cfg_is_blank(s[pos]))
		pos++;
	if (pos == n || s[pos] != '=')
		return cfg_fail(p, p->line, "missing '=' after '%s'",
				cfg_quote(q, s, klen));
	if (klen == 0)
		return cfg_fail(p, p->line, "missing key before '='");
	pos++;
	while (pos < n && cfg_is_blank(s[pos]))
		pos++;

	k = cfg_find_key(p->section, s, klen, &idx);
	if (!k)
		return cfg_unknown_key(p, s, klen);
	if (p->seen & 1u << idx) {
		if (p->section == CFG_SEC_GLOBAL)
			return cfg_fail(p, p->line, "duplicate global key '%s'",
					k->name);
		return cfg_fail(p, p->line, "duplicate key '%s' in [vm %s]",
				k->name, cfg_cur_vm(p)->name);
	}
	if (pos == n)
		return cfg_fail(p, p->line, "empty value for '%s'", k->name);
	if (k->parse(p, k, s + pos, n - pos, cfg_section_base(p)))
		return -1;
	p->seen |= 1u << idx;
	p->key_line[idx] = p->line;
	return 0;
}

/* One line without its '\n'. */
static int cfg_line(struct cfg_parser *p, const char *s, size_t n)
{
	size_t i;

	if (n && s[n - 1] == '\r')
		n--;
	for (i = 0; i < n; i++)
		if (s[i] == '\0')
			return cfg_fail(p, p->line,
					"nul byte in line (not a text file?)");
	if (n > CFG_LINE_MAX)
		return cfg_fail(p, p->line, "line longer than %u characters",
				CFG_LINE_MAX);

	/* Values never contain '#', so the first one starts a comment. */
	for (i = 0; i < n && s[i] != '#'; i++)
		;
	n = i;
	while (n && cfg_is_blank(s[n - 1]))
		n--;
	while (n && cfg_is_blank(*s)) {
		s++;
		n--;
	}
	if (n == 0)
		return 0;
	if (s[0] == '[')
		return cfg_header(p, s, n);
	return cfg_key_value(p, s, n);
}

/* --- interface ----------------------------------------------------- */

void cfg_defaults(struct config *cfg)
{
	struct cfg_error scratch;
	struct cfg_parser p = {
		.cfg     = cfg,
		.err     = &scratch,
		.section = CFG_SEC_GLOBAL,
	};

	memset(cfg, 0, sizeof(*cfg));
	cfg_apply_defaults(&p);
}

int cfg_parse(const char *text, size_t len, struct config *out,
	      struct cfg_error *err)
{
	struct config cfg;
	struct cfg_parser p = {
		.cfg     = &cfg,
		.err     = err,
		.section = CFG_SEC_GLOBAL,
	};
	size_t pos = 0;

	err->line = 0;
	err->reason[0] = '\0';
	cfg_defaults(&cfg);

	while (pos < len) {
		size_t n = 0;

		while (pos + n < len && text[pos + n] != '\n')
			n++;
		p.line++;
		if (cfg_line(&p, text + pos, n))
			return -1;
		pos += n + 1;   /* past the '\n', or past the end */
	}
	if (cfg_close_section(&p))
		return -1;

	memcpy(out, &cfg, sizeof(cfg));
	return 0;
}
