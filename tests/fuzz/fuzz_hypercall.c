/* libFuzzer harness: hypercall argument validation, as a hostile guest
 * sees it. The hypervisor's own files run: vmm/hypercall.c (dispatch,
 * HC_GET_IDENTITY, CONSOLE_WRITE, SET_TIMER, TEST), the network glue
 * vmm/net/net*.c (HC_NET_*: ring and copy-area setup, release lists and
 * transmit descriptors copied out of guest RAM, stats, page exchange:
 * HC_NET_SETUP_XCHG, POST, DETACH), vmm/vm.c (vm_create, vm_read,
 * vm_write, vm_guest_ptr),
 * the data path, virq.c, vuart.c, page_alloc.c and lib/fmt.c. Below them
 * sit the host fakes of hv_fakes.c: the e1000, the nested page tables,
 * the vCPU's registers, the console.
 *
 * The input's first bytes pick 1..3 VMs (window size, quota), the pool
 * size and the delivery mode; then a sequence of operations:
 *   hc     a hypercall from one VM: number and RDI/RSI/RDX, each raw or
 *          a plausible guest address (in RAM, at its end, in the receive
 *          window, past RAM)
 *   write  the guest writes input bytes into its RAM
 *   list   the guest writes a list of the slots it holds (as its ring
 *          told it), mangled or not, where a release will read it
 *   plist  the guest writes a list of pages to post (page | post slot),
 *          mostly plausible, where HC_NET_POST will read it
 *   rx     frames arrive from the wire, to the VMs' MACs or broadcast
 *   tick   time passes; the NIC's transmit turns busy or free
 *   fault  the guest touches its receive window or a RAM page:
 *          net_window_fault
 *
 * Checked after each: the result is 0, positive, or one of the HC_E_*;
 * a refused hypercall changes nothing in the data path or the VM but its
 * error counters; np_check holds; each VM's receive window maps exactly
 * the slots the books say, read-only, and nothing else of the window;
 * vmm/isolation.c's invariants hold over all the VMs' tables (exchange
 * moves pages between RAM and the pool);
 * every guest access the hypervisor makes lies inside that VM's RAM and
 * on pages present in its nested table (vm_read, vm_write and
 * vm_guest_ptr are wrapped and checked), and memory nobody allocated is
 * poisoned for ASan. A hypervisor panic is a crash. */
#include <stdarg.h>
#include <stdbool.h>
#include <string.h>
#include <sanitizer/asan_interface.h>

#include "drivers/e1000.h"
#include "lib/fmt.h"
#include "tests/fuzz/fuzz.h"
#include "tests/fuzz/hv_fakes.h"
#include "vmm/config.h"
#include "vmm/hypercall.h"
#include "vmm/hypercall_abi.h"
#include "vmm/isolation.h"
#include "vmm/net/net.h"
#include "vmm/net/netpath_internal.h"
#include "mm/page_alloc.h"
#include "vmm/vm.h"

/* 3 VMs of 2 MiB, 2 MiB aligned, and the pool */
#define ARENA_SIZE   (12ull << 20)
#define SZ_2M        (2ull << 20)
#define MAX_VMS      HV_MAX_VMS
#define MAX_OPS      256
#define TSC_PER_MS   1000000ull

/* --- wrapped hypervisor functions (-Wl,--wrap) -------------------------- */

static struct netpath *the_np;

int __real_np_init(struct netpath *np, const struct np_params *p);
int __wrap_np_init(struct netpath *np, const struct np_params *p)
{
	the_np = np;
	return __real_np_init(np, p);
}

/* An independent check of the guest-memory rule: an access succeeds
 * exactly when [gpa, gpa + len) is all inside the VM's RAM (or, for len
 * 0, gpa is: the hypervisor refuses an empty buffer at the end of RAM)
 * and every page of it is present in the fake nested table (a posted
 * page is not). 'contig': and, for a lasting pointer, the pages follow
 * one another in host memory. */
