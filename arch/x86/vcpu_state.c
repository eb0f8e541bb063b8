/* Switching the guest CPU state the VMCS and the VMCB leave out
 * (vcpu_state.h). The CPU holds one VM's state at a time, that of
 * 'owner'; another VM's entry saves it and loads its own. */
#include "arch/x86/msr.h"
#include "arch/x86/vcpu_state.h"
#include "lib/string.h"

/* The FPU default state FNINIT establishes, as an FXRSTOR image. */
#define FCW_DEFAULT    0x037f
#define MXCSR_DEFAULT  0x1f80
/* DR6 and DR7 at power-up [SDM 3B 18.2.3, 18.2.4]. */
#define DR6_INIT       0xffff0ff0ull
#define DR7_INIT       0x400ull

#define CPUID_7_ECX_RDPID      (1u << 22)
#define CPUID_X1_EDX_RDTSCP    (1u << 27)

static const uint32_t vs_msr_index[VS_MSRS] = {
	[VS_MSR_KERNEL_GS_BASE] = MSR_IA32_KERNEL_GS_BASE,
	[VS_MSR_STAR]           = MSR_IA32_STAR,
	[VS_MSR_LSTAR]          = MSR_IA32_LSTAR,
	[VS_MSR_CSTAR]          = MSR_IA32_CSTAR,
	[VS_MSR_FMASK]          = MSR_IA32_FMASK,
};

static struct vcpu_state *owner;
static unsigned owner_what;

void vcpu_state_init(struct vcpu_state *s)
{
	memset(s, 0, sizeof(*s));
	s->fpu.fcw = FCW_DEFAULT;
	s->fpu.mxcsr = MXCSR_DEFAULT;
	s->dr6 = DR6_INIT;
}

static void save(struct vcpu_state *s, unsigned what)
{
	if (what & VS_FPU)
		fxsave(&s->fpu);
	if (what & VS_DR0_3) {
		s->dr[0] = read_dr0();
		s->dr[1] = read_dr1();
		s->dr[2] = read_dr2();
		s->dr[3] = read_dr3();
	}
	if (what & VS_DR6)
		s->dr6 = read_dr6();
	if (what & VS_CR2)
		s->cr2 = read_cr2();
	if (what & VS_SYSCALL_MSRS)
		for (int i = 0; i < VS_MSRS; i++)
			s->msr[i] = rdmsr(vs_msr_index[i]);
}

static void load(const struct vcpu_state *s, unsigned what)
{
	if (what & VS_FPU)
		fxrstor(&s->fpu);
	if (what & VS_DR0_3) {
		write_dr0(s->dr[0]);
		write_dr1(s->dr[1]);
		write_dr2(s->dr[2]);
		write_dr3(s->dr[3]);
	}
	if (what & VS_DR6)
		write_dr6(s->dr6);
	if (what & VS_CR2)
		write_cr2(s->cr2);
	if (what & VS_SYSCALL_MSRS)
		for (int i = 0; i < VS_MSRS; i++)
			wrmsr(vs_msr_index[i], s->msr[i]);
}

void vcpu_state_load(struct vcpu_state *s, unsigned what)
{
	if (owner == s)
		return;
	if (owner)
		save(owner, owner_what);
	load(s, what);
	owner = s;
	owner_what = what;
}

void vcpu_state_forget(struct vcpu_state *s)
{
	if (owner == s)
		owner = NULL;
}

uint64_t vcpu_state_msr(const struct vcpu_state *s, enum vs_msr m)
{
	return owner == s && (owner_what & VS_SYSCALL_MSRS) ?
	       rdmsr(vs_msr_index[m]) : s->msr[m];
}

void vcpu_state_set_msr(struct vcpu_state *s, enum vs_msr m, uint64_t v)
{
	if (owner == s && (owner_what & VS_SYSCALL_MSRS))
		wrmsr(vs_msr_index[m], v);
	else
		s->msr[m] = v;
}

void vcpu_state_host_init(void)
{
	write_dr7(DR7_INIT);
	if ((cpuid(0x80000000, 0).eax >= 0x80000001 &&
	     (cpuid(0x80000001, 0).edx & CPUID_X1_EDX_RDTSCP)) ||
	    (cpuid(0, 0).eax >= 7 && (cpuid(7, 0).ecx & CPUID_7_ECX_RDPID)))
		wrmsr(MSR_IA32_TSC_AUX, 0);
}
