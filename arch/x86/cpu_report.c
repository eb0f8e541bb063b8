/* One line about the processor we are running on, and the frame copy
 * it is fastest with (lib/copy.c). */
#include <stdint.h>

#include "arch/x86/arch.h"
#include "lib/console.h"
#include "lib/copy.h"
#include "lib/string.h"

void cpu_report(void)
{
	struct cpuid_regs r = cpuid(0, 0), v;
	char vendor[13], brand[49] = "";
	unsigned family, model;
	const char *b = brand;

	memcpy(vendor + 0, &r.ebx, 4);
	memcpy(vendor + 4, &r.edx, 4);
	memcpy(vendor + 8, &r.ecx, 4);
	vendor[12] = '\0';

	/* Family and model with their extended fields [SDM 2A CPUID EAX=1]. */
	v = cpuid(1, 0);
	family = v.eax >> 8 & 0xf;
	model = v.eax >> 4 & 0xf;
	if (family == 0xf)
		family += v.eax >> 20 & 0xff;
	if (family == 0x6 || family >= 0xf)
		model |= (v.eax >> 16 & 0xf) << 4;

	if (cpuid(0x80000000, 0).eax >= 0x80000004) {
		for (uint32_t leaf = 0; leaf < 3; leaf++) {
			struct cpuid_regs s = cpuid(0x80000002 + leaf, 0);

			memcpy(brand + leaf * 16 + 0, &s.eax, 4);
			memcpy(brand + leaf * 16 + 4, &s.ebx, 4);
			memcpy(brand + leaf * 16 + 8, &s.ecx, 4);
			memcpy(brand + leaf * 16 + 12, &s.edx, 4);
		}
		brand[48] = '\0';
		while (*b == ' ')
			b++;
	}
	LOG("cpu", "%s family 0x%x model 0x%x stepping %u: %s", vendor, family,
	    model, v.eax & 0xf, *b ? b : "(no brand string)");
}

/* The receive path's copy, from CPUID leaf 7 where the CPU has it
 * [SDM 2A CPUID EAX=0: the highest basic leaf]. */
void cpu_pick_copy(void)
{
	struct cpuid_regs f = { 0 };

	if (cpuid(0, 0).eax >= 7)
		f = cpuid(7, 0);
	copy_use(copy_pick(f.ebx, f.edx));
	LOG("cpu", "frame copy: %s (CPUID.7.0 EBX 0x%x EDX 0x%x)",
	    copy_name(copy_current()), f.ebx, f.edx);
}
