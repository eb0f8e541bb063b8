/* libFuzzer harness: VM exits as a hostile guest (or a confused CPU)
 * makes them, through both backends. The hypervisor's own files run:
 * the decoders arch/x86/vmx/vmx_exit.c and arch/x86/svm/svm_exit.c, the
 * vCPU calls of vmx_vcpu.c and svm_vcpu.c (RIP, events, the interrupt
 * window, MSRs, CPL), AMD-V's CR0/CR4 write emulation (svm_cr0.c,
 * svm_cr4.c, svm_guest_insn.c: the instruction fetched from guest RAM
 * through the guest's page tables), arch/x86/virt_select.c, and vmm/'s
 * exit.c, guest_msr.c, cpuid.c, intercept.c and vuart.c. Below them:
 * a fake VMCS (tests/fuzz/exit_vmx.c), a VMCB (exit_svm.c), hv_fakes.c's
 * nested table and console. vm_stop and hypercall are recorded here.
 *
 * The input: one byte picks the backend, then up to 16 exits of one VM,
 * each a scenario (exit_side.h): what the guest did (CPUID, HLT, IN/OUT
 * of any port, size, direction, string and REP forms, VMCALL at any CPL,
 * RDMSR/WRMSR of the emulated MSRs, others, any value, MONITOR, MWAIT,
 * RDPMC, WBINVD, INVD, a MOV to a CR, an EPT/NPT violation, triple
 * fault, interrupt, NMI, interrupt window, time slice, failed entry, or
 * a raw exit code with raw qualifications), its registers, RIP, RFLAGS,
 * interrupt shadow and window request, and the event whose delivery the
 * exit interrupted (only where the CPU can report one, and for raw
 * exits).
 *
 * Checked after each exit: the decoded exit is one of enum exit_kind
 * (an EXIT_INSN one of enum exit_insn, an I/O size 1, 2 or 4); the
 * interrupted event is queued again, exactly; then, by what the
 * documents say the exit must do (docs/hypercalls.md "Other exits",
 * "Control registers"; docs/security.md):
 *   - emulated: RIP steps over exactly the instruction's length, the
 *     interrupt shadow ends, only the registers the instruction writes
 *     change (CPUID: RAX-RDX, zero-extended; IN: AL/AX/EAX; RDMSR:
 *     EDX:EAX), an accepted WRMSR sets exactly that MSR to a value the
 *     CPU would take, an emulated CR write only guest-owned bits;
 *   - refused: the guest's #UD (no error code) or #GP(0) (error code 0)
 *     is queued, RIP, the registers, the MSRs and the CRs stay, and only
 *     the refusal's counter moves;
 *   - stopped: the VM is stopped exactly for string I/O, EPT/NPT
 *     violations, triple faults, failed entries, CR writes it may not
 *     make, and exits nobody expects; nothing else stops it;
 *   - a hypercall runs exactly when made at CPL 0;
 *   - vcpu_can_take_irq() says yes exactly when RFLAGS.IF is set, no
 *     shadow blocks and no event is queued.
 * ASan checks every read of the fetched instruction and of guest RAM;
 * a hypervisor panic() is a crash. */
#include <string.h>

#include "arch/x86/msr.h"
#include "lib/console.h"
#include "tests/fuzz/exit_side.h"
#include "tests/fuzz/fuzz.h"
#include "tests/fuzz/hv_fakes.h"
#include "vmm/cpuid.h"
#include "vmm/exit.h"
#include "vmm/vm.h"

#define MAX_EXITS     16
#define TSC_PER_MS    1000000ull
#define VEC_UD        6
#define VEC_GP        13
#define UART_BASE     0x3f8
#define RFLAGS_IF_BIT (1ull << 9)

bool exit_want_svm;

/* --- vmm/ functions the exits call, recorded ---------------------------- */

static unsigned stops, hypercalls;

