/* Host tests for vmm/config.c: every accepted form of the grammar, and
 * every rejection with its line and reason, checking each time that a
 * failed parse leaves the output alone and the reason is a fitting,
 * NUL-terminated string. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "vmm/config.h"
#include "vmm/net/netpath.h"
#include "vmm/hypercall_abi.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* The default file shipped on the boot volume, read at start-up so the
 * test checks what users actually get. */
static char default_cfg[8192];

static void load_default_cfg(void)
{
	FILE *f = fopen(SRCDIR "/boot/flipvisor.cfg", "rb");
	size_t n;

	if (!f) {
		perror(SRCDIR "/boot/flipvisor.cfg");
		exit(1);
	}
	n = fread(default_cfg, 1, sizeof(default_cfg) - 1, f);
	fclose(f);
	default_cfg[n] = '\0';
}

/* A guest section with the two required keys, for building inputs. */
#define VM(name, n) \
	"[vm " name "]\n" \
	"mac = 02:00:00:00:00:0" #n "\n" \
	"ipv4 = 10.0.0." #n "/24\n"

/* 64 characters, to build over-long lines. */
#define X64 "################################################################"

#define IPV4(a, b, c, d) \
	((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (d))

static int parse(const char *text, struct config *out, struct cfg_error *err)
{
	return cfg_parse(text, strlen(text), out, err);
}

static void assert_parses(const char *text, size_t len, struct config *out)
{
	struct cfg_error err;

	memset(&err, 'X', sizeof(err));
	if (cfg_parse(text, len, out, &err) != 0)
		fail_msg("unexpected error at line %u: %s", err.line, err.reason);
	assert_int_equal(err.line, 0);
	assert_string_equal(err.reason, "");
}

static void assert_vm(const struct cfg_vm *vm, const char *name,
		      const uint8_t mac[6], uint32_t ipv4, uint8_t prefix,
		      uint32_t memory_mib, uint32_t line)
{
	assert_string_equal(vm->name, name);
	assert_memory_equal(vm->mac, mac, 6);
	assert_int_equal(vm->ipv4, ipv4);
	assert_int_equal(vm->prefix_len, prefix);
	assert_int_equal(vm->memory_mib, memory_mib);
	assert_int_equal(vm->line, line);
}

/* The checks every failed parse must pass: -1, the line, the reason
 * (present, terminated, not truncated, lowercase, no file name), and
 * 'out' exactly as it was. */
static void assert_rejects(const char *text, size_t len, uint32_t line,
			   const char *want)
{
	struct config out, before;
	struct cfg_error err;

	memset(&out, 0xa5, sizeof(out));
	memcpy(&before, &out, sizeof(out));
	memset(&err, 'X', sizeof(err));

	assert_int_equal(cfg_parse(text, len, &out, &err), -1);
	assert_non_null(memchr(err.reason, '\0', sizeof(err.reason)));
	if (!strstr(err.reason, want))
		fail_msg("reason \"%s\" lacks \"%s\"", err.reason, want);
	assert_int_equal(err.line, line);
	assert_true(strlen(err.reason) < CFG_ERR_MAX - 1);
	assert_true((err.reason[0] >= 'a' && err.reason[0] <= 'z') ||
		    err.reason[0] == '[');
	assert_null(strstr(err.reason, "flipvisor.cfg"));
	assert_memory_equal(&out, &before, sizeof(out));
}

/* --- accepted input ------------------------------------------------ */

static void test_defaults(void **state)
{
	struct config cfg;

	memset(&cfg, 0xa5, sizeof(cfg));
	cfg_defaults(&cfg);
	assert_int_equal(cfg.heap_mib, 32);
	assert_int_equal(cfg.selftest, CFG_SELFTEST_NONE);
	assert_int_equal(cfg.nr_vms, 0);
}

static void test_default_file(void **state)
{
	static const uint8_t mac_a[6] = { 2, 0, 0, 0, 0, 1 };
	static const uint8_t mac_b[6] = { 2, 0, 0, 0, 0, 2 };
	static const uint8_t mac_c[6] = { 2, 0, 0, 0, 0, 3 };
	struct config cfg;

	assert_parses(default_cfg, strlen(default_cfg), &cfg);
	assert_int_equal(cfg.heap_mib, 32);
	assert_int_equal(cfg.selftest, CFG_SELFTEST_NONE);
	assert_int_equal(cfg.nr_vms, 3);
	assert_int_equal(cfg.timeslice_us, 10000);
	assert_int_equal(cfg.delivery, NP_HYBRID);
	assert_int_equal(cfg.copy_threshold, NP_COPY_AUTO);
	assert_vm(&cfg.vms[0], "alpha", mac_a, 0xC0A84D0B, 24, 8, 37);
	assert_vm(&cfg.vms[1], "beta", mac_b, IPV4(192, 168, 77, 12), 24, 8, 42);
	assert_vm(&cfg.vms[2], "gamma", mac_c, IPV4(192, 168, 77, 13), 24, 8, 47);
}

/* The same file saved by a Windows editor. */
static void test_crlf(void **state)
{
	char text[sizeof(default_cfg) * 2];
	struct config lf, crlf;
	size_t i, n = 0;

	for (i = 0; default_cfg[i]; i++) {
		if (default_cfg[i] == '\n')
			text[n++] = '\r';
		text[n++] = default_cfg[i];
	}
	assert_parses(default_cfg, strlen(default_cfg), &lf);
	assert_parses(text, n, &crlf);
	assert_memory_equal(&lf, &crlf, sizeof(lf));
}

static void test_empty_file(void **state)
{
	struct config cfg, def;

	cfg_defaults(&def);
	assert_parses("", 0, &cfg);
	assert_memory_equal(&cfg, &def, sizeof(cfg));
	assert_parses("\n\n  \t\n# nothing here\n", 19, &cfg);
	assert_memory_equal(&cfg, &def, sizeof(cfg));
}

static void test_globals_only(void **state)
{
	struct config cfg;

	assert_parses("heap_mib = 64\nselftest = page_fault\n", 36, &cfg);
	assert_int_equal(cfg.heap_mib, 64);
	assert_int_equal(cfg.selftest, CFG_SELFTEST_PAGE_FAULT);
	assert_int_equal(cfg.nr_vms, 0);

	assert_parses("selftest = invalid_opcode", 25, &cfg);
	assert_int_equal(cfg.selftest, CFG_SELFTEST_INVALID_OPCODE);
	assert_parses("selftest = none", 15, &cfg);
	assert_int_equal(cfg.selftest, CFG_SELFTEST_NONE);
}

static void test_timeslice_and_test_mode(void **state)
{
	struct config cfg;

	assert_parses("timeslice_us = 100\n" VM("a", 1) "test_mode = spin\n"
		      VM("b", 2) "test_mode = hypercall_flood\n" VM("c", 3),
		      strlen("timeslice_us = 100\n" VM("a", 1)
			     "test_mode = spin\n" VM("b", 2)
			     "test_mode = hypercall_flood\n" VM("c", 3)), &cfg);
	assert_int_equal(cfg.timeslice_us, 100);
	assert_int_equal(cfg.vms[0].test_mode, HC_MODE_SPIN);
	assert_int_equal(cfg.vms[1].test_mode, HC_MODE_HYPERCALL_FLOOD);
	assert_int_equal(cfg.vms[2].test_mode, HC_MODE_NORMAL);

	/* The longest slice, with a deadline just past it. */
	assert_parses("timeslice_us = 1000000\nreclaim_ms = 1001\n", 41, &cfg);
	assert_int_equal(cfg.timeslice_us, 1000000);
	assert_parses("reclaim_ms = 1001\ntimeslice_us = 1000000\n", 41, &cfg);
	assert_parses("timeslice_us = 99999\n", 21, &cfg);
	assert_parses("reclaim_ms = 1\ntimeslice_us = 999\n", 34, &cfg);
	cfg_defaults(&cfg);
	assert_int_equal(cfg.timeslice_us, 10000);
	assert_int_equal(cfg.pool_frames, 256);
	assert_int_equal(cfg.reclaim_ms, 100);
	assert_int_equal(cfg.delivery, NP_HYBRID);
	assert_int_equal(cfg.copy_threshold, NP_COPY_AUTO);
	assert_int_equal(cfg.mtu, 1500);
	assert_int_equal(cfg.invariants, CFG_INVARIANTS_BATCH);
	assert_parses("mtu = 9000\n", 11, &cfg);
	assert_int_equal(cfg.mtu, 9000);
	assert_parses("mtu = 68\n", 9, &cfg);
	assert_int_equal(cfg.mtu, 68);
	assert_parses("delivery = hybrid\ncopy_threshold = 0\n", 36, &cfg);
	assert_int_equal(cfg.delivery, NP_HYBRID);
	assert_int_equal(cfg.copy_threshold, 0);
	/* A number is kept as it is (auto is only the default), up to a
	 * jumbo frame: copied into several buffers. */
	assert_parses("copy_threshold = 128\n", 21, &cfg);
	assert_int_equal(cfg.copy_threshold, 128);
	assert_parses("copy_threshold = 2048\n", 22, &cfg);
	assert_int_equal(cfg.copy_threshold, 2048);
	assert_parses("copy_threshold = 9018\n", 22, &cfg);
	assert_int_equal(cfg.copy_threshold, NET_JUMBO_MAX);
	assert_parses("copy_threshold = auto\n", 22, &cfg);
	assert_int_equal(cfg.copy_threshold, NP_COPY_AUTO);
	assert_parses("invariants = every\n", 19, &cfg);
	assert_int_equal(cfg.invariants, CFG_INVARIANTS_EVERY);
	assert_parses("invariants = batch\n", 19, &cfg);
	assert_int_equal(cfg.invariants, CFG_INVARIANTS_BATCH);

	assert_parses("pool_frames = 16\nreclaim_ms = 10000\n" VM("a", 1)
		      "rx_slots = 512\nquota_frames = 512\npromiscuous = yes\n"
		      VM("b", 2),
		      strlen("pool_frames = 16\nreclaim_ms = 10000\n" VM("a", 1)
			     "rx_slots = 512\nquota_frames = 512\n"
			     "promiscuous = yes\n" VM("b", 2)), &cfg);
	assert_int_equal(cfg.pool_frames, 16);
	assert_int_equal(cfg.reclaim_ms, 10000);
	assert_int_equal(cfg.vms[0].rx_slots, 512);
	assert_int_equal(cfg.vms[0].quota_frames, 512);
	assert_int_equal(cfg.vms[0].promiscuous, 1);
	assert_int_equal(cfg.vms[1].rx_slots, 64);
	assert_int_equal(cfg.vms[1].quota_frames, 32);
	assert_int_equal(cfg.vms[1].promiscuous, 0);
	assert_int_equal(cfg.vms[1].ping_ipv4, 0);

	assert_parses(VM("a", 1) "ping = 10.0.0.2\n", strlen(VM("a", 1)
		      "ping = 10.0.0.2\n"), &cfg);
	assert_int_equal(cfg.vms[0].ping_ipv4, IPV4(10, 0, 0, 2));
}

static void test_comments(void **state)
{
	static const char text[] =
		"# leading comment\n"
		"   # indented comment\n"
		"\t# tab-indented comment\n"
		"heap_mib = 40 # trailing comment\n"
		"selftest=page_fault#no blank before the comment\n"
		"[vm alpha]   # comment after a header\n"
		"mac = 02:00:00:00:00:01\t# tab, then comment\n"
		"#mac = 02:00:00:00:00:09\n"
		"ipv4 = 10.0.0.1/8 #\n";
	struct config cfg;

	assert_parses(text, strlen(text), &cfg);
	assert_int_equal(cfg.heap_mib, 40);
	assert_int_equal(cfg.selftest, CFG_SELFTEST_PAGE_FAULT);
	assert_int_equal(cfg.nr_vms, 1);
	assert_int_equal(cfg.vms[0].mac[5], 1);
	assert_int_equal(cfg.vms[0].ipv4, IPV4(10, 0, 0, 1));
	assert_int_equal(cfg.vms[0].line, 6);
}

static void test_whitespace(void **state)
{
	static const char text[] =
		"heap_mib=33\n"
		"  \t  \n"
		"\t[vm\talpha]\t\n"
		"mac=02:00:00:00:00:01\n"
		"\t ipv4 \t=\t 10.0.0.1/8 \t\n"
		"[ vm   beta ]\n"
		"mac   =   02:00:00:00:00:02\n"
		"ipv4= 10.0.0.2/8\n"
		"memory_mib =16";       /* no newline at the end */
	struct config cfg;

	assert_parses(text, strlen(text), &cfg);
	assert_int_equal(cfg.heap_mib, 33);
	assert_int_equal(cfg.nr_vms, 2);
	assert_string_equal(cfg.vms[0].name, "alpha");
	assert_int_equal(cfg.vms[0].ipv4, IPV4(10, 0, 0, 1));
	assert_string_equal(cfg.vms[1].name, "beta");
	assert_int_equal(cfg.vms[1].line, 6);
	assert_int_equal(cfg.vms[1].memory_mib, 16);
}

static void test_vm_defaults_and_names(void **state)
{
	static const char text[] =
		VM("a", 1)
		VM("Z9_-x", 2)
		"memory_mib = 1024\n"
		VM("abcdefghijklmno", 3)          /* 15 characters */
		"memory_mib = 2\n"
		VM("A", 4);
	struct config cfg;

	assert_parses(text, strlen(text), &cfg);
	assert_int_equal(cfg.nr_vms, 4);
	assert_string_equal(cfg.vms[0].name, "a");
	assert_int_equal(cfg.vms[0].memory_mib, 8);
	assert_string_equal(cfg.vms[1].name, "Z9_-x");
	assert_int_equal(cfg.vms[1].memory_mib, 1024);
	assert_string_equal(cfg.vms[2].name, "abcdefghijklmno");
	assert_int_equal(cfg.vms[2].memory_mib, 2);
	/* Names are case-sensitive: "A" is not "a". */
	assert_string_equal(cfg.vms[3].name, "A");
	assert_int_equal(cfg.vms[3].memory_mib, 8);
}

/* image: a path kept as written (minus one leading '/'), with its line;
 * no image means the guest-stub. */
static void test_image_paths(void **state)
{
	static const char text[] =
		VM("a", 1)
		"image = guests/hello.elf\n"
		VM("b", 2)
		"image = /x\n"
		VM("c", 3)
		"image = A-b_9.bin/..x/" /* 63 characters in all: */
		"0123456789012345678901234567890123456789012345678\n"
		VM("d", 4);
	struct config cfg;

	assert_parses(text, strlen(text), &cfg);
	assert_string_equal(cfg.vms[0].image, "guests/hello.elf");
	assert_int_equal(cfg.vms[0].image_line, 4);
	assert_string_equal(cfg.vms[1].image, "x");
	assert_int_equal(cfg.vms[1].image_line, 8);
	assert_int_equal(strlen(cfg.vms[2].image), CFG_PATH_MAX);
	assert_int_equal(cfg.vms[2].image_line, 12);
	assert_string_equal(cfg.vms[3].image, "");
	assert_int_equal(cfg.vms[3].image_line, 0);
}

/* kernel, initrd and cmdline: a Linux VM beside a guest-stub; the
 * command line kept as written (trimmed), '=' and '"' in it included. */
static void test_linux_keys(void **state)
{
	static const char text[] =
		VM("lx", 1)
		"memory_mib = 256\n"
		"kernel = /linux/vmlinuz\n"
		"initrd = linux/initrd.img\n"
		"cmdline =  quiet flipvisor.test=poweroff x=\"a b\"  \n"
		VM("stub", 2)
		VM("k", 3)
		"kernel = vmlinuz\n";
	struct config cfg;

	assert_parses(text, strlen(text), &cfg);
	assert_string_equal(cfg.vms[0].kernel, "linux/vmlinuz");
	assert_int_equal(cfg.vms[0].kernel_line, 5);
	assert_string_equal(cfg.vms[0].initrd, "linux/initrd.img");
	assert_int_equal(cfg.vms[0].initrd_line, 6);
	assert_string_equal(cfg.vms[0].cmdline,
			    "quiet flipvisor.test=poweroff x=\"a b\"");
	assert_int_equal(cfg.vms[0].cmdline_line, 7);
	assert_string_equal(cfg.vms[0].image, "");
	assert_string_equal(cfg.vms[1].kernel, "");
	assert_int_equal(cfg.vms[1].kernel_line, 0);
	assert_string_equal(cfg.vms[1].cmdline, "");
	assert_int_equal(cfg.vms[1].cmdline_line, 0);
	assert_string_equal(cfg.vms[2].kernel, "vmlinuz");
	assert_string_equal(cfg.vms[2].initrd, "");
	assert_int_equal(cfg.vms[2].initrd_line, 0);
}

static void test_number_limits(void **state)
{
	struct config cfg;

	assert_parses("heap_mib = 4", 12, &cfg);
	assert_int_equal(cfg.heap_mib, 4);
	assert_parses("heap_mib = 256", 14, &cfg);
	assert_int_equal(cfg.heap_mib, 256);
	/* Leading zeros are still decimal. */
	assert_parses("heap_mib = 0064", 15, &cfg);
	assert_int_equal(cfg.heap_mib, 64);
}

static void test_mac_forms(void **state)
{
	static const char text[] =
		"[vm a]\nmac = 02:AB:cd:Ef:09:fF\nipv4 = 10.0.0.1/8\n"
		"[vm b]\nmac = fe:ff:ff:ff:ff:ff\nipv4 = 10.0.0.2/8\n"
		"[vm c]\nmac = 00:00:00:00:00:01\nipv4 = 10.0.0.3/8\n";
	static const uint8_t mac_a[6] = { 0x02, 0xab, 0xcd, 0xef, 0x09, 0xff };
	static const uint8_t mac_b[6] = { 0xfe, 0xff, 0xff, 0xff, 0xff, 0xff };
	static const uint8_t mac_c[6] = { 0, 0, 0, 0, 0, 1 };
	struct config cfg;

	assert_parses(text, strlen(text), &cfg);
	assert_memory_equal(cfg.vms[0].mac, mac_a, 6);
	assert_memory_equal(cfg.vms[1].mac, mac_b, 6);
	assert_memory_equal(cfg.vms[2].mac, mac_c, 6);
}

static void test_ipv4_forms(void **state)
{
	static const struct {
		const char *text;
		uint32_t    addr;
		uint8_t     prefix;
	} ok[] = {
		{ "192.168.77.11/24",  IPV4(192, 168, 77, 11), 24 },
		{ "10.0.0.1/8",        IPV4(10, 0, 0, 1), 8 },
		{ "1.0.0.1/1",         IPV4(1, 0, 0, 1), 1 },
		{ "10.0.0.1/30",       IPV4(10, 0, 0, 1), 30 },
		/* [RFC 3021] no network or broadcast address in a /31 or /32 */
		{ "10.0.0.0/31",       IPV4(10, 0, 0, 0), 31 },
		{ "10.0.0.255/31",     IPV4(10, 0, 0, 255), 31 },
		{ "192.168.77.0/32",   IPV4(192, 168, 77, 0), 32 },
		{ "192.168.77.255/32", IPV4(192, 168, 77, 255), 32 },
		/* the .0 and .255 of a /24 are hosts in a /16 */
		{ "172.16.1.0/16",     IPV4(172, 16, 1, 0), 16 },
		{ "172.16.1.255/16",   IPV4(172, 16, 1, 255), 16 },
		{ "223.255.255.1/24",  IPV4(223, 255, 255, 1), 24 },
		{ "240.0.0.1/8",       IPV4(240, 0, 0, 1), 8 },
		{ "126.255.255.254/8", IPV4(126, 255, 255, 254), 8 },
		{ "128.0.0.1/8",       IPV4(128, 0, 0, 1), 8 },
	};
	char text[128];
	struct config cfg;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(ok); i++) {
		snprintf(text, sizeof(text),
			 "[vm a]\nmac = 02:00:00:00:00:01\nipv4 = %s\n",
			 ok[i].text);
		assert_parses(text, strlen(text), &cfg);
		assert_int_equal(cfg.vms[0].ipv4, ok[i].addr);
		assert_int_equal(cfg.vms[0].prefix_len, ok[i].prefix);
	}
}

