/* The host fakes of the harnesses that run vmm/ files (hv_fakes.h). */
#include <stdarg.h>
#include <string.h>

#include "arch/x86/arch.h"
#include "vmm/guest_boot.h"
#include "drivers/e1000.h"
#include "lib/console.h"
#include "lib/fmt.h"
#include "tests/fuzz/fuzz.h"
#include "tests/fuzz/hv_fakes.h"
#include "mm/page_alloc.h"
#include "vmm/virt.h"

/* The guest image vm_create copies in: a few bytes are enough. */
__asm__(".section .rodata\n"
	".globl _binary_build_guest_stub_guest_stub_bin_start\n"
	"_binary_build_guest_stub_guest_stub_bin_start:\n"
	".fill 64, 1, 0xf4\n"
	".globl _binary_build_guest_stub_guest_stub_bin_end\n"
	"_binary_build_guest_stub_guest_stub_bin_end:\n"
	".previous\n");

struct hv_host hw;

int e1000_init(struct page_alloc *pa, uint32_t rx_count, uint32_t tx_count)
{
	return 0;
}

uint32_t e1000_rx_post(const uint64_t *hpa, uint32_t n)
{
	uint32_t k;

	for (k = 0; k < n && hw.rx_n < HV_NIC_RX_MAX; k++) {
		hw.rx_posted[(hw.rx_head + hw.rx_n) % HV_NIC_RX_MAX] = hpa[k];
		hw.rx_n++;
	}
	return k;
}

void e1000_rx_flush(void)
{
}

uint32_t e1000_rx_room(void)
{
	return HV_NIC_RX_MAX - hw.rx_n;
}

uint32_t e1000_rx_in_flight(void)
{
	return hw.rx_n;
}

/* The frames of hw.frames, one a call, each into the next posted buffer;
 * those left when no buffer is posted are dropped, as the wire would. */
bool e1000_rx_next(struct e1000_rx_done *out)
{
	uint32_t n = hw.rx_next;
	uint16_t len;

	if (n >= hw.nframes || !hw.rx_n) {
		hw.nframes = hw.rx_next = 0;
		return false;
	}
	len = hw.frame_len[n];
	out->hpa = hw.rx_posted[hw.rx_head];
	hw.rx_head = (hw.rx_head + 1) % HV_NIC_RX_MAX;
	hw.rx_n--;
	memcpy((void *)(uintptr_t)out->hpa, hw.frames[n],
	       len < NP_RX_LEN_MAX ? len : NP_RX_LEN_MAX);
	/* A length of 0xffff stands for a descriptor with errors. */
	out->len = len;
	out->status = len == 0xffff ? 0 : E1000_RXD_STAT_EOP;
	out->errors = 0;
	hw.rx_next++;
	return true;
}

/* The buffer the next e1000_rx_next fills, while a frame is left. */
uint64_t e1000_rx_peek(void)
{
	if (hw.rx_next >= hw.nframes || !hw.rx_n)
		return 0;
	return hw.rx_posted[hw.rx_head];
}

bool e1000_tx(const uint8_t *data, uint16_t len)
{
	FUZZ_CHECK(len >= NET_FRAME_MIN && len <= NET_FRAME_MAX, "tx len %u",
		   len);
	return !hw.tx_busy;
}

bool e1000_set_filter(const uint8_t (*macs)[6], uint32_t n, bool promisc)
{
	return true;
}

int e1000_irq_enable(uint8_t vector, enum intx_mode mode)
{
	return -1;
}

bool e1000_irq_pending(void)
{
	return false;
}

void e1000_stats(struct e1000_stats *out)
{
	memset(out, 0, sizeof(*out));
}

bool in_window(uint64_t gpa, uint64_t size)
{
	const uint64_t span = (uint64_t)NET_RX_SLOTS_MAX * NET_SLOT_SIZE;

	return gpa >= NET_RX_WINDOW_GPA && gpa - NET_RX_WINDOW_GPA < span &&
	       size <= span - (gpa - NET_RX_WINDOW_GPA);
}

int npt_map(struct npt *npt, uint64_t gpa, uint64_t hpa, uint64_t size,
	    unsigned perm)
{
	uint64_t s;

	if (!npt->ram_bytes) {          /* vm_create: the guest's RAM */
		FUZZ_CHECK(gpa == 0 && size <= HV_RAM_PAGES * PAGE_SIZE,
			   "first map is not the guest's RAM");
		npt->ram_hpa = hpa;
		npt->ram_bytes = size;
		npt->ram_perm = perm;
		for (uint64_t i = 0; i < size / PAGE_SIZE; i++)
			npt->ram_page[i] = hpa + i * PAGE_SIZE;
		return 0;
	}
	if (gpa < npt->ram_bytes) {     /* page exchange: one RAM page back */
		FUZZ_CHECK(size == PAGE_SIZE && gpa % PAGE_SIZE == 0 &&
			   hpa % PAGE_SIZE == 0, "RAM map not one page");
		FUZZ_CHECK(!npt->ram_page[gpa / PAGE_SIZE],
			   "map over mapped RAM page %#llx",
			   (unsigned long long)gpa);
		FUZZ_CHECK(perm == npt->ram_perm, "a RAM page mapped with perm %u",
			   perm);
		npt->ram_page[gpa / PAGE_SIZE] = hpa;
		return 0;
	}
	FUZZ_CHECK(in_window(gpa, size) && size == NET_SLOT_SIZE &&
		   gpa % NET_SLOT_SIZE == 0, "map outside the window: %#llx",
		   (unsigned long long)gpa);
	s = (gpa - NET_RX_WINDOW_GPA) / NET_SLOT_SIZE;
	FUZZ_CHECK(!npt->win[s], "map over mapped slot %llu",
		   (unsigned long long)s);
	FUZZ_CHECK(perm == NPT_R, "a window slot mapped with perm %u", perm);
	npt->win[s] = hpa;
	npt->perm[s] = perm;
	return 0;
}

