/* The virtualization backend of tests/fuzz/fuzz_hypercall.c, in place of
 * arch/x86/virt_select.c: hv_fakes.c's nested page tables and a vCPU
 * that is its registers and nothing else (hypercalls read and write
 * only those). tests/fuzz/fuzz_exit.c runs the real VT-x and AMD-V
 * vCPUs instead. */
#include "tests/fuzz/fuzz.h"
#include "tests/fuzz/hv_fakes.h"
#include "vmm/virt.h"

struct vcpu {
	struct guest_regs regs;
};

static struct vcpu vcpus[HV_MAX_VMS];
static uint32_t nvcpu;

struct npt *npt_create(struct page_alloc *pa)
{
	FUZZ_CHECK(hw.nnpt < HV_MAX_VMS, "too many npt_create");
	return &hw.npt[hw.nnpt++];
}

void npt_destroy(struct npt *npt)
{
}

/* The first of a new world (hw.nnpt back to 0) starts the vCPUs over. */
struct vcpu *vcpu_create(struct page_alloc *pa, struct npt *npt, uint16_t id,
			 const struct vcpu_entry *entry)
{
	if (npt == &hw.npt[0])
		nvcpu = 0;
	FUZZ_CHECK(nvcpu < HV_MAX_VMS, "too many vcpu_create");
	vcpus[nvcpu].regs = (struct guest_regs){ 0 };
	return &vcpus[nvcpu++];
}

struct guest_regs *vcpu_regs(struct vcpu *v)
{
	return &v->regs;
}

bool vcpu_can_take_irq(struct vcpu *v)
{
	return true;
}

void vcpu_inject_irq(struct vcpu *v, uint8_t vector)
{
}

void vcpu_want_irq_window(struct vcpu *v, bool on)
{
}

const char *virt_name(void)
{
	return "fake";
}