/* Build 'nr' guests named vm1.. with distinct MACs and addresses. */
static size_t build_vms(char *buf, size_t size, unsigned nr)
{
	size_t n = 0;
	unsigned i;

	for (i = 1; i <= nr; i++)
		n += (size_t)snprintf(buf + n, size - n,
				      "[vm vm%u]\nmac = 02:00:00:00:01:%02x\n"
				      "ipv4 = 10.1.0.%u/16\nmemory_mib = %u\n",
				      i, i, i, i + 1);
	return n;
}

static void test_max_vms(void **state)
{
	char text[4096], name[16];
	struct config cfg;
	size_t n = build_vms(text, sizeof(text), CFG_MAX_VMS);
	unsigned i;

	assert_parses(text, n, &cfg);
	assert_int_equal(cfg.nr_vms, CFG_MAX_VMS);
	for (i = 0; i < CFG_MAX_VMS; i++) {
		snprintf(name, sizeof(name), "vm%u", i + 1);
		assert_string_equal(cfg.vms[i].name, name);
		assert_int_equal(cfg.vms[i].mac[5], i + 1);
		assert_int_equal(cfg.vms[i].ipv4, IPV4(10, 1, 0, i + 1));
		assert_int_equal(cfg.vms[i].memory_mib, i + 2);
		assert_int_equal(cfg.vms[i].line, 4 * i + 1);
	}
}