static bool reachable(const struct vm *vm, uint64_t gpa, uint64_t len,
		      bool contig)
{
	unsigned __int128 end = (unsigned __int128)gpa + len;
	const struct npt *t = vm->npt;
	uint64_t first = gpa / PAGE_SIZE, n;

	if (gpa >= vm->ram_bytes || end > vm->ram_bytes)
		return false;
	/* The pages holding its bytes; a pointer needs its first page even
	 * for no bytes. */
	n = len ? (gpa + len - 1) / PAGE_SIZE - first + 1 : contig;
	for (uint64_t p = first; p < first + n; p++) {
		if (!t->ram_page[p])
			return false;
		if (contig && t->ram_page[p] !=
		    t->ram_page[first] + (p - first) * PAGE_SIZE)
			return false;
	}
	return true;
}

void *__real_vm_guest_ptr(struct vm *vm, uint64_t gpa, uint64_t len);
void *__wrap_vm_guest_ptr(struct vm *vm, uint64_t gpa, uint64_t len)
{
	void *p = __real_vm_guest_ptr(vm, gpa, len);

	FUZZ_CHECK(reachable(vm, gpa, len, true) == (p != NULL),
		   "vm_guest_ptr(%#llx, %#llx): %p", (unsigned long long)gpa,
		   (unsigned long long)len, p);
	return p;
}

bool __real_vm_read(struct vm *vm, uint64_t gpa, void *buf, uint64_t len);
bool __wrap_vm_read(struct vm *vm, uint64_t gpa, void *buf, uint64_t len)
{
	bool ok = __real_vm_read(vm, gpa, buf, len);

	FUZZ_CHECK(reachable(vm, gpa, len, false) == ok,
		   "vm_read(%#llx, %#llx): %d", (unsigned long long)gpa,
		   (unsigned long long)len, ok);
	return ok;
}

bool __real_vm_write(struct vm *vm, uint64_t gpa, const void *buf,
		     uint64_t len);
bool __wrap_vm_write(struct vm *vm, uint64_t gpa, const void *buf,
		     uint64_t len)
{
	bool ok = __real_vm_write(vm, gpa, buf, len);

	FUZZ_CHECK(reachable(vm, gpa, len, false) == ok,
		   "vm_write(%#llx, %#llx): %d", (unsigned long long)gpa,
		   (unsigned long long)len, ok);
	return ok;
}

/* Page allocations become addressable; the rest of the arena is not.
 * The allocations are recorded as they are made (page_alloc zeroes what
 * it hands out, so the arena is open meanwhile) and the arena poisoned
 * once the world is built. */
static uint8_t *arena;
static struct page_alloc pa;
static struct { uint64_t a, n; } allocs[256];
static uint32_t nallocs;

static void poison_arena(void)
{
	uint64_t open = pa.map_pages * PAGE_SIZE;

	ASAN_POISON_MEMORY_REGION(arena + open, ARENA_SIZE - open);
	for (uint32_t i = 0; i < nallocs; i++)
		ASAN_UNPOISON_MEMORY_REGION((void *)(uintptr_t)allocs[i].a,
					    allocs[i].n * PAGE_SIZE);
}

uint64_t __real_page_alloc(struct page_alloc *pa, uint64_t n, uint64_t align);
uint64_t __wrap_page_alloc(struct page_alloc *p, uint64_t n, uint64_t align)
{
	uint64_t a = __real_page_alloc(p, n, align);

	FUZZ_CHECK(nallocs < 256, "too many page_alloc calls");
	if (a)
		allocs[nallocs++] = (typeof(allocs[0])){ a, n };
	return a;
}

/* --- the world ---------------------------------------------------------- */

static struct config cfg;
static struct vm vms[MAX_VMS];
static uint32_t nr_vms;
static uint64_t now;
static uint64_t last_list;      /* where op_list wrote its last list */

