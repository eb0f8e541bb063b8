/* The flipvisor.cfg values that name the network: a VM's MAC and its
 * IPv4 address with prefix, and the demo's ping target (docs/config.md).
 * Part of the parser (vmm/config_parse.h). */
#include "lib/fmt.h"
#include "lib/string.h"
#include "vmm/config_parse.h"

static int cfg_hex_digit(char c)
{
	if (cfg_is_digit(c))
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int cfg_parse_mac(struct cfg_parser *p, const struct cfg_key *k,
		  const char *v, size_t n, void *base)
{
	char q[CFG_QUOTE_MAX + 1];
	uint8_t mac[6];
	uint32_t i;
	bool zero = true;

	/* Exactly "xx:xx:xx:xx:xx:xx": 6 octets of 2 digits, 5 colons. */
	if (n != 17)
		goto malformed;
	for (i = 0; i < 6; i++) {
		int hi = cfg_hex_digit(v[i * 3]);
		int lo = cfg_hex_digit(v[i * 3 + 1]);

		if (hi < 0 || lo < 0 || (i < 5 && v[i * 3 + 2] != ':'))
			goto malformed;
		mac[i] = (uint8_t)(hi << 4 | lo);
		zero = zero && mac[i] == 0;
	}

	/* [IEEE 802 8.2] I/G, bit 0 of octet 0, set: a group address. */
	if (mac[0] & 1)
		return cfg_fail(p, p->line,
				"mac %s is multicast (low bit of first octet set)",
				cfg_quote(q, v, n));
	if (zero)
		return cfg_fail(p, p->line, "mac %s is all zero",
				cfg_quote(q, v, n));
	/* Frames are demultiplexed by destination MAC: it must be unique. */
	for (i = 0; i + 1 < p->cfg->nr_vms; i++) {
		const struct cfg_vm *o = &p->cfg->vms[i];

		if (memcmp(o->mac, mac, 6) == 0)
			return cfg_fail(p, p->line,
					"duplicate mac %02x:%02x:%02x:%02x:%02x:%02x (also in [vm %s])",
					mac[0], mac[1], mac[2], mac[3], mac[4],
					mac[5], o->name);
	}

	memcpy((char *)base + k->offset, mac, 6);
	return 0;

malformed:
	return cfg_fail(p, p->line,
			"%s '%s' is malformed (want xx:xx:xx:xx:xx:xx)",
			k->name, cfg_quote(q, v, n));
}

enum cfg_num {
	CFG_NUM_OK,
	CFG_NUM_NONE,           /* no digit at all */
	CFG_NUM_LEADING_ZERO,
	CFG_NUM_RANGE,
};

/* One decimal field of a dotted quad or prefix, starting at v[*i]. The
 * whole run of digits is consumed; the value saturates past 'max'. */
static enum cfg_num cfg_read_ipv4_num(const char *v, size_t n, size_t *i,
				      uint32_t max, uint32_t *out)
{
	size_t start = *i;
	uint32_t val = 0;

	while (*i < n && cfg_is_digit(v[*i])) {
		if (val <= max)
			val = val * 10 + (uint32_t)(v[*i] - '0');
		(*i)++;
	}
	if (*i == start)
		return CFG_NUM_NONE;
	/* "010" could be read as octal by other tools: refuse the doubt. */
	if (v[start] == '0' && *i - start > 1)
		return CFG_NUM_LEADING_ZERO;
	if (val > max)
		return CFG_NUM_RANGE;
	*out = val;
	return CFG_NUM_OK;
}

static void cfg_ipv4_text(char buf[16], uint32_t a)
{
	fmt_snprintf(buf, 16, "%u.%u.%u.%u", a >> 24, (a >> 16) & 0xff,
		     (a >> 8) & 0xff, a & 0xff);
}

/* a.b.c.d, each octet 0..255 in plain decimal: the first bad octet's
 * verdict, or CFG_NUM_OK with *pos just past the address. */
static enum cfg_num cfg_read_quad(const char *v, size_t n, size_t *pos,
				  uint32_t *addr)
{
	uint32_t octet;
	enum cfg_num r;

	*addr = 0;
	for (int i = 0; i < 4; i++) {
		if (i > 0) {
			if (*pos >= n || v[*pos] != '.')
				return CFG_NUM_NONE;
			(*pos)++;
		}
		r = cfg_read_ipv4_num(v, n, pos, 255, &octet);
		if (r != CFG_NUM_OK)
			return r;
		*addr = *addr << 8 | octet;
	}
	return CFG_NUM_OK;
}

/* ping: an address this VM's guest-stub pings (VM-to-VM tests). Plain
 * a.b.c.d, no prefix; 0.0.0.0 means none. */
int cfg_parse_ping(struct cfg_parser *p, const struct cfg_key *k,
		   const char *v, size_t n, void *base)
{
	char q[CFG_QUOTE_MAX + 1];
	uint32_t addr;
	size_t pos = 0;

	if (cfg_read_quad(v, n, &pos, &addr) != CFG_NUM_OK || pos != n)
		return cfg_fail(p, p->line, "%s '%s' is malformed (want a.b.c.d)",
				k->name, cfg_quote(q, v, n));
	*(uint32_t *)((char *)base + k->offset) = addr;
	return 0;
}

int cfg_parse_ipv4(struct cfg_parser *p, const struct cfg_key *k,
		   const char *v, size_t n, void *base)
{
	struct cfg_vm *vm = base;
	char q[CFG_QUOTE_MAX + 1], a_txt[16], net_txt[16];
	uint32_t addr = 0, prefix, mask, i;
	size_t pos = 0;
	enum cfg_num r;

	cfg_quote(q, v, n);
	r = cfg_read_quad(v, n, &pos, &addr);
	if (r == CFG_NUM_NONE)
		goto malformed;
	if (r == CFG_NUM_LEADING_ZERO)
		goto leading_zero;
	if (r == CFG_NUM_RANGE)
		return cfg_fail(p, p->line,
				"ipv4 '%s' has an octet out of range (0..255)", q);
	if (pos == n)
		return cfg_fail(p, p->line,
				"ipv4 '%s' has no prefix (want a.b.c.d/prefix)", q);
	if (v[pos] != '/')
		goto malformed;
	pos++;
	r = cfg_read_ipv4_num(v, n, &pos, 32, &prefix);
	if (r == CFG_NUM_NONE || pos != n)
		goto malformed;
	if (r == CFG_NUM_LEADING_ZERO)
		goto leading_zero;
	if (r == CFG_NUM_RANGE || prefix == 0)
		return cfg_fail(p, p->line,
				"ipv4 '%s' prefix out of range (1..32)", q);

	cfg_ipv4_text(a_txt, addr);
	if (addr == 0)
		return cfg_fail(p, p->line, "ipv4 %s is unspecified", a_txt);
	if (addr == UINT32_MAX)
		return cfg_fail(p, p->line, "ipv4 %s is broadcast", a_txt);
	/* [RFC 5771] 224.0.0.0/4 is multicast. */
	if ((addr >> 28) == 0xe)
		return cfg_fail(p, p->line, "ipv4 %s is multicast", a_txt);
	/* [RFC 1122 3.2.1.3] 127.0.0.0/8 never leaves a host. */
	if ((addr >> 24) == 127)
		return cfg_fail(p, p->line, "ipv4 %s is loopback", a_txt);
	/* [RFC 3021] /31 and /32 have no network or broadcast address. */
	mask = UINT32_MAX << (32 - prefix);
	if (prefix <= 30) {
		cfg_ipv4_text(net_txt, addr & mask);
		if ((addr & ~mask) == 0)
			return cfg_fail(p, p->line,
					"ipv4 %s is the network address of %s/%u",
					a_txt, net_txt, prefix);
		if ((addr & ~mask) == ~mask)
			return cfg_fail(p, p->line,
					"ipv4 %s is the broadcast address of %s/%u",
					a_txt, net_txt, prefix);
	}
	for (i = 0; i + 1 < p->cfg->nr_vms; i++) {
		const struct cfg_vm *o = &p->cfg->vms[i];

		if (o->ipv4 == addr)
			return cfg_fail(p, p->line,
					"duplicate ipv4 %s (also in [vm %s])",
					a_txt, o->name);
	}

	vm->ipv4 = addr;
	vm->prefix_len = (uint8_t)prefix;
	return 0;

malformed:
	return cfg_fail(p, p->line,
			"%s '%s' is malformed (want a.b.c.d/prefix)", k->name, q);
leading_zero:
	return cfg_fail(p, p->line, "%s '%s' has a leading zero", k->name, q);
}
