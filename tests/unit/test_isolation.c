/* Host tests for vmm/isolation.c: the memory isolation check over real
 * nested page tables (arch/x86/npt.c, EPT format), with the network's
 * pool and posted-page books as fakes. Each broken layout must panic
 * with its reason, and each legal step of a page exchange (post, flip,
 * detach) must pass. The host addresses are never touched: only the
 * tables are real memory. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "arch/x86/npt.h"
#include "arch/x86/vmx/ept.h"
#include "vmm/hypercall_abi.h"
#include "vmm/isolation.h"
#include "vmm/net/net.h"
#include "vmm/virt.h"

#define TABLE_PAGES  64
#define RAM_PAGES    4
#define POOL_N       4
#define VM0_RAM      (1ull << 30)
#define VM1_RAM      (2ull << 30)
#define POOL_HPA     (8ull << 30)       /* the pool's frames at start */
#define HV_HPA       (16ull << 30)      /* the hypervisor's own memory */
#define RW           (NPT_R | NPT_W | NPT_X)

/* --- fakes: the console, panic, and the network's books ---------------- */

static jmp_buf on_panic;
static bool panic_armed;
static char panic_msg[256];

void panic(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(panic_msg, sizeof(panic_msg), fmt, ap);
	va_end(ap);
	if (!panic_armed)
		fail_msg("unexpected panic: %s", panic_msg);
	panic_armed = false;
	longjmp(on_panic, 1);
}

void log_line(const char *tag, const char *fmt, ...)
{
	(void)tag;
	(void)fmt;
}

/* The host pages the pool holds now, and each VM's posted count. */
static uint64_t pool_now[POOL_N];
static uint32_t posted[2];

bool net_pool_frame(uint64_t hpa)
{
	for (uint32_t i = 0; i < POOL_N; i++)
		if (pool_now[i] == hpa)
			return true;
	return false;
}

int32_t net_pool_origin(uint64_t hpa)
{
	if (hpa >= POOL_HPA && hpa < POOL_HPA + POOL_N * PAGE_SIZE &&
	    hpa % PAGE_SIZE == 0)
		return (int32_t)((hpa - POOL_HPA) / PAGE_SIZE);
	return -1;
}

uint32_t net_pool_size(void)
{
	return POOL_N;
}

uint32_t net_vm_posted(const struct vm *vm)
{
	return posted[vm->id];
}

/* --- the world: two VMs of four RAM pages, a pool of four ------------- */

static struct page_alloc pa;
static uint8_t *mem;
static struct cfg_vm cfgs[2];
static struct vm vms[2];

static void no_flush(struct npt *npt)
{
	(void)npt;
}

static int setup(void **state)
{
	(void)state;
	mem = aligned_alloc(PAGE_SIZE, TABLE_PAGES * PAGE_SIZE);
	assert_non_null(mem);
	assert_int_equal(page_alloc_init(&pa, (uintptr_t)mem,
					 TABLE_PAGES * PAGE_SIZE), 0);
	memset(vms, 0, sizeof(vms));
	for (uint32_t i = 0; i < 2; i++) {
		snprintf(cfgs[i].name, sizeof(cfgs[i].name), "vm%u", i);
		vms[i].id = i;
		vms[i].cfg = &cfgs[i];
		vms[i].ram_hpa = i ? VM1_RAM : VM0_RAM;
		vms[i].ram_bytes = RAM_PAGES * PAGE_SIZE;
		vms[i].npt = npt_new(&pa, &pt_format_ept, no_flush);
		assert_non_null(vms[i].npt);
		assert_int_equal(npt_map(vms[i].npt, 0, vms[i].ram_hpa,
					 vms[i].ram_bytes, RW), 0);
		posted[i] = 0;
	}
	for (uint32_t i = 0; i < POOL_N; i++)
		pool_now[i] = POOL_HPA + i * PAGE_SIZE;
	panic_armed = false;
	panic_msg[0] = 0;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	npt_free(vms[0].npt);
	npt_free(vms[1].npt);
	free(mem);
	return 0;
}

/* The check must panic, with 'why' in its message. */
#define assert_check_panics(why) do {                                   \
	panic_armed = true;                                             \
	if (!setjmp(on_panic)) {                                        \
		isolation_check();                                      \
		fail_msg("no panic; expected \"%s\"", why);             \
	}                                                               \
	assert_non_null(strstr(panic_msg, why));                        \
} while (0)

static uint64_t slot_gpa(uint32_t s)
{
	return NET_RX_WINDOW_GPA + (uint64_t)s * NET_SLOT_SIZE;
}

/* --- what must pass ------------------------------------------------------ */

static void test_boot_layout_passes(void **state)
{
	uint64_t before;

	(void)state;
	isolation_init(&pa, vms, 2);
	before = isolation_checks();
	isolation_check();
	assert_int_equal(isolation_checks(), before + 1);
}

/* A whole exchange cycle, as xchg.c does it: post, flip into the posted
 * GPA (the posted page joins the pool), then a window delivery of a pool
 * frame to both VMs read-only (a broadcast). Each step passes. */