/* The same key in different guests is fine; so is the same subnet. */
static void test_keys_per_section(void **state)
{
	static const char text[] = VM("a", 1) "memory_mib = 4\n"
				   VM("b", 2) "memory_mib = 4\n";
	struct config cfg;

	assert_parses(text, strlen(text), &cfg);
	assert_int_equal(cfg.nr_vms, 2);
}

static void test_line_max(void **state)
{
	char text[CFG_LINE_MAX + 8];
	struct config cfg;

	/* A comment line of exactly CFG_LINE_MAX characters. */
	memset(text, '#', CFG_LINE_MAX);
	text[CFG_LINE_MAX] = '\n';
	assert_parses(text, CFG_LINE_MAX + 1, &cfg);

	/* The '\r' of a CRLF does not count. */
	text[CFG_LINE_MAX] = '\r';
	text[CFG_LINE_MAX + 1] = '\n';
	assert_parses(text, CFG_LINE_MAX + 2, &cfg);

	/* A key line padded with blanks to the limit. */
	memset(text, ' ', CFG_LINE_MAX);
	memcpy(text, "heap_mib = 48", 13);
	assert_parses(text, CFG_LINE_MAX, &cfg);
	assert_int_equal(cfg.heap_mib, 48);
}

/* Only 'len' bytes are read: the text needs no NUL, and ASan catches a
 * read past the end of this exact-size copy. */
