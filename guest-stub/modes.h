/* One function per HC_MODE_*: what the guest does after its "up" line.
 * None of them returns. */
#ifndef GUEST_MODES_H
#define GUEST_MODES_H

#include "vmm/hypercall_abi.h"

/* mode_normal(), mode_spin(), ...: one per HC_TEST_MODES entry, each in
 * its mode_*.c (docs/guest-stub.md says what each does). */
#define GUEST_MODE_DECL(N, n, v) \
	__attribute__((noreturn)) void mode_##n(const struct hc_identity *id);
HC_TEST_MODES(GUEST_MODE_DECL)
#undef GUEST_MODE_DECL

#endif