void vm_stop(struct vm *vm, const char *fmt, ...)
{
	FUZZ_CHECK(vm->state != VM_STOPPED, "a stopped VM stopped again");
	FUZZ_CHECK(fmt && fmt[0], "stopped without a reason");
	vm->state = VM_STOPPED;
	stops++;
}

bool hypercall(struct vm *vm, uint64_t now, uint64_t tsc_per_ms)
{
	hypercalls++;
	return false;
}

/* vm.c's halt bookkeeping, as it is there. */
void vm_sleep(struct vm *vm, uint64_t now)
{
	vm->state = VM_HALTED;
	vm->halted_at = now;
}

void vm_wake(struct vm *vm, uint64_t now)
{
	vm->state = VM_RUNNABLE;
}

/* The harness's VM has no RAM the exit handlers may read (no Linux VM's
 * warm-boot flag): every range is outside it. */
bool vm_read(struct vm *vm, uint64_t gpa, void *buf, uint64_t len)
{
	return false;
}

bool net_window_fault(struct vm *vm, uint64_t gpa, bool write, char *why,
		      uint64_t len)
{
	return false;
}

uint64_t nmi_count(void)
{
	return 0;
}

/* --- the model: what each scenario must do ------------------------------ */

/* The MSRs a guest keeps (docs/hypercalls.md, "Other exits"). */
static const struct {
	uint32_t index;
	enum vcpu_msr m;
	bool address;           /* canonical only */
	uint64_t reserved;
} msrs[] = {
	{ 0xc0000100, VCPU_MSR_FS_BASE, true, 0 },
	{ 0xc0000101, VCPU_MSR_GS_BASE, true, 0 },
	{ 0xc0000102, VCPU_MSR_KERNEL_GS_BASE, true, 0 },
	{ 0xc0000081, VCPU_MSR_STAR, false, 0 },
	{ 0xc0000082, VCPU_MSR_LSTAR, true, 0 },
	{ 0xc0000083, VCPU_MSR_CSTAR, true, 0 },
	{ 0xc0000084, VCPU_MSR_FMASK, false, 0xffffffff00000000ull },
	{ 0xc0000080, VCPU_MSR_EFER, false,
	  ~(EFER_SCE | EFER_LME | EFER_LMA | EFER_NXE) },
};
#define NMSRS (sizeof(msrs) / sizeof(msrs[0]))

/* IA32_MISC_ENABLE reads fast strings, BTS and PEBS unavailable
 * (docs/linux.md, "Where the boot stops"); only that value may be
 * written back. */
#define MISC_ENABLE       0x1a0u
#define MISC_ENABLE_VALUE ((1ull << 0) | (1ull << 11) | (1ull << 12))
/* IA32_BIOS_SIGN_ID reads 0 (no microcode update); only 0 is written. */
#define BIOS_SIGN_ID      0x8bu

/* The read-only MSRs above: their one value, or -1 for any other. */
static int64_t fixed_msr(uint32_t index)
{
	if (index == MISC_ENABLE)
		return (int64_t)MISC_ENABLE_VALUE;
	if (index == BIOS_SIGN_ID)
		return 0;
	return -1;
}

static int msr_slot(uint32_t index)
{
	for (unsigned i = 0; i < NMSRS; i++)
		if (msrs[i].index == index)
			return (int)i;
	return -1;
}

/* 48-bit linear addresses: bits 63:47 all equal [SDM 1 3.3.7.1]. */
static bool canonical(uint64_t a)
{
	uint64_t top = a >> 47;

	return top == 0 || top == 0x1ffff;
}

struct expect {
	enum outcome o;
	uint8_t len;            /* O_EMULATE */
	uint8_t vector;         /* O_FAULT */
	uint64_t writes;        /* registers it may write: 1 << index in guest_regs */
	uint64_t *counter;      /* the stat a refusal or a count moves */
	uint64_t cr_val;        /* an emulated CR write */
	int msr;                /* an accepted WRMSR: slot in msrs[] */
	uint64_t msr_val;       /* ... and the value it must leave there */
};

