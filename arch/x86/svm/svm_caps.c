/* AMD-V discovery: CPUID 8000_0001 ECX.SVM, VM_CR.SVMDIS and the SVM
 * feature leaf 8000_000A [APM 2 15.4, APM 3 CPUID Fn8000_000A]. */
#include "arch/x86/svm/svm.h"
#include "lib/console.h"

#define CPUID_8000_0001_ECX_SVM   (1u << 2)
/* CPUID 8000_000A EDX */
#define SVM_FEAT_NP               (1u << 0)
#define SVM_FEAT_NRIPS            (1u << 3)
#define SVM_FEAT_FLUSH_BY_ASID    (1u << 6)
#define SVM_FEAT_DECODE_ASSISTS   (1u << 7)

struct svm_config svm_cfg;

static void report_cap(const char *name, bool v)
{
	LOG("svm", "%s: %s", name, v ? "yes" : "no");
}

bool svm_probe(void)
{
	bool svm = cpuid(0x80000000, 0).eax >= 0x8000000a &&
		   (cpuid(0x80000001, 0).ecx & CPUID_8000_0001_ECX_SVM);
	struct cpuid_regs f;
	uint64_t vm_cr;
	bool np;

	LOG("svm", "SVM present: %s", svm ? "yes" : "no");
	if (!svm)
		return false;
	/* Firmware can disable SVM and lock that choice [APM 2 15.4]. */
	vm_cr = rdmsr(MSR_VM_CR);
	if (vm_cr & VM_CR_SVMDIS) {
		LOG("svm", "VM_CR 0x%lx: SVM disabled%s", (unsigned long)vm_cr,
		    vm_cr & VM_CR_LOCK ? " and locked (enable SVM in the "
		    "firmware setup)" : "");
		return false;
	}
	f = cpuid(0x8000000a, 0);
	np = f.edx & SVM_FEAT_NP;
	svm_cfg.nasid = f.ebx;
	svm_cfg.nrips = f.edx & SVM_FEAT_NRIPS;
	svm_cfg.flush_by_asid = f.edx & SVM_FEAT_FLUSH_BY_ASID;
	svm_cfg.decode_assists = f.edx & SVM_FEAT_DECODE_ASSISTS;
	LOG("svm", "SVM revision %u, %u ASIDs", f.eax & 0xff, svm_cfg.nasid);
	report_cap("nested paging", np);
	report_cap("NRIP save", svm_cfg.nrips);
	report_cap("flush by ASID", svm_cfg.flush_by_asid);
	report_cap("decode assists", svm_cfg.decode_assists);
	if (!np) {
		LOG("svm", "this AMD-V lacks nested paging, which flipvisor needs");
		return false;
	}
	/* ASID 0 is the host's; VMs share the others when there are more
	 * VMs than ASIDs (svm_vcpu.c). */
	if (svm_cfg.nasid < 2) {
		LOG("svm", "this AMD-V has %u ASIDs: none for a guest",
		    svm_cfg.nasid);
		return false;
	}
	return true;
}