static void test_not_nul_terminated(void **state)
{
	static const char src[] = "heap_mib = 64\nfoo = 1\n";
	size_t len = 14;    /* stops after "heap_mib = 64\n" */
	char *text = malloc(len);
	struct config cfg;

	assert_non_null(text);
	memcpy(text, src, len);
	assert_parses(text, len, &cfg);
	assert_int_equal(cfg.heap_mib, 64);
	/* Cut inside the last line, before the digits end. */
	assert_parses(text, 12, &cfg);
	assert_int_equal(cfg.heap_mib, 6);
	free(text);
}

/* --- rejected input ------------------------------------------------ */

struct reject {
	const char *name;
	const char *text;
	size_t      len;        /* 0: strlen(text) */
	uint32_t    line;
	const char *want;       /* substring of the reason */
};

/* Text with an embedded NUL, so its length comes from the literal. */
#define BIN(s) s, sizeof(s) - 1

static const struct reject rejects[] = {
	/* unknown key */
	{ "unknown global", "heap_mib = 32\nfoo = 1\n", 0, 2,
	  "unknown global key 'foo'" },
	{ "unknown in vm", VM("alpha", 1) "foo = 1\n", 0, 4,
	  "unknown key 'foo' in [vm alpha]" },
	{ "uppercase key", "Heap_mib = 32\n", 0, 1,
	  "unknown global key 'Heap_mib'" },
	{ "vm key as global", "mac = 02:00:00:00:00:01\n", 0, 1,
	  "unknown global key 'mac' (it belongs in a [vm NAME])" },
	{ "global key in vm", VM("alpha", 1) "heap_mib = 32\n", 0, 4,
	  "unknown key 'heap_mib' in [vm alpha] (a global" },
	{ "unknown key, long",
	  "a_very_long_key_name_that_goes_on_and_on = 1\n", 0, 1,
	  "unknown global key 'a_very_long_key_name_...'" },

	/* key given twice in one section */
	{ "duplicate global", "heap_mib = 32\nselftest = none\nheap_mib = 64\n", 0, 3,
	  "duplicate global key 'heap_mib'" },
	{ "duplicate in vm", VM("alpha", 1) "mac = 02:00:00:00:00:09\n", 0, 4,
	  "duplicate key 'mac' in [vm alpha]" },
	{ "duplicate with same value", VM("alpha", 1) "ipv4 = 10.0.0.1/24\n", 0, 4,
	  "duplicate key 'ipv4' in [vm alpha]" },

	/* missing '=' */
	{ "no equals", "heap_mib 32\n", 0, 1, "missing '=' after 'heap_mib'" },
	{ "bare key", "[vm a]\nmac\n", 0, 2, "missing '=' after 'mac'" },
	{ "colon for equals", "heap_mib: 32\n", 0, 1, "missing '=' after 'heap_mib:'" },
	{ "no key", "= 32\n", 0, 1, "missing key before '='" },

	/* empty value */
	{ "empty value", "heap_mib =\n", 0, 1, "empty value for 'heap_mib'" },
	{ "blank value", "selftest = \t \n", 0, 1, "empty value for 'selftest'" },
	{ "comment as value", "[vm a]\nmac = # later\n", 0, 2,
	  "empty value for 'mac'" },

	/* integers */
	{ "heap not a number", "heap_mib = abc\n", 0, 1,
	  "heap_mib 'abc' is malformed (want a decimal number)" },
	{ "heap with unit", "heap_mib = 32MiB\n", 0, 1, "heap_mib '32MiB' is malformed" },
	{ "heap plus sign", "heap_mib = +32\n", 0, 1, "heap_mib '+32' is malformed" },
	{ "heap minus sign", "heap_mib = -1\n", 0, 1, "heap_mib '-1' is malformed" },
	{ "heap hex", "heap_mib = 0x20\n", 0, 1, "heap_mib '0x20' is malformed" },
	{ "heap inner blank", "heap_mib = 3 2\n", 0, 1, "heap_mib '3 2' is malformed" },
	{ "heap too small", "heap_mib = 3\n", 0, 1, "heap_mib 3 out of range (4..256)" },
	{ "heap too big", "heap_mib = 257\n", 0, 1,
	  "heap_mib 257 out of range (4..256)" },
	{ "heap zero", "heap_mib = 0\n", 0, 1, "heap_mib 0 out of range" },
	{ "heap u32 max", "heap_mib = 4294967295\n", 0, 1,
	  "heap_mib 4294967295 out of range (4..256)" },
	{ "heap overflow", "heap_mib = 4294967296\n", 0, 1,
	  "heap_mib 4294967296 out of range (4..256)" },
	{ "heap overflow, long", "heap_mib = 123456789012345678901234567890\n", 0, 1,
	  "heap_mib 123456789012345678901... out of range (4..256)" },
	{ "memory too big", VM("a", 1) "memory_mib = 5000\n", 0, 4,
	  "memory_mib 5000 out of range (2..1024)" },
	{ "memory too small", VM("a", 1) "memory_mib = 1\n", 0, 4,
	  "memory_mib 1 out of range (2..1024)" },
	{ "memory just past", VM("a", 1) "memory_mib = 1025\n", 0, 4,
	  "memory_mib 1025 out of range (2..1024)" },
	{ "memory with unit", VM("a", 1) "memory_mib = 8M\n", 0, 4,
	  "memory_mib '8M' is malformed" },

	/* timeslice_us, test_mode */
	{ "timeslice too small", "timeslice_us = 99\n", 0, 1,
	  "timeslice_us 99 out of range (100..1000000)" },
	/* A reclaim deadline that fits in one slice: at the later key's
	 * line, found at the first [vm] or at the end of the file. */
	{ "slice as long as the deadline", "timeslice_us = 100000\n", 0, 1,
	  "timeslice_us 100000 is not shorter than reclaim_ms 100 (100000 us): "
	  "a reclaim deadline could pass within one time slice" },
	{ "deadline shorter than the slice",
	  "timeslice_us = 20000\nheap_mib = 32\nreclaim_ms = 10\n" VM("a", 1),
	  0, 3, "timeslice_us 20000 is not shorter than reclaim_ms 10" },
	{ "slice set after the deadline",
	  "reclaim_ms = 10\nheap_mib = 32\ntimeslice_us = 10000\n", 0, 3,
	  "timeslice_us 10000 is not shorter than reclaim_ms 10" },
	{ "deadline under the default slice", "reclaim_ms = 5\n" VM("a", 1),
	  0, 1, "timeslice_us 10000 is not shorter than reclaim_ms 5" },
	{ "the longest slice", "timeslice_us = 1000000\nreclaim_ms = 1000\n",
	  0, 2, "timeslice_us 1000000 is not shorter than reclaim_ms 1000" },
	{ "timeslice too large", "timeslice_us = 1000001\n", 0, 1,
	  "timeslice_us 1000001 out of range (100..1000000)" },
	{ "test_mode unknown", VM("a", 1) "test_mode = evil\n", 0, 4,
	  "test_mode 'evil' is malformed (want normal, spin, bad_memory, "
	  "triple_fault, hypercall_flood, fpu_probe, net_hoard, hypercall_fuzz, "
	  "net_abuse, slot_write, spy_stale, spy_released, spy_revoked, "
	  "spin_cli, spin_dark, cpu_state_write, cpu_state_spy, cr8_mask, mwait, "
	  "cache_flush, rdpmc, nmi_probe, cr0_write, user_hypercall or "
	  "console_flood)" },
	{ "quota over window", VM("a", 1) "rx_slots = 8\nquota_frames = 9\n", 0, 1,
	  "[vm a] quota_frames 9 exceeds rx_slots 8" },
	{ "quota over default window", VM("a", 1) "quota_frames = 65\n", 0, 1,
	  "[vm a] quota_frames 65 exceeds rx_slots 64" },
	{ "rx_slots zero", VM("a", 1) "rx_slots = 0\n", 0, 4,
	  "rx_slots 0 out of range (1..512)" },
	{ "rx_slots too many", VM("a", 1) "rx_slots = 513\n", 0, 4,
	  "rx_slots 513 out of range (1..512)" },
	{ "promiscuous bad", VM("a", 1) "promiscuous = maybe\n", 0, 4,
	  "promiscuous 'maybe' is malformed (want no or yes)" },
	{ "pool too small", "pool_frames = 15\n", 0, 1,
	  "pool_frames 15 out of range (16..4096)" },
	{ "pool too large", "pool_frames = 4097\n", 0, 1,
	  "pool_frames 4097 out of range (16..4096)" },
	{ "ping with prefix", VM("a", 1) "ping = 10.0.0.2/24\n", 0, 4,
	  "ping '10.0.0.2/24' is malformed (want a.b.c.d)" },
	{ "ping octet", VM("a", 1) "ping = 10.0.0.256\n", 0, 4,
	  "ping '10.0.0.256' is malformed (want a.b.c.d)" },

	/* image */
	{ "image global", "image = a.elf\n", 0, 1,
	  "unknown global key 'image' (it belongs in a [vm NAME])" },
	{ "image twice", VM("a", 1) "image = a\nimage = b\n", 0, 5,
	  "duplicate key 'image' in [vm a]" },
	{ "image too long", VM("a", 1) "image = "
	  "0123456789012345678901234567890123456789012345678901234567890123\n",
	  0, 4, "image '012345678901234567890...' is longer than 63 characters" },
	{ "image root only", VM("a", 1) "image = /\n", 0, 4,
	  "image '/' is malformed (want a path like guests/hello.elf" },
	{ "image dotdot", VM("a", 1) "image = guests/../x\n", 0, 4,
	  "image 'guests/../x' is malformed" },
	{ "image dot", VM("a", 1) "image = ./x\n", 0, 4,
	  "image './x' is malformed" },
	{ "image double slash", VM("a", 1) "image = a//b\n", 0, 4,
	  "image 'a//b' is malformed" },
	{ "image two leading slashes", VM("a", 1) "image = //a\n", 0, 4,
	  "image '//a' is malformed" },

	/* kernel, initrd, cmdline */
	{ "kernel dotdot", VM("a", 1) "kernel = linux/../vmlinuz\n", 0, 4,
	  "kernel 'linux/../vmlinuz' is malformed" },
	{ "initrd bad char", VM("a", 1) "kernel = k\ninitrd = a b\n", 0, 5,
	  "initrd 'a b' is malformed" },
	{ "kernel twice", VM("a", 1) "kernel = a\nkernel = b\n", 0, 5,
	  "duplicate key 'kernel' in [vm a]" },
	{ "kernel and image", VM("a", 1) "image = x.elf\nkernel = k\n", 0, 5,
	  "[vm a] has both kernel and image (line 4): a VM runs one or the other" },
	{ "initrd without kernel", VM("a", 1) "initrd = i\n", 0, 4,
	  "[vm a] has an initrd but no kernel" },
	{ "cmdline without kernel", VM("a", 1) "cmdline = quiet\n" VM("b", 2),
	  0, 4, "[vm a] has a cmdline but no kernel" },
	{ "cmdline control byte", VM("a", 1) "kernel = k\ncmdline = a\x01" "b\n",
	  0, 5, "cmdline 'a?b' has a byte that is not printable ASCII at column 2" },
	{ "cmdline tab", VM("a", 1) "kernel = k\ncmdline = a\tb c\n",
	  0, 5, "cmdline 'a?b c' has a byte that is not printable ASCII at column 2" },
	{ "cmdline high byte", VM("a", 1) "kernel = k\ncmdline = \xc3\xa9\n",
	  0, 5, "cmdline '?" "?' has a byte that is not printable ASCII at column 1" },
	{ "cmdline empty", VM("a", 1) "kernel = k\ncmdline =\n", 0, 5,
	  "empty value for 'cmdline'" },
	{ "cmdline global", "cmdline = quiet\n", 0, 1,
	  "unknown global key 'cmdline' (it belongs in a [vm NAME])" },
	{ "image trailing slash", VM("a", 1) "image = a/\n", 0, 4,
	  "image 'a/' is malformed" },
	{ "image backslash", VM("a", 1) "image = a\\b\n", 0, 4,
	  "image 'a\\b' is malformed" },
	{ "image blank inside", VM("a", 1) "image = a b\n", 0, 4,
	  "image 'a b' is malformed" },
	{ "delivery unknown", "delivery = teleport\n", 0, 1,
	  "delivery 'teleport' is malformed (want flip, copy or hybrid)" },
	{ "invariants unknown", "invariants = off\n", 0, 1,
	  "invariants 'off' is malformed (want batch or every)" },
	{ "copy_threshold too big", "copy_threshold = 9019\n", 0, 1,
	  "copy_threshold 9019 out of range (0..9018)" },
	{ "copy_threshold auto's value", "copy_threshold = 65535\n", 0, 1,
	  "copy_threshold 65535 out of range (0..9018)" },
	{ "copy_threshold word", "copy_threshold = Auto\n", 0, 1,
	  "copy_threshold 'Auto' is malformed (want auto or a decimal number)" },
	{ "copy_threshold half a number", "copy_threshold = 12a\n", 0, 1,
	  "copy_threshold '12a' is malformed (want auto or a decimal number)" },
	{ "copy_threshold negative", "copy_threshold = -1\n", 0, 1,
	  "copy_threshold '-1' is malformed (want auto or a decimal number)" },
	{ "mtu too big", "stats_ms = 1000\nmtu = 9001\n", 0, 2,
	  "mtu 9001 out of range (68..9000)" },
	{ "mtu too small", "mtu = 67\n", 0, 1,
	  "mtu 67 out of range (68..9000)" },
	{ "mtu not a number", "mtu = jumbo\n", 0, 1, "mtu 'jumbo' is malformed" },
	{ "stats too often", "stats_ms = 99\n", 0, 1,
	  "stats_ms 99 out of range (100..3600000)" },
	{ "reclaim zero", "reclaim_ms = 0\n", 0, 1,
	  "reclaim_ms 0 out of range (1..10000)" },
	{ "test_mode as global", "test_mode = spin\n", 0, 1,
	  "unknown global key 'test_mode'" },
	/* selftest */
	{ "selftest unknown", "selftest = crash\n", 0, 1,
	  "selftest 'crash' is malformed (want none, page_fault or invalid_opcode)" },
	{ "selftest case", "selftest = None\n", 0, 1, "selftest 'None' is malformed" },
	{ "selftest dash", "selftest = page-fault\n", 0, 1,
	  "selftest 'page-fault' is malformed" },

	/* mac: form */
	{ "mac short octet", "[vm a]\nmac = 02:00:00:00:00:1\n", 0, 2,
	  "mac '02:00:00:00:00:1' is malformed (want xx:xx:xx:xx:xx:xx)" },
	{ "mac dashes", "[vm a]\nmac = 02-00-00-00-00-01\n", 0, 2,
	  "mac '02-00-00-00-00-01' is malformed" },
	{ "mac not hex", "[vm a]\nmac = 02:00:00:00:00:0g\n", 0, 2,
	  "mac '02:00:00:00:00:0g' is malformed" },
	{ "mac seven octets", "[vm a]\nmac = 02:00:00:00:00:01:02\n", 0, 2,
	  "mac '02:00:00:00:00:01:02' is malformed" },
	{ "mac five octets", "[vm a]\nmac = 02:00:00:00:00\n", 0, 2,
	  "mac '02:00:00:00:00' is malformed" },
	{ "mac three digits", "[vm a]\nmac = 02:00:00:00:0:001\n", 0, 2,
	  "mac '02:00:00:00:0:001' is malformed" },
	{ "mac cisco form", "[vm a]\nmac = 0200.0000.0001\n", 0, 2,
	  "mac '0200.0000.0001' is malformed" },
	{ "mac trailing colon", "[vm a]\nmac = 02:00:00:00:00:01:\n", 0, 2,
	  "is malformed" },
	{ "mac long value",
	  "[vm a]\nmac = 02:00:00:00:00:01:02:03:04:05:06:07:08\n", 0, 2,
	  "mac '02:00:00:00:00:01:02:...' is malformed" },
	{ "mac control char", "[vm a]\nmac = 02:00:00\x01" "00:00:01\n", 0, 2,
	  "mac '02:00:00?00:00:01' is malformed" },

	/* mac: meaning */
	{ "mac multicast", "[vm a]\nmac = 03:00:00:00:00:01\n", 0, 2,
	  "mac 03:00:00:00:00:01 is multicast" },
	{ "mac ipv4 multicast", "[vm a]\nmac = 01:00:5E:00:00:01\n", 0, 2,
	  "mac 01:00:5E:00:00:01 is multicast" },
	{ "mac broadcast", "[vm a]\nmac = ff:ff:ff:ff:ff:ff\n", 0, 2,
	  "mac ff:ff:ff:ff:ff:ff is multicast" },
	{ "mac zero", "[vm a]\nmac = 00:00:00:00:00:00\n", 0, 2,
	  "mac 00:00:00:00:00:00 is all zero" },

	/* ipv4: form */
	{ "ipv4 no prefix", "[vm a]\nipv4 = 192.168.77.11\n", 0, 2,
	  "ipv4 '192.168.77.11' has no prefix (want a.b.c.d/prefix)" },
	{ "ipv4 empty prefix", "[vm a]\nipv4 = 192.168.77.11/\n", 0, 2,
	  "ipv4 '192.168.77.11/' is malformed (want a.b.c.d/prefix)" },
	{ "ipv4 three octets", "[vm a]\nipv4 = 192.168.77/24\n", 0, 2,
	  "ipv4 '192.168.77/24' is malformed" },
	{ "ipv4 five octets", "[vm a]\nipv4 = 1.2.3.4.5/24\n", 0, 2,
	  "ipv4 '1.2.3.4.5/24' is malformed" },
	{ "ipv4 empty octet", "[vm a]\nipv4 = 1..3.4/8\n", 0, 2,
	  "ipv4 '1..3.4/8' is malformed" },
	{ "ipv4 letters", "[vm a]\nipv4 = a.b.c.d/24\n", 0, 2,
	  "ipv4 'a.b.c.d/24' is malformed" },
	{ "ipv4 plus sign", "[vm a]\nipv4 = +1.2.3.4/24\n", 0, 2,
	  "ipv4 '+1.2.3.4/24' is malformed" },
	{ "ipv4 minus sign", "[vm a]\nipv4 = 1.-2.3.4/24\n", 0, 2,
	  "ipv4 '1.-2.3.4/24' is malformed" },
	{ "ipv4 two prefixes", "[vm a]\nipv4 = 1.2.3.4/24/8\n", 0, 2,
	  "ipv4 '1.2.3.4/24/8' is malformed" },
	{ "ipv4 blank before prefix", "[vm a]\nipv4 = 1.2.3.4 /24\n", 0, 2,
	  "ipv4 '1.2.3.4 /24' is malformed" },
	{ "ipv4 netmask", "[vm a]\nipv4 = 1.2.3.4/255.0.0.0\n", 0, 2,
	  "ipv4 '1.2.3.4/255.0.0.0' is malformed" },
	{ "ipv4 leading zero", "[vm a]\nipv4 = 192.168.077.11/24\n", 0, 2,
	  "ipv4 '192.168.077.11/24' has a leading zero" },
	{ "ipv4 double zero", "[vm a]\nipv4 = 10.00.0.1/8\n", 0, 2,
	  "ipv4 '10.00.0.1/8' has a leading zero" },
	{ "ipv4 prefix leading zero", "[vm a]\nipv4 = 10.0.0.1/08\n", 0, 2,
	  "ipv4 '10.0.0.1/08' has a leading zero" },
	{ "ipv4 octet 256", "[vm a]\nipv4 = 256.1.1.1/8\n", 0, 2,
	  "ipv4 '256.1.1.1/8' has an octet out of range (0..255)" },
	{ "ipv4 octet huge", "[vm a]\nipv4 = 1.2.3.99999999999/8\n", 0, 2,
	  "has an octet out of range (0..255)" },
	{ "ipv4 prefix 33", "[vm a]\nipv4 = 10.0.0.1/33\n", 0, 2,
	  "ipv4 '10.0.0.1/33' prefix out of range (1..32)" },
	{ "ipv4 prefix 0", "[vm a]\nipv4 = 10.0.0.1/0\n", 0, 2,
	  "ipv4 '10.0.0.1/0' prefix out of range (1..32)" },
	{ "ipv4 prefix huge", "[vm a]\nipv4 = 10.0.0.1/4294967297\n", 0, 2,
	  "prefix out of range (1..32)" },

	/* ipv4: meaning */
	{ "ipv4 unspecified", "[vm a]\nipv4 = 0.0.0.0/8\n", 0, 2,
	  "ipv4 0.0.0.0 is unspecified" },
	{ "ipv4 limited broadcast", "[vm a]\nipv4 = 255.255.255.255/32\n", 0, 2,
	  "ipv4 255.255.255.255 is broadcast" },
	{ "ipv4 multicast low", "[vm a]\nipv4 = 224.0.0.1/24\n", 0, 2,
	  "ipv4 224.0.0.1 is multicast" },
	{ "ipv4 multicast high", "[vm a]\nipv4 = 239.255.255.254/32\n", 0, 2,
	  "ipv4 239.255.255.254 is multicast" },
	{ "ipv4 loopback", "[vm a]\nipv4 = 127.0.0.1/8\n", 0, 2,
	  "ipv4 127.0.0.1 is loopback" },
	{ "ipv4 loopback /32", "[vm a]\nipv4 = 127.1.2.3/32\n", 0, 2,
	  "ipv4 127.1.2.3 is loopback" },
	{ "ipv4 network /24", "[vm a]\nipv4 = 192.168.77.0/24\n", 0, 2,
	  "ipv4 192.168.77.0 is the network address of 192.168.77.0/24" },
	{ "ipv4 broadcast /24", "[vm a]\nipv4 = 192.168.77.255/24\n", 0, 2,
	  "ipv4 192.168.77.255 is the broadcast address of 192.168.77.0/24" },
	{ "ipv4 network /8", "[vm a]\nipv4 = 10.0.0.0/8\n", 0, 2,
	  "ipv4 10.0.0.0 is the network address of 10.0.0.0/8" },
	{ "ipv4 broadcast /12", "[vm a]\nipv4 = 172.31.255.255/12\n", 0, 2,
	  "ipv4 172.31.255.255 is the broadcast address of 172.16.0.0/12" },
	{ "ipv4 network /30", "[vm a]\nipv4 = 10.0.0.4/30\n", 0, 2,
	  "ipv4 10.0.0.4 is the network address of 10.0.0.4/30" },
	{ "ipv4 broadcast /30", "[vm a]\nipv4 = 10.0.0.7/30\n", 0, 2,
	  "ipv4 10.0.0.7 is the broadcast address of 10.0.0.4/30" },
	{ "ipv4 broadcast /1", "[vm a]\nipv4 = 127.255.255.255/1\n", 0, 2,
	  "is loopback" },
	{ "ipv4 network /1", "[vm a]\nipv4 = 128.0.0.0/1\n", 0, 2,
	  "ipv4 128.0.0.0 is the network address of 128.0.0.0/1" },

	/* section headers */
	{ "header other", "[global]\n", 0, 1,
	  "bad section header '[global]' (want [vm NAME])" },
	{ "header no name", "[vm]\n", 0, 1, "bad section header '[vm]'" },
	{ "header blank name", "[vm   ]\n", 0, 1, "bad section header '[vm   ]'" },
	{ "header empty", "[]\n", 0, 1, "bad section header '[]'" },
	{ "header open only", "[\n", 0, 1, "bad section header '['" },
	{ "header unclosed", "[vm alpha\n", 0, 1, "bad section header '[vm alpha'" },
	{ "header trailing text", "[vm alpha] x\n", 0, 1,
	  "bad section header '[vm alpha] x'" },
	{ "header uppercase", "[VM alpha]\n", 0, 1, "bad section header '[VM alpha]'" },
	{ "header no blank", "[vmalpha]\n", 0, 1, "bad section header '[vmalpha]'" },
	{ "header long", "[virtual_machine_number_one]\n", 0, 1,
	  "bad section header '[virtual_machine_numb...'" },
	{ "header after vm", VM("a", 1) "[net]\n", 0, 4, "bad section header '[net]'" },

	/* vm names */
	{ "name digit first", "[vm 1abc]\n", 0, 1,
	  "bad vm name '1abc' (want 1..15 of A-Za-z0-9_-, letter first)" },
	{ "name underscore first", "[vm _a]\n", 0, 1, "bad vm name '_a'" },
	{ "name dash first", "[vm -a]\n", 0, 1, "bad vm name '-a'" },
	{ "name dot", "[vm a.b]\n", 0, 1, "bad vm name 'a.b'" },
	{ "name blank", "[vm a b]\n", 0, 1, "bad vm name 'a b'" },
	{ "name bracket", "[vm a]]\n", 0, 1, "bad vm name 'a]'" },
	{ "name 16 chars", "[vm abcdefghijklmnop]\n", 0, 1,
	  "bad vm name 'abcdefghijklmnop'" },
	{ "name non-ascii", "[vm caf\xc3\xa9]\n", 0, 1, "bad vm name 'caf?" "?'" },

	/* duplicates across guests */
	{ "duplicate name", VM("alpha", 1) VM("alpha", 2), 0, 4,
	  "duplicate vm name 'alpha' (also at line 1)" },
	{ "duplicate mac",
	  VM("alpha", 1) "[vm beta]\nmac = 02:00:00:00:00:01\n", 0, 5,
	  "duplicate mac 02:00:00:00:00:01 (also in [vm alpha])" },
	{ "duplicate mac, other case",
	  "[vm a]\nmac = 02:AB:00:00:00:01\nipv4 = 10.0.0.1/8\n"
	  "[vm b]\nmac = 02:ab:00:00:00:01\n", 0, 5,
	  "duplicate mac 02:ab:00:00:00:01 (also in [vm a])" },
	{ "duplicate ipv4",
	  VM("alpha", 1) VM("beta", 2)
	  "[vm gamma]\nipv4 = 10.0.0.2/24\n", 0, 8,
	  "duplicate ipv4 10.0.0.2 (also in [vm beta])" },
	{ "duplicate ipv4, other prefix",
	  VM("alpha", 1) "[vm beta]\nipv4 = 10.0.0.1/16\n", 0, 5,
	  "duplicate ipv4 10.0.0.1 (also in [vm alpha])" },

	/* missing required keys: reported at the header */
	{ "no mac", "[vm beta]\nipv4 = 10.0.0.1/8\n", 0, 1, "[vm beta] has no mac" },
	{ "no ipv4", "[vm beta]\nmac = 02:00:00:00:00:01\n", 0, 1,
	  "[vm beta] has no ipv4" },
	{ "empty section", "[vm beta]\n", 0, 1, "[vm beta] has no mac" },
	{ "empty section then more", "[vm a]\n" VM("b", 2), 0, 1,
	  "[vm a] has no mac" },
	{ "no mac in middle",
	  VM("alpha", 1) "\n[vm beta]\nipv4 = 10.0.0.2/24\n\n" VM("gamma", 3), 0, 5,
	  "[vm beta] has no mac" },
	/* The guest ends before the bad header is looked at. */
	{ "no mac, then bad header", "[vm a]\n[foo]\n", 0, 1, "[vm a] has no mac" },

	/* bytes and lines */
	{ "nul in value", BIN("heap_mib = 32\nselftest = no\0ne\n"), 2, "nul byte" },
	{ "nul in comment", BIN("# a\0comment\n"), 1, "nul byte" },
	{ "nul alone", BIN("\n\n\0"), 3, "nul byte" },
	{ "line 256", "heap_mib = 32\n" X64 X64 X64 X64 "\n", 0, 2,
	  "line longer than 255 characters" },
	{ "line 256, no newline", X64 X64 X64 X64, 0, 1,
	  "line longer than 255 characters" },
	{ "line 256 + crlf", "heap_mib = 32\r\n" X64 X64 X64 X64 "\r\n", 0, 2,
	  "line longer than 255" },
	{ "line 256 of blanks",
	  "                                                                "
	  "                                                                "
	  "                                                                "
	  "                                                                \n",
	  0, 1, "line longer than 255" },

	/* first error wins */
	{ "first of two", "foo = 1\nbar = 2\n", 0, 1, "'foo'" },
	{ "lone cr is not a newline", "heap_mib = 32\rselftest = none\n", 0, 1,
	  "heap_mib '32?selftest = none' is malformed" },
	{ "after a good file", "heap_mib = 32\n" VM("a", 1) VM("b", 2) "x\n", 0, 8,
	  "missing '=' after 'x'" },
};