#define W_RAX (1u << 0)
#define W_RCX (1u << 1)
#define W_RDX (1u << 2)
#define W_RBX (1u << 3)

/* EFER as docs/hypercalls.md has it: LME never changes (the guest is in
 * long mode from its first instruction), NXE only where CPUID offers NX,
 * LMA stays the CPU's. */
static bool efer_model(struct vcpu *v, uint64_t *val)
{
	uint64_t cur = vcpu_msr_get(v, VCPU_MSR_EFER);
	uint32_t id[4];

	cpuid_guest(0x80000001, 0, id);
	if (((*val ^ cur) & EFER_LME) ||
	    ((*val & EFER_NXE) && !(id[3] & (1u << 20))))
		return false;
	*val = (*val & ~EFER_LMA) | (cur & EFER_LMA);
	return true;
}

static struct expect model(const struct exit_side *side, struct vm *vm,
			   struct vcpu *v, const struct scn *s)
{
	struct expect x = { .o = O_EMULATE, .len = s->len, .msr = -1 };
	struct guest_regs *r = vcpu_regs(v);
	uint64_t val = (r->rdx & 0xffffffffull) << 32 | (r->rax & 0xffffffffull);
	int slot = msr_slot((uint32_t)r->rcx);

	switch (s->kind) {
	case S_CPUID:
		x.writes = W_RAX | W_RBX | W_RCX | W_RDX;
		break;
	case S_HLT:
		break;
	case S_IO:
		if (s->string) {
			x.o = O_STOP;
		} else {
			x.writes = s->in ? W_RAX : 0;
			if (s->port < UART_BASE || s->port > UART_BASE + 7 ||
			    s->size != 1)
				x.counter = s->in ? &vm->stats.io_unclaimed_in :
						    &vm->stats.io_unclaimed_out;
		}
		break;
	case S_VMCALL:
		if (s->cpl) {
			x.o = O_FAULT;
			x.vector = VEC_UD;
			x.counter = &vm->stats.hypercall_user;
		}
		break;
	case S_RDMSR:
	case S_WRMSR:
		if (fixed_msr((uint32_t)r->rcx) >= 0) {
			if (s->kind == S_RDMSR) {
				x.writes = W_RAX | W_RDX;
			} else if (val != (uint64_t)fixed_msr((uint32_t)r->rcx)) {
				x.o = O_FAULT;
				x.vector = VEC_GP;
				x.counter = &vm->stats.msr_refused;
			}
		} else if (slot < 0 || (s->kind == S_WRMSR &&
				 ((val & msrs[slot].reserved) ||
				  (msrs[slot].address && !canonical(val))))) {
			x.o = O_FAULT;
			x.vector = VEC_GP;
			x.counter = &vm->stats.msr_refused;
		} else if (s->kind == S_RDMSR) {
			x.writes = W_RAX | W_RDX;
		} else if (msrs[slot].m == VCPU_MSR_EFER &&
			   !efer_model(v, &val)) {
			x.o = O_FAULT;
			x.vector = VEC_GP;
			x.counter = &vm->stats.msr_refused;
		} else {
			x.msr = slot;
			x.msr_val = val;
		}
		break;
	case S_MONITOR:
	case S_MWAIT:
		x.o = O_FAULT;
		x.vector = VEC_UD;
		x.counter = &vm->stats.insn_refused;
		break;
	case S_RDPMC:
		x.o = O_FAULT;
		x.vector = VEC_GP;
		x.counter = &vm->stats.insn_refused;
		break;
	case S_WBINVD:
	case S_INVD:
		x.counter = &vm->stats.insn_nop;
		break;
	case S_CR_WRITE:
		x.o = side->cr_write(v, s, &x.cr_val, &x.len, &x.vector);
		break;
	case S_NPF:
	case S_TRIPLE:
	case S_ENTRY_FAIL:
		x.o = O_STOP;
		break;
	case S_NMI:
		x.o = O_NONE;
		x.counter = &vm->stats.host_nmis;
		break;
	case S_EXT_INTR:
	case S_IRQ_WINDOW:
	case S_TIMER:
		x.o = O_NONE;
		break;
	default:
		x.o = O_ANY;
		break;
	}
	return x;
}

