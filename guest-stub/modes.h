/* One function per HC_MODE_*: what the guest does after its "up" line.
 * None of them returns. */
#ifndef GUEST_MODES_H
#define GUEST_MODES_H

#include "vmm/hypercall_abi.h"

__attribute__((noreturn)) void mode_normal(const struct hc_identity *id);
__attribute__((noreturn)) void mode_spin(const struct hc_identity *id);
__attribute__((noreturn)) void mode_bad_memory(const struct hc_identity *id);
__attribute__((noreturn)) void mode_triple_fault(void);
__attribute__((noreturn)) void mode_hypercall_flood(const struct hc_identity *id);
__attribute__((noreturn)) void mode_fpu_probe(const struct hc_identity *id);
__attribute__((noreturn)) void mode_net_hoard(const struct hc_identity *id);
/* Hostile guests and spies (docs/guest-stub.md, "Hostile modes"). */
__attribute__((noreturn)) void mode_hypercall_fuzz(const struct hc_identity *id);
__attribute__((noreturn)) void mode_net_abuse(const struct hc_identity *id);
__attribute__((noreturn)) void mode_slot_write(const struct hc_identity *id);
__attribute__((noreturn)) void mode_spy_stale(const struct hc_identity *id);
__attribute__((noreturn)) void mode_spy_released(const struct hc_identity *id);
__attribute__((noreturn)) void mode_spy_revoked(const struct hc_identity *id);
__attribute__((noreturn)) void mode_spin_cli(const struct hc_identity *id);
__attribute__((noreturn)) void mode_spin_dark(void);
__attribute__((noreturn)) void mode_cpu_state_write(const struct hc_identity *id);
__attribute__((noreturn)) void mode_cpu_state_spy(const struct hc_identity *id);
/* Intercepted instructions and events (docs/guest-stub.md, "Intercept
 * modes"). */
__attribute__((noreturn)) void mode_cr8_mask(const struct hc_identity *id);
__attribute__((noreturn)) void mode_mwait(void);
__attribute__((noreturn)) void mode_cache_flush(void);
__attribute__((noreturn)) void mode_rdpmc(void);
__attribute__((noreturn)) void mode_nmi_probe(const struct hc_identity *id);
__attribute__((noreturn)) void mode_cr0_write(void);
__attribute__((noreturn)) void mode_user_hypercall(void);
__attribute__((noreturn)) void mode_console_flood(const struct hc_identity *id);

#endif