static void test_reject(void **state)
{
	const struct reject *r = *state;

	assert_rejects(r->text, r->len ? r->len : strlen(r->text), r->line,
		       r->want);
}

static void test_too_many_vms(void **state)
{
	char text[4096];
	size_t n = build_vms(text, sizeof(text), CFG_MAX_VMS + 1);

	/* vm17's header is line 4 * 16 + 1. */
	assert_rejects(text, n, 65, "too many vms: [vm vm17] is past the limit of 16");
}

/* A failing parse after many good lines leaves a previous result alone. */
static void test_out_untouched(void **state)
{
	static const char bad[] = VM("a", 1) VM("b", 2) "memory_mib = 0\n";
	struct config out, copy;
	struct cfg_error err;

	assert_parses(default_cfg, strlen(default_cfg), &out);
	memcpy(&copy, &out, sizeof(out));
	assert_int_equal(parse(bad, &out, &err), -1);
	assert_int_equal(err.line, 7);
	assert_memory_equal(&out, &copy, sizeof(out));
}

/* The longest user text in every quoting message still leaves a
 * terminated, untruncated reason. */
static void test_reason_terminated(void **state)
{
	static const char *const fmts[] = {
		"%s = 1\n",
		"%s\n",
		"heap_mib = %s\n",
		"selftest = %s\n",
		"[vm a]\nmac = %s\n",
		"[vm a]\nipv4 = %s\n",
		"[vm a]\nmemory_mib = %s\n",
		"[%s]\n",
		"[vm %s]\n",
	};
	static const char fill[] = "0123456789abcdef";
	char val[CFG_LINE_MAX - 40 + 1], text[CFG_LINE_MAX + 1];
	struct cfg_error err;
	struct config cfg;
	size_t i, f;

	for (i = 0; i < sizeof(val) - 1; i++)
		val[i] = fill[i % 16];
	val[sizeof(val) - 1] = '\0';

	for (f = 0; f < ARRAY_SIZE(fmts); f++) {
		snprintf(text, sizeof(text), fmts[f], val);
		memset(&err, 'X', sizeof(err));
		assert_int_equal(parse(text, &cfg, &err), -1);
		assert_non_null(memchr(err.reason, '\0', sizeof(err.reason)));
		assert_true(strlen(err.reason) < CFG_ERR_MAX - 1);
		assert_non_null(strstr(err.reason, "..."));
	}

	/* Success clears a stale reason. */
	memset(&err, 'X', sizeof(err));
	assert_int_equal(parse("heap_mib = 32\n", &cfg, &err), 0);
	assert_int_equal(err.reason[0], '\0');
}

