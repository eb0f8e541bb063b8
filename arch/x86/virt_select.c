/* The vendor choice: probe VT-x, then AMD-V, and forward every vmm/virt.h
 * call to the backend that answered. The table is chosen once, before
 * the first VM exists, and never changes. */
#include "arch/x86/arch.h"
#include "arch/x86/virt_ops.h"
#include "lib/console.h"

static const struct virt_ops *const backends[] = {
	&vmx_virt_ops,
	&svm_virt_ops,
};

static const struct virt_ops *ops;

bool virt_probe(struct page_alloc *pa)
{
	for (unsigned i = 0; i < sizeof(backends) / sizeof(backends[0]); i++) {
		if (backends[i]->probe(pa)) {
			ops = backends[i];
			LOG("virt", "vendor path: %s", ops->detail);
			return true;
		}
	}
	LOG("virt", "no usable VT-x or AMD-V on this CPU: flipvisor needs Intel "
	    "VT-x with EPT or AMD-V with nested paging (enabled in the firmware "
	    "setup); under an emulator use Bochs (VT-x), QEMU TCG with -cpu max "
	    "(AMD-V) or QEMU with KVM on a host that can nest (make run picks)");
	return false;
}

const char *virt_name(void)
{
	return ops ? ops->name : "none";
}

bool virt_start(struct page_alloc *pa)
{
	return ops && ops->start(pa);
}

struct npt *npt_create(struct page_alloc *pa)
{
	return ops->npt_create(pa);
}

void npt_destroy(struct npt *npt)
{
	ops->npt_destroy(npt);
}

struct vcpu *vcpu_create(struct page_alloc *pa, struct npt *npt,
			 uint16_t id, const struct vcpu_entry *entry)
{
	return ops->vcpu_create(pa, npt, id, entry);
}

void vcpu_destroy(struct vcpu *v, struct page_alloc *pa)
{
	ops->vcpu_destroy(v, pa);
}

void vcpu_run(struct vcpu *v, uint64_t budget, struct vm_exit *e)
{
	ops->vcpu_run(v, budget, e);
}

struct guest_regs *vcpu_regs(struct vcpu *v)
{
	return ops->vcpu_regs(v);
}

void vcpu_skip_insn(struct vcpu *v)
{
	ops->vcpu_skip_insn(v);
}

unsigned vcpu_fetch_insn(struct vcpu *v, uint8_t *b, unsigned n)
{
	return ops->vcpu_fetch_insn(v, b, n);
}

void vcpu_advance_rip(struct vcpu *v, unsigned len)
{
	ops->vcpu_advance_rip(v, len);
}

bool vcpu_can_take_irq(struct vcpu *v)
{
	return ops->vcpu_can_take_irq(v);
}

void vcpu_inject_irq(struct vcpu *v, uint8_t vector)
{
	ops->vcpu_inject_irq(v, vector);
}

void vcpu_inject_exception(struct vcpu *v, uint8_t vector, bool has_error,
			   uint32_t error)
{
	ops->vcpu_inject_exception(v, vector, has_error, error);
}

void vcpu_want_irq_window(struct vcpu *v, bool on)
{
	ops->vcpu_want_irq_window(v, on);
}

bool vcpu_event_pending(struct vcpu *v)
{
	return ops->vcpu_event_pending(v);
}

uint64_t vcpu_msr_get(struct vcpu *v, enum vcpu_msr m)
{
	return ops->vcpu_msr_get(v, m);
}

void vcpu_msr_set(struct vcpu *v, enum vcpu_msr m, uint64_t val)
{
	ops->vcpu_msr_set(v, m, val);
}

uint8_t vcpu_cpl(struct vcpu *v)
{
	return ops->vcpu_cpl(v);
}
