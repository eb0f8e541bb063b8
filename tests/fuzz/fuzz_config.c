/* libFuzzer harness: the config parser (vmm/config.c), on any bytes.
 *
 * Checks, beyond ASan/UBSan on the parser itself (the input is not NUL
 * terminated: a read past its end is caught):
 *  - a refused file leaves 'out' untouched and gives a line and a
 *    non-empty, NUL-terminated reason;
 *  - an accepted file is within every documented limit (docs/config.md),
 *    parses the same twice, and is accepted by the data path as
 *    net_start() hands it on: np_add_vm() for every VM (net_start panics
 *    if that refuses). */
#include <stdarg.h>
#include <stdbool.h>
#include <string.h>

#include "tests/fuzz/fuzz.h"
#include "tests/unit/netpath_fakes.h"
#include "vmm/config.h"
#include "vmm/net/netpath.h"
#include "vmm/hypercall_abi.h"

static bool name_ok(const char *s)
{
	size_t n = strnlen(s, CFG_NAME_MAX + 1);

	if (n == 0 || n > CFG_NAME_MAX)
		return false;
	if (!((s[0] >= 'A' && s[0] <= 'Z') || (s[0] >= 'a' && s[0] <= 'z')))
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];

		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		      (c >= '0' && c <= '9') || c == '_' || c == '-'))
			return false;
	}
	return true;
}

static void check_accepted(const struct config *c)
{
	FUZZ_CHECK(c->heap_mib >= CFG_HEAP_MIN_MIB &&
		   c->heap_mib <= CFG_HEAP_MAX_MIB, "heap_mib %u", c->heap_mib);
	FUZZ_CHECK(c->timeslice_us >= CFG_SLICE_MIN_US &&
		   c->timeslice_us <= CFG_SLICE_MAX_US, "timeslice_us %u",
		   c->timeslice_us);
	FUZZ_CHECK(c->pool_frames >= CFG_POOL_MIN &&
		   c->pool_frames <= CFG_POOL_MAX &&
		   c->pool_frames <= NP_MAX_FRAMES, "pool_frames %u",
		   c->pool_frames);
	FUZZ_CHECK(c->reclaim_ms >= 1 && c->reclaim_ms <= CFG_RECLAIM_MAX_MS,
		   "reclaim_ms %u", c->reclaim_ms);
	FUZZ_CHECK((uint64_t)c->reclaim_ms * 1000 > c->timeslice_us,
		   "reclaim_ms %u within timeslice_us %u", c->reclaim_ms,
		   c->timeslice_us);
	FUZZ_CHECK(c->delivery <= NP_HYBRID, "delivery %u",
		   c->delivery);
	FUZZ_CHECK(c->copy_threshold <= NET_JUMBO_MAX ||
		   c->copy_threshold == NP_COPY_AUTO,
		   "copy_threshold %u", c->copy_threshold);
	FUZZ_CHECK(c->selftest <= CFG_SELFTEST_INVALID_OPCODE, "selftest %u",
		   c->selftest);
	FUZZ_CHECK(c->nr_vms <= CFG_MAX_VMS && c->nr_vms <= NP_MAX_VMS,
		   "nr_vms %u", c->nr_vms);

	fk_reset();
	world(16, 16, 4, 100);
	for (uint32_t i = 0; i < c->nr_vms; i++) {
		const struct cfg_vm *v = &c->vms[i];

		FUZZ_CHECK(name_ok(v->name), "vm %u name", i);
		for (uint32_t j = 0; j < i; j++)
			FUZZ_CHECK(strcmp(v->name, c->vms[j].name) != 0,
				   "vms %u and %u share a name", j, i);
		FUZZ_CHECK(v->prefix_len >= 1 && v->prefix_len <= 32,
			   "vm %u prefix_len %u", i, v->prefix_len);
		FUZZ_CHECK(v->memory_mib >= CFG_VM_MEM_MIN_MIB &&
			   v->memory_mib <= CFG_VM_MEM_MAX_MIB,
			   "vm %u memory_mib %u", i, v->memory_mib);
		FUZZ_CHECK(v->promiscuous <= 1, "vm %u promiscuous %u", i,
			   v->promiscuous);
		FUZZ_CHECK(v->line >= 1, "vm %u line %u", i, v->line);
		/* What net_start() does with it; it panics on a refusal. */
		FUZZ_CHECK(np_add_vm(&np, i, v->mac, (uint16_t)v->rx_slots,
				     (uint16_t)v->quota_frames,
				     v->promiscuous) == 0,
			   "np_add_vm refuses vm %u (rx_slots %u quota %u)", i,
			   v->rx_slots, v->quota_frames);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct config out, again, before;
	struct cfg_error err;

	memset(&out, 0xa5, sizeof(out));
	memcpy(&before, &out, sizeof(out));
	memset(&err, 'X', sizeof(err));
	if (cfg_parse((const char *)data, size, &out, &err) != 0) {
		size_t n = strnlen(err.reason, CFG_ERR_MAX);

		FUZZ_CHECK(memcmp(&out, &before, sizeof(out)) == 0,
			   "a refused file changed the output");
		FUZZ_CHECK(n > 0 && n < CFG_ERR_MAX, "reason of length %zu", n);
		return 0;
	}
	FUZZ_CHECK(err.line == 0, "accepted, but error line %u", err.line);
	check_accepted(&out);
	FUZZ_CHECK(cfg_parse((const char *)data, size, &again, &err) == 0,
		   "a second parse refused it");
	FUZZ_CHECK(memcmp(&out, &again, sizeof(out)) == 0,
		   "two parses differ");
	return 0;
}