/* --- one exit ----------------------------------------------------------- */

static const struct cfg_vm vm_cfg = { .name = "fz" };
static struct vm vm;

static uint64_t pick_msr(struct fz *z)
{
	uint8_t k = fz_u8(z);

	if (k < 160)
		return msrs[k % NMSRS].index;
	if (k < 224) {
		static const uint32_t other[] = { 0x10, 0x1b, 0x3a, 0x174,
			MISC_ENABLE, BIOS_SIGN_ID,
			0x277, 0x48, 0x49, 0xc0000080, 0xc0000103, 0xc0010114,
			0xc0010117, 0x6e0 };

		return other[k % (sizeof(other) / sizeof(other[0]))];
	}
	return fz_u64(z);
}

/* A value at or near the edges of the canonical halves, or raw. */
static uint64_t pick_value(struct fz *z)
{
	static const uint64_t edge[] = { 0, 0x00007fffffffffffull,
		0x0000800000000000ull, 0xffff800000000000ull,
		0xffff7fffffffffffull, 0xffffffffffffffffull,
		0x00000000ffffffffull, 0x0000000100000000ull };
	uint8_t k = fz_u8(z);

	return k < 128 ? edge[k % 8] + (int8_t)fz_u8(z) : fz_u64(z);
}

static void fill_scn(struct scn *s, struct fz *z, struct guest_regs *r)
{
	uint8_t k = fz_u8(z), f = fz_u8(z);

	memset(s, 0, sizeof(*s));
	s->kind = k % S_COUNT;
	s->len = (uint8_t)(1 + fz_u8(z) % 15);
	s->cpl = f & 0x80 ? f & 3 : 0;
	s->shadow = f & 4;
	s->window = f & 8 || s->kind == S_IRQ_WINDOW;
	s->rflags = 2 | (f & 0x10 ? RFLAGS_IF_BIT : 0);
	s->rip = f & 0x20 ? fz_u64(z) : 0x100000 + fz_u16(z);
	s->rsp = fz_u64(z);
	for (uint64_t *g = &r->rax; g <= &r->r15; g++)
		*g = 0x5a5a000000000000ull | (uint64_t)(g - &r->rax);
	switch (s->kind) {
	case S_CPUID:
		r->rax = fz_u8(z) & 0x80 ? 0x40000000u + fz_u8(z) % 4 :
					   fz_u8(z) % 0x20;
		r->rcx = fz_u32(z);
		if (f & 0x40)
			r->rax |= 0x80000000u;
		break;
	case S_IO:
		s->port = f & 0x40 ? UART_BASE + fz_u8(z) % 8 : fz_u16(z);
		s->size = (uint8_t)(1u << (fz_u8(z) % 3));
		s->in = f & 1;
		s->string = f & 2 && fz_u8(z) & 1;
		s->rep = s->string && fz_u8(z) & 1;     /* REP INS, REP OUTS */
		r->rax = fz_u64(z);
		break;
	case S_RDMSR:
	case S_WRMSR:
		r->rcx = pick_msr(z);
		r->rax = pick_value(z);
		r->rdx = f & 0x40 ? r->rax >> 32 : pick_value(z);
		break;
	case S_CR_WRITE:
		s->cr = f & 0x40 ? fz_u8(z) & 15 : (fz_u8(z) & 1) * 4;
		s->gpr = fz_u8(z) & 15;
		/* The value, in that register (RSP is the VMCB's). */
		if (s->gpr == 4)
			s->rsp = pick_value(z);
		else
			(&r->rax)[s->gpr < 4 ? s->gpr : s->gpr - 1] = pick_value(z);
		break;
	case S_NPF:
		s->npf = fz_u8(z);
		s->gpa = fz_u64(z);
		break;
	case S_EXT_INTR:
		s->gpa = fz_u8(z);      /* the vector */
		break;
	case S_RAW:
		s->raw = f & 0x40 ? fz_u64(z) : fz_u16(z) & 0x4ff;
		s->qual = fz_u64(z);
		s->info2 = fz_u64(z);
		break;
	default:
		break;
	}
	/* The CPU reports an interrupted delivery only for exits that can
	 * happen during one: an EPT/NPT violation, a triple fault, an
	 * interrupt or NMI, or the raw ones [SDM 3C 28.2.4; APM 2 15.7.2]. */
	if (s->kind == S_NPF || s->kind == S_TRIPLE || s->kind == S_EXT_INTR ||
	    s->kind == S_NMI || s->kind == S_RAW) {
		s->vectoring = fz_u32(z);
		s->vectoring_error = fz_u32(z);
	}
}