static void build_world(struct fz *z)
{
	uint8_t g = fz_u8(z);

	if (!arena) {
		arena = aligned_alloc(SZ_2M, ARENA_SIZE);
		FUZZ_CHECK(arena, "no arena");
	}
	ASAN_UNPOISON_MEMORY_REGION(arena, ARENA_SIZE);
	memset(&hw, 0, sizeof(hw));
	memset(vms, 0, sizeof(vms));
	FUZZ_CHECK(page_alloc_init(&pa, (uint64_t)(uintptr_t)arena,
				   ARENA_SIZE) == 0, "page_alloc_init");
	nallocs = 0;

	memset(&cfg, 0, sizeof(cfg));
	cfg.pool_frames = CFG_POOL_MIN + fz_u8(z) % 48;
	cfg.reclaim_ms = 1 + fz_u8(z) % 10;
	cfg.stats_ms = 1000;
	cfg.delivery = g % 3;
	cfg.copy_threshold = g & 0x80 ? NET_COPY_BUF_SIZE : (g >> 2) * 64;
	nr_vms = 1 + fz_u8(z) % MAX_VMS;
	cfg.nr_vms = nr_vms;
	for (uint32_t i = 0; i < nr_vms; i++) {
		struct cfg_vm *c = &cfg.vms[i];
		const struct vm_boot boot = { .file = NULL };
		uint8_t s = fz_u8(z);

		fmt_snprintf(c->name, sizeof(c->name), "vm%u", i);
		c->mac[0] = 0x02;
		c->mac[5] = (uint8_t)(i + 1);
		c->ipv4 = 0x0a000001 + i;
		c->prefix_len = 24;
		c->memory_mib = 2;
		c->rx_slots = 1 + s % 16;
		c->quota_frames = 1 + fz_u8(z) % c->rx_slots;
		c->promiscuous = s >> 7;
		FUZZ_CHECK(vm_create(&vms[i], i, c, &boot, &pa) == 0, "vm_create");
	}
	FUZZ_CHECK(net_start(&pa, &cfg, vms, nr_vms, TSC_PER_MS), "net_start");
	FUZZ_CHECK(the_np, "np_init not seen");
	isolation_init(&pa, vms, nr_vms);
	poison_arena();
	now = 1000000;
	last_list = 0;
}

/* --- operations --------------------------------------------------------- */

/* A hypercall argument: raw, or an address a guest might try. */
static uint64_t pick_arg(struct fz *z, const struct vm *vm)
{
	uint8_t k = fz_u8(z);

	switch (k % 8) {
	case 0: return fz_u64(z);
	case 1: return fz_u8(z);
	case 2: return fz_u32(z) % vm->ram_bytes;
	case 3: return (fz_u32(z) % 512) * PAGE_SIZE;
	case 4: return vm->ram_bytes - fz_u16(z) % 4200;
	case 5: return NET_RX_WINDOW_GPA + (uint64_t)fz_u16(z) * 16;
	case 6: return (uint64_t)-(int64_t)(fz_u16(z) + 1);
	default: return k & 0x80 ? last_list : fz_u16(z);
	}
}

/* Where the guest's bytes at 'gpa' are now, for up to the rest of that
 * page: through the fake nested table, as the guest's own stores would
 * go. NULL on a page not present (posted) or outside RAM. */
static uint8_t *guest_bytes(const struct vm *vm, uint64_t gpa, uint32_t *len)
{
	uint64_t hpa;

	if (gpa >= vm->ram_bytes || !vm->npt->ram_page[gpa / PAGE_SIZE])
		return NULL;
	hpa = vm->npt->ram_page[gpa / PAGE_SIZE];
	if (*len > PAGE_SIZE - gpa % PAGE_SIZE)
		*len = (uint32_t)(PAGE_SIZE - gpa % PAGE_SIZE);
	return (uint8_t *)(uintptr_t)(hpa + gpa % PAGE_SIZE);
}

static struct netpath snap_np;
static struct vm snap_vm;

static void check_refused_unchanged(uint32_t v, uint64_t nr)
{
	struct np_vm_stats *s = &snap_np.vm[v].st;
	const struct np_vm_stats *t = &the_np->vm[v].st;

	/* The counters a refusal may bump. */
	s->release_errors = t->release_errors;
	s->tx_drop = t->tx_drop;
	s->tx_spoofed = t->tx_spoofed;
	s->post_errors = t->post_errors;
	snap_vm.stats.hypercall_errors = vms[v].stats.hypercall_errors;
	memcpy(snap_vm.stats.hypercall_refused, vms[v].stats.hypercall_refused,
	       sizeof(snap_vm.stats.hypercall_refused));
	FUZZ_CHECK(memcmp(&snap_np, the_np, sizeof(snap_np)) == 0,
		   "refused hypercall %llu changed the data path",
		   (unsigned long long)nr);
	FUZZ_CHECK(memcmp(&snap_vm, &vms[v], sizeof(snap_vm)) == 0,
		   "refused hypercall %llu changed the VM",
		   (unsigned long long)nr);
}

