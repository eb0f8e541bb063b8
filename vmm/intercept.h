/* The instructions and events both backends intercept so that a guest
 * cannot reach the host through them (docs/security.md, "Instructions
 * and intercepts"): what a guest sees, in one place. */
#ifndef VMM_INTERCEPT_H
#define VMM_INTERCEPT_H

#include <stdbool.h>

#include "vmm/vm.h"

/* EXIT_INSN: refuse the instruction with the exception a CPU without the
 * feature raises, or step over it. */
void intercept_insn(struct vm *vm, const struct vm_exit *e);

/* EXIT_NMI: the host's handler has run; count it for the VM it hit. */
void intercept_nmi(struct vm *vm);

/* EXIT_HYPERCALL: true when the guest may make it (CPL 0); else the
 * call is refused with #UD, counted, and must not run. */
bool intercept_hypercall_allowed(struct vm *vm, const struct vm_exit *e);

#endif