static void test_exchange_cycle_passes(void **state)
{
	(void)state;
	isolation_init(&pa, vms, 2);

	/* vm0 posts its page 2: not present, owned by the hypervisor. */
	assert_int_equal(npt_unmap(vms[0].npt, 2 * PAGE_SIZE, PAGE_SIZE), 0);
	posted[0] = 1;
	isolation_check();

	/* Flip: pool frame 0 is mapped there, vm0's page takes its place. */
	assert_int_equal(npt_map(vms[0].npt, 2 * PAGE_SIZE, POOL_HPA,
				 PAGE_SIZE, RW), 0);
	pool_now[0] = VM0_RAM + 2 * PAGE_SIZE;
	posted[0] = 0;
	isolation_check();

	/* A broadcast into both windows: one pool frame, read-only twice. */
	assert_int_equal(npt_map(vms[0].npt, slot_gpa(3), pool_now[1],
				 PAGE_SIZE, NPT_R), 0);
	assert_int_equal(npt_map(vms[1].npt, slot_gpa(0), pool_now[1],
				 PAGE_SIZE, NPT_R), 0);
	isolation_check();
}

/* --- what must panic ----------------------------------------------------- */

/* vm1 maps vm0's page writable: the one isolation promise. */
static void test_page_writable_in_two_vms(void **state)
{
	(void)state;
	isolation_init(&pa, vms, 2);
	assert_int_equal(npt_unmap(vms[1].npt, PAGE_SIZE, PAGE_SIZE), 0);
	assert_int_equal(npt_map(vms[1].npt, PAGE_SIZE, VM0_RAM, PAGE_SIZE,
				 RW), 0);
	posted[1] = 0;
	assert_check_panics("mapped writable twice");
}

/* A flip that forgot to take the posted page into the pool: the frame
 * the NIC wrote is now in vm0's RAM and still in the pool. A window
 * delivery of it to vm1 would show vm0's page to vm1. */
static void test_flipped_frame_left_in_pool(void **state)
{
	(void)state;
	isolation_init(&pa, vms, 2);
	assert_int_equal(npt_unmap(vms[0].npt, 0, PAGE_SIZE), 0);
	assert_int_equal(npt_map(vms[0].npt, 0, POOL_HPA, PAGE_SIZE, RW), 0);
	assert_int_equal(npt_map(vms[1].npt, slot_gpa(1), VM0_RAM,
				 PAGE_SIZE, NPT_R), 0);
	assert_check_panics("not a pool frame");
}

static void test_same_page_twice_in_one_vm(void **state)
{
	(void)state;
	isolation_init(&pa, vms, 2);
	assert_int_equal(npt_unmap(vms[0].npt, 3 * PAGE_SIZE, PAGE_SIZE), 0);
	assert_int_equal(npt_map(vms[0].npt, 3 * PAGE_SIZE, VM0_RAM,
				 PAGE_SIZE, RW), 0);
	assert_check_panics("mapped writable twice");
}

static void test_window_slot_writable(void **state)
{
	(void)state;
	isolation_init(&pa, vms, 2);
	assert_int_equal(npt_map(vms[0].npt, slot_gpa(0), POOL_HPA,
				 PAGE_SIZE, NPT_R | NPT_W), 0);
	assert_check_panics("writable or not a pool frame");
}

static void test_hypervisor_page_mapped(void **state)
{
	(void)state;
	isolation_init(&pa, vms, 2);
	assert_int_equal(npt_unmap(vms[1].npt, 0, PAGE_SIZE), 0);
	assert_int_equal(npt_map(vms[1].npt, 0, HV_HPA, PAGE_SIZE, RW), 0);
	assert_check_panics("outside every VM's RAM and the pool");
}

/* A page unmapped but not on the books as posted: lost to the VM. */
static void test_page_lost_from_ram(void **state)
{
	(void)state;
	isolation_init(&pa, vms, 2);
	assert_int_equal(npt_unmap(vms[0].npt, PAGE_SIZE, PAGE_SIZE), 0);
	assert_check_panics("vm0 maps 3 pages and posted 0, not its 4");
}

static void test_mapping_past_ram(void **state)
{
	(void)state;
	isolation_init(&pa, vms, 2);
	assert_int_equal(npt_map(vms[0].npt, RAM_PAGES * PAGE_SIZE,
				 POOL_HPA, PAGE_SIZE, NPT_R), 0);
	assert_check_panics("outside its RAM and its receive window");
}

static void test_ram_read_only(void **state)
{
	(void)state;
	isolation_init(&pa, vms, 2);
	assert_int_equal(npt_protect(vms[1].npt, 0, PAGE_SIZE, NPT_R), 0);
	assert_check_panics("not writable");
}

static void test_ram_blocks_overlap(void **state)
{
	(void)state;
	vms[1].ram_hpa = VM0_RAM + PAGE_SIZE;
	panic_armed = true;
	if (!setjmp(on_panic)) {
		isolation_init(&pa, vms, 2);
		fail_msg("no panic on overlapping RAM");
	}
	assert_non_null(strstr(panic_msg, "RAM of vm1 and vm0 overlaps"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_boot_layout_passes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_exchange_cycle_passes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_page_writable_in_two_vms, setup, teardown),
		cmocka_unit_test_setup_teardown(test_flipped_frame_left_in_pool, setup, teardown),
		cmocka_unit_test_setup_teardown(test_same_page_twice_in_one_vm, setup, teardown),
		cmocka_unit_test_setup_teardown(test_window_slot_writable, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hypervisor_page_mapped, setup, teardown),
		cmocka_unit_test_setup_teardown(test_page_lost_from_ram, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mapping_past_ram, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ram_read_only, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ram_blocks_overlap, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
