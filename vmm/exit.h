#ifndef VMM_EXIT_H
#define VMM_EXIT_H

#include "vmm/vm.h"

/* What the scheduler does after an exit was handled. */
enum exit_action {
	EXIT_RESUME,            /* run the same VM again */
	EXIT_RESCHEDULE,        /* its slice is over, it halted or stopped */
};

enum exit_action exit_handle(struct vm *vm, const struct vm_exit *e,
			     uint64_t now, uint64_t tsc_per_ms);

#endif