static void op_hc(struct fz *z)
{
	uint32_t v = fz_u8(z) % nr_vms;
	struct vm *vm = &vms[v];
	struct guest_regs *r = vcpu_regs(vm->vcpu);
	uint8_t k = fz_u8(z);
	uint64_t nr = k < 224 ? k % (HC_NR + 1) : fz_u64(z);
	int64_t ret;

	memset(r, 0x5a, sizeof(*r));
	r->rax = nr;
	r->rdi = pick_arg(z, vm);
	r->rsi = pick_arg(z, vm);
	r->rdx = pick_arg(z, vm);
	/* HC_NET_SEND's source MAC: mostly its own, as a guest would. */
	if (nr == HC_NET_SEND && r->rdi < vm->ram_bytes - 12 && fz_u8(z) < 200) {
		uint32_t n = 6;
		uint8_t *p = guest_bytes(vm, r->rdi + 6, &n);

		if (p)
			memcpy(p, vm->cfg->mac, n);
	}
	memcpy(&snap_np, the_np, sizeof(snap_np));
	memcpy(&snap_vm, vm, sizeof(snap_vm));
	hypercall(vm, now, TSC_PER_MS);
	ret = (int64_t)r->rax;
	FUZZ_CHECK(ret >= -HC_E_NODEV, "hypercall %llu returned %lld",
		   (unsigned long long)nr, (long long)ret);
	FUZZ_CHECK(vm->stats.hypercalls == snap_vm.stats.hypercalls + 1,
		   "hypercall not counted");
	snap_vm.stats.hypercalls++;
	if (ret < 0)
		check_refused_unchanged(v, nr);
}

static void op_write(struct fz *z)
{
	const struct vm *vm = &vms[fz_u8(z) % nr_vms];
	uint64_t gpa = fz_u32(z) % vm->ram_bytes;
	uint32_t len = fz_u8(z);
	uint8_t *p = guest_bytes(vm, gpa, &len);

	if (p)
		fz_bytes(z, p, len);
}

/* Where a list goes: a VM, a guest address and a count the input picks
 * (entries of 'size' bytes, aligned to it), cut at the page's end and
 * remembered as last_list. NULL on a page not present. */
static void *list_place(struct fz *z, uint32_t *v, uint32_t size,
			uint32_t *count)
{
	const struct vm *vm;
	uint64_t gpa;
	uint32_t bytes;
	void *out;

	*v = fz_u8(z) % nr_vms;
	vm = &vms[*v];
	gpa = (fz_u32(z) % vm->ram_bytes) & ~(uint64_t)(size - 1);
	bytes = fz_u8(z) % (HC_NET_BATCH + 4) * size;
	last_list = gpa;
	out = guest_bytes(vm, gpa, &bytes);
	*count = bytes / size;
	return out;
}

/* The guest finds its ring by the HC_NET_SETUP it made; the harness
 * does not know where that was, so this writes a list of what the
 * books say VM v holds (which a guest learns from its ring), mangled by
 * the input, at a guest address the input picks. */
static void op_list(struct fz *z)
{
	uint32_t v, count;
	uint16_t *out = list_place(z, &v, sizeof(*out), &count);
	const struct np_vm *n = &the_np->vm[v];
	uint16_t held[2 * NET_RX_SLOTS_MAX], nh = 0;

	if (!out)
		return;
	for (uint16_t s = 0; s < n->nr_slots; s++) {
		if (n->slot_frame[s] != NP_NO_FRAME)
			held[nh++] = s;
		if (n->copy_seq[s])
			held[nh++] = (uint16_t)(s | NET_SLOT_COPY);
	}
	for (uint32_t i = 0; i < count; i++) {
		uint8_t k = fz_u8(z);

		out[i] = k < 200 && nh ? held[k % nh] : fz_u16(z);
	}
}

/* A list for HC_NET_POST: mostly pages of its RAM with free post slots
 * (as a driver would post), some taken or posted already, some raw. */