static const struct CMUnitTest accept_tests[] = {
	cmocka_unit_test(test_defaults),
	cmocka_unit_test(test_default_file),
	cmocka_unit_test(test_crlf),
	cmocka_unit_test(test_empty_file),
	cmocka_unit_test(test_globals_only),
	cmocka_unit_test(test_comments),
	cmocka_unit_test(test_timeslice_and_test_mode),
	cmocka_unit_test(test_whitespace),
	cmocka_unit_test(test_vm_defaults_and_names),
	cmocka_unit_test(test_image_paths),
	cmocka_unit_test(test_linux_keys),
	cmocka_unit_test(test_number_limits),
	cmocka_unit_test(test_mac_forms),
	cmocka_unit_test(test_ipv4_forms),
	cmocka_unit_test(test_max_vms),
	cmocka_unit_test(test_keys_per_section),
	cmocka_unit_test(test_line_max),
	cmocka_unit_test(test_not_nul_terminated),
	cmocka_unit_test(test_too_many_vms),
	cmocka_unit_test(test_out_untouched),
	cmocka_unit_test(test_reason_terminated),
};

/* One named test per row of rejects[], so a failure names its case. */
static struct CMUnitTest reject_tests[ARRAY_SIZE(rejects)];

int main(void)
{
	size_t i;
	int failed;

	for (i = 0; i < ARRAY_SIZE(rejects); i++)
		reject_tests[i] = (struct CMUnitTest){
			.name          = rejects[i].name,
			.test_func     = test_reject,
			.initial_state = (void *)&rejects[i],
		};

	load_default_cfg();
	failed = cmocka_run_group_tests_name("config", accept_tests, NULL, NULL);
	failed += cmocka_run_group_tests_name("config rejections", reject_tests,
					      NULL, NULL);
	return failed ? 1 : 0;
}