int npt_unmap_deferred(struct npt *npt, uint64_t gpa, uint64_t size)
{
	uint64_t s;

	if (gpa < npt->ram_bytes) {     /* page exchange: a RAM page posted */
		FUZZ_CHECK(size == PAGE_SIZE && gpa % PAGE_SIZE == 0,
			   "RAM unmap not one page");
		if (!npt->ram_page[gpa / PAGE_SIZE])
			return -1;
		npt->ram_page[gpa / PAGE_SIZE] = 0;
		return 0;
	}
	FUZZ_CHECK(in_window(gpa, size), "unmap outside the window");
	s = (gpa - NET_RX_WINDOW_GPA) / NET_SLOT_SIZE;
	if (!npt->win[s])
		return -1;
	npt->win[s] = 0;
	return 0;
}

int npt_window_keep(struct npt *npt, uint64_t gpa, uint32_t slots)
{
	FUZZ_CHECK(gpa == NET_RX_WINDOW_GPA && slots && !npt->win_slots &&
		   slots <= NET_RX_SLOTS_MAX, "window kept as %#llx, %u slots",
		   (unsigned long long)gpa, slots);
	npt->win_slots = slots;
	return 0;
}

/* A slot past the window is refused, as arch/x86/pt.c does. */
int npt_window_map(struct npt *npt, uint32_t slot, uint64_t hpa,
		   unsigned perm)
{
	if (slot >= npt->win_slots)
		return -1;
	return npt_map(npt, NET_RX_WINDOW_GPA + (uint64_t)slot * NET_SLOT_SIZE,
		       hpa, NET_SLOT_SIZE, perm);
}

int npt_window_unmap_deferred(struct npt *npt, uint32_t slot)
{
	if (slot >= npt->win_slots)
		return -1;
	return npt_unmap_deferred(npt, NET_RX_WINDOW_GPA +
				  (uint64_t)slot * NET_SLOT_SIZE, NET_SLOT_SIZE);
}

int npt_keep_tables(struct npt *npt, uint64_t gpa, uint64_t size)
{
	return 0;
}

bool npt_sync(struct npt *npt)
{
	return true;
}

/* What the guest's RAM and its receive window map; nothing else. */
int npt_lookup(struct npt *npt, uint64_t gpa, uint64_t *hpa, unsigned *perm)
{
	if (gpa < npt->ram_bytes) {
		if (!npt->ram_page[gpa / PAGE_SIZE])
			return -1;
		*hpa = npt->ram_page[gpa / PAGE_SIZE] + gpa % PAGE_SIZE;
		*perm = npt->ram_perm;
		return 0;
	}
	if (in_window(gpa, 1)) {
		uint64_t s = (gpa - NET_RX_WINDOW_GPA) / NET_SLOT_SIZE;

		if (npt->win[s]) {
			*hpa = npt->win[s] + (gpa - NET_RX_WINDOW_GPA) % NET_SLOT_SIZE;
			*perm = npt->perm[s];
			return 0;
		}
	}
	return -1;
}

void npt_for_each_leaf(struct npt *npt,
		       void (*fn)(void *arg, uint64_t gpa, uint64_t hpa,
				  uint64_t size, unsigned perm),
		       void *arg)
{
	for (uint64_t i = 0; i < npt->ram_bytes / PAGE_SIZE; i++)
		if (npt->ram_page[i])
			fn(arg, i * PAGE_SIZE, npt->ram_page[i], PAGE_SIZE,
			   npt->ram_perm);
	for (uint64_t s = 0; s < NET_RX_SLOTS_MAX; s++)
		if (npt->win[s])
			fn(arg, NET_RX_WINDOW_GPA + s * NET_SLOT_SIZE,
			   npt->win[s], NET_SLOT_SIZE, npt->perm[s]);
}

void guest_boot_build(uint8_t *ram, uint64_t ram_bytes, uint16_t code_sel,
		      uint16_t data_sel, struct vcpu_entry *e)
{
	memset(e, 0, sizeof(*e));
}

/* The console: formatted by the hypervisor's own lib/fmt.c, dropped. */
void log_line(const char *tag, const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	fmt_vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
}

/* Guest lines: accepted, then dropped like the rest. */
bool console_guest_line(uint32_t vm, const char *name, const char *text,
			uint64_t unreported)
{
	return vm < HV_MAX_VMS && name && text;
}

uint32_t console_queued(void)
{
	return 0;
}

void kprintf(const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	fmt_vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
}

void panic(const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	fmt_vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	fprintf(stderr, "hypervisor panic: %s\n", buf);
	abort();
}

/* vmm/nmi_test.c programs the PIT and the I/O APIC: no NMI here. */
int nmi_test_arm(uint32_t ms)
{
	(void)ms;
	return 0;
}