static void op_plist(struct fz *z)
{
	uint32_t v, count;
	uint64_t *out = list_place(z, &v, sizeof(*out), &count);
	const struct np_vm *n = &the_np->vm[v];
	const struct vm *vm = &vms[v];

	if (!out)
		return;
	for (uint32_t i = 0; i < count; i++) {
		uint8_t k = fz_u8(z);
		uint64_t page = (fz_u16(z) % (vm->ram_bytes / PAGE_SIZE)) *
				PAGE_SIZE;
		uint32_t slot = (i + k) % (n->nr_slots + 1);

		out[i] = k < 220 ? page | slot : fz_u64(z);
	}
}

static void op_rx(struct fz *z)
{
	uint32_t n = 1 + fz_u8(z) % HV_RX_BATCH;

	for (uint32_t i = 0; i < n; i++) {
		uint8_t k = fz_u8(z);
		uint16_t len = fz_u16(z);

		if (!(len & 0x8000))
			len = (uint16_t)(len % (NP_RX_LEN_MAX + 1));
		/* What the NIC wrote: up to its 2048-byte buffer. */
		fz_bytes(z, hw.frames[i],
			 len < NP_RX_LEN_MAX ? len : NP_RX_LEN_MAX);
		if (k < 128)
			memcpy(hw.frames[i], vms[k % nr_vms].cfg->mac, 6);
		else if (k < 192)
			memset(hw.frames[i], 0xff, 6);
		hw.frame_len[i] = len;
	}
	hw.nframes = n;
	net_poll(now);
}

/* The guest touches its receive window (an EPT violation there): the
 * exit handler asks net_window_fault for the reason it logs. */
static void op_fault(struct fz *z)
{
	struct vm *vm = &vms[fz_u8(z) % nr_vms];
	uint8_t k = fz_u8(z);
	uint64_t gpa = k & 1 ? fz_u64(z) : k & 4 ?
		       fz_u32(z) % vm->ram_bytes :
		       NET_RX_WINDOW_GPA + (uint64_t)fz_u16(z) * 64;
	bool posted = gpa < vm->ram_bytes &&
		      !vm->npt->ram_page[gpa / PAGE_SIZE];
	char why[160];
	bool in;

	memset(why, 'X', sizeof(why));
	in = net_window_fault(vm, gpa, k & 2, why, sizeof(why));
	FUZZ_CHECK(in == (in_window(gpa, 1) || posted),
		   "window fault at %#llx: %d", (unsigned long long)gpa, in);
	if (in)
		FUZZ_CHECK(memchr(why, 0, sizeof(why)), "reason not terminated");
}

/* Each VM's window maps exactly its delivered slots, read-only. */
static void check_windows(void)
{
	for (uint32_t v = 0; v < nr_vms; v++) {
		const struct np_vm *n = &the_np->vm[v];
		const struct npt *t = vms[v].npt;

		for (uint32_t s = 0; s < NET_RX_SLOTS_MAX; s++) {
			uint32_t fi = s < n->nr_slots ? n->slot_frame[s] : NP_NO_FRAME;
			uint64_t want = fi == NP_NO_FRAME ? 0 : the_np->frame[fi].hpa;

			FUZZ_CHECK(t->win[s] == want, "vm%u slot %u: mapped %#llx, "
				   "books %#llx", v, s,
				   (unsigned long long)t->win[s],
				   (unsigned long long)want);
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz z = { data, size };

	build_world(&z);
	for (uint32_t i = 0; i < MAX_OPS && fz_left(&z); i++) {
		uint8_t k = fz_u8(&z);

		switch (k % 10) {
		case 0: case 1: case 2: op_hc(&z); break;
		case 3: op_write(&z); break;
		case 4: op_list(&z); break;
		case 9: op_plist(&z); break;
		case 5: op_rx(&z); break;
		case 6:
			now += (uint64_t)fz_u16(&z) * 1000;
			net_poll(now);
			break;
		case 7:
			hw.tx_busy = fz_u8(&z) & 1;
			break;
		default:
			op_fault(&z);
			break;
		}
		FUZZ_CHECK(np_check(the_np), "np_check");
		check_windows();
		isolation_check();
	}
	return 0;
}