static void check_decoded(const struct vm_exit *e)
{
	FUZZ_CHECK((unsigned)e->kind <= EXIT_INSN, "exit kind %u", e->kind);
	if (e->kind == EXIT_INSN)
		FUZZ_CHECK((unsigned)e->insn <= INSN_INVD, "insn %u", e->insn);
	if (e->kind == EXIT_IO)
		FUZZ_CHECK(e->io.size == 1 || e->io.size == 2 || e->io.size == 4,
			   "I/O size %u", e->io.size);
}

static void check_regs(const struct guest_regs *a, const struct guest_regs *b,
		       uint64_t writes, const char *what)
{
	const uint64_t *x = &a->rax, *y = &b->rax;

	for (unsigned i = 0; i < sizeof(*a) / 8; i++)
		FUZZ_CHECK(x[i] == y[i] || writes & (1u << i),
			   "%s changed register %u: %#llx -> %#llx", what, i,
			   (unsigned long long)x[i], (unsigned long long)y[i]);
}

/* Returns false when the VM is stopped (and so runs no more). */
static bool one_exit(const struct exit_side *side, struct fz *z)
{
	struct scn s;
	struct guest_regs regs, before;
	struct vcpu *v;
	struct vm_exit e;
	struct obs o0, o1;
	struct vm_stats st;
	struct expect x;
	uint64_t msr0[VCPU_MSR_COUNT];
	unsigned stops0 = stops, calls0 = hypercalls;
	bool handled;

	fill_scn(&s, z, &regs);
	v = side->setup(&s, z);
	vm.vcpu = v;
	*vcpu_regs(v) = regs;
	if (s.kind == S_HLT)
		vm.pending[fz_u8(z) & 3] = fz_u8(z) & 1 ? 1ull << 40 : 0;
	x = model(side, &vm, v, &s);
	before = *vcpu_regs(v);
	for (unsigned m = 0; m < VCPU_MSR_COUNT; m++)
		msr0[m] = vcpu_msr_get(v, m);

	memset(&e, 0xa5, sizeof(e));
	side->decode(v, &e);
	side->check_decode(v, &s);
	side->observe(v, &o0);
	FUZZ_CHECK(o0.rip == s.rip, "the decoder moved RIP");
	handled = side->handle(v);
	st = vm.stats;
	if (!handled) {
		check_decoded(&e);
		exit_handle(&vm, &e, 1000, TSC_PER_MS);
		st.exits++;
	}
	side->observe(v, &o1);

	if (x.o == O_ANY) {
		if (!handled && (e.kind == EXIT_OTHER || e.kind == EXIT_NPT_VIOLATION ||
		    e.kind == EXIT_TRIPLE_FAULT || e.kind == EXIT_ENTRY_FAILED))
			FUZZ_CHECK(vm.state == VM_STOPPED,
				   "exit kind %u left the VM running", e.kind);
		return vm.state != VM_STOPPED;
	}
	FUZZ_CHECK((vm.state == VM_STOPPED) == (x.o == O_STOP),
		   "scenario %u: outcome %u, VM state %u", s.kind, x.o,
		   vm.state);
	FUZZ_CHECK(stops == stops0 + (x.o == O_STOP), "vm_stop calls");
	FUZZ_CHECK(hypercalls == calls0 + (s.kind == S_VMCALL &&
					   x.o == O_EMULATE),
		   "hypercall at CPL %u: %u calls", s.cpl, hypercalls - calls0);
	/* The one counter this scenario moves, in the copy taken before. */
	if (x.counter)
		(*(uint64_t *)((char *)&st + ((char *)x.counter -
					      (char *)&vm.stats)))++;
	FUZZ_CHECK(memcmp(&st, &vm.stats, sizeof(st)) == 0,
		   "scenario %u: counters other than its own moved", s.kind);
	FUZZ_CHECK(o1.rsp == o0.rsp, "RSP changed");

	switch (x.o) {
	case O_EMULATE:
		FUZZ_CHECK(o1.rip == s.rip + x.len,
			   "scenario %u: RIP %#llx -> %#llx, length %u", s.kind,
			   (unsigned long long)s.rip,
			   (unsigned long long)o1.rip, x.len);
		FUZZ_CHECK(!o1.shadow, "the interrupt shadow outlived a step");
		/* An instruction's exit interrupts no delivery. */
		FUZZ_CHECK(!(o1.event & EV_VALID), "an emulation queued %#x",
			   o1.event);
		check_regs(&before, vcpu_regs(v), x.writes, "an emulation");
		break;
	case O_FAULT:
		FUZZ_CHECK(o1.rip == s.rip, "a fault moved RIP");
		FUZZ_CHECK(o1.event & EV_VALID &&
			   EV_TYPE(o1.event) == EV_TYPE_HW_EXC &&
			   (o1.event & 0xff) == x.vector,
			   "scenario %u: event %#x, not exception %u", s.kind,
			   o1.event, x.vector);
		FUZZ_CHECK(!!(o1.event & EV_ERR) == (x.vector == VEC_GP) &&
			   o1.event_error == 0,
			   "exception %u with error flag %d, code %#x", x.vector,
			   !!(o1.event & EV_ERR), o1.event_error);
		check_regs(&before, vcpu_regs(v), 0, "a refusal");
		FUZZ_CHECK(o1.cr0 == o0.cr0 && o1.cr4 == o0.cr4,
			   "a refusal changed a CR");
		break;
	case O_STOP:
	case O_NONE:
		FUZZ_CHECK(o1.rip == o0.rip, "RIP moved");
		FUZZ_CHECK(o1.event == o0.event, "an event was queued");
		check_regs(&before, vcpu_regs(v), 0, "a stop or no-op");
		FUZZ_CHECK(o1.cr0 == o0.cr0 && o1.cr4 == o0.cr4, "a CR changed");
		break;
	default:
		break;
	}
	for (unsigned m = 0; m < VCPU_MSR_COUNT; m++) {
		uint64_t want = x.msr >= 0 && msrs[x.msr].m == m ?
			x.msr_val : msr0[m];

		FUZZ_CHECK(vcpu_msr_get(v, m) == want, "MSR %u: %#llx, not %#llx",
			   m, (unsigned long long)vcpu_msr_get(v, m),
			   (unsigned long long)want);
	}
	/* The interrupt window, as the next entry sees it. */
	if (x.o != O_STOP)
		FUZZ_CHECK(vcpu_can_take_irq(v) ==
			   (s.rflags & RFLAGS_IF_BIT && !o1.shadow &&
			    !(o1.event & EV_VALID)), "vcpu_can_take_irq");
	if (x.o != O_EMULATE)
		return vm.state != VM_STOPPED;

	/* What the emulated instruction wrote. */
	switch (s.kind) {
	case S_CPUID: {
		const struct guest_regs *r = vcpu_regs(v);

		FUZZ_CHECK(!((r->rax | r->rbx | r->rcx | r->rdx) >> 32),
			   "CPUID left an upper half");
		if ((uint32_t)before.rax == 0x40000000u)
			FUZZ_CHECK(r->rax == 0x40000001u &&
				   !memcmp(&r->rbx, "flip", 4) &&
				   !memcmp(&r->rcx, "viso", 4) &&
				   !memcmp(&r->rdx, "r\0\0\0", 4),
				   "leaf 0x40000000 is not flipvisor's");
		/* IA32_TSC_ADJUST is refused, so never offered. */
		if ((uint32_t)before.rax == 7 && (uint32_t)before.rcx == 0)
			FUZZ_CHECK(!(r->rbx & (1u << 1)),
				   "leaf 7 EBX %#llx offers TSC_ADJUST",
				   (unsigned long long)r->rbx);
		if ((uint32_t)before.rax == 1)
			FUZZ_CHECK(r->rcx >> 31 && !(r->rcx & (1u << 5 | 1u << 3)),
				   "leaf 1 ECX %#llx", (unsigned long long)r->rcx);
		break;
	}
	case S_IO:
		if (s.in && s.size < 4)
			FUZZ_CHECK(vcpu_regs(v)->rax >> (8 * s.size) ==
				   before.rax >> (8 * s.size),
				   "IN of %u bytes wrote above them", s.size);
		else if (s.in)
			FUZZ_CHECK(!(vcpu_regs(v)->rax >> 32),
				   "IN EAX left the upper half");
		if (s.in && x.counter)
			FUZZ_CHECK(((vcpu_regs(v)->rax ^ ~0ull) <<
				    (64 - 8 * s.size)) == 0,
				   "an unclaimed port read other than all ones");
		break;
	case S_RDMSR: {
		uint64_t want = fixed_msr((uint32_t)before.rcx) >= 0 ?
			(uint64_t)fixed_msr((uint32_t)before.rcx) :
			msr0[msrs[msr_slot((uint32_t)before.rcx)].m];

		FUZZ_CHECK(vcpu_regs(v)->rax == (want & 0xffffffffull) &&
			   vcpu_regs(v)->rdx == want >> 32, "RDMSR result");
		break;
	}
	case S_HLT:
		FUZZ_CHECK((vm.state == VM_HALTED) ==
			   !(vm.pending[0] | vm.pending[1] | vm.pending[2] |
			     vm.pending[3]), "HLT with pending %d, state %u",
			   !!(vm.pending[0] | vm.pending[1] | vm.pending[2] |
			      vm.pending[3]), vm.state);
		break;
	case S_CR_WRITE: {
		uint64_t now = s.cr == 0 ? o1.cr0 : o1.cr4;

		FUZZ_CHECK(now == x.cr_val, "CR%u is %#llx, not %#llx", s.cr,
			   (unsigned long long)now,
			   (unsigned long long)x.cr_val);
		break;
	}
	default:
		break;
	}
	return vm.state != VM_STOPPED;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz z = { data, size };
	const struct exit_side *side;

	exit_want_svm = fz_u8(&z) & 1;
	FUZZ_CHECK(virt_probe(NULL), "virt_probe");
	side = exit_want_svm ? &exit_svm : &exit_vmx;
	memset(&vm, 0, sizeof(vm));
	vm.cfg = &vm_cfg;
	vm.npt = &hw.npt[0];
	vm.state = VM_RUNNABLE;
	vuart_init(&vm.uart, vm_cfg.name, 0);
	for (unsigned i = 0; i < MAX_EXITS && fz_left(&z); i++) {
		memset(vm.pending, 0, sizeof(vm.pending));
		vm.state = VM_RUNNABLE;
		if (!one_exit(side, &z))
			break;
	}
	return 0;
}
