"""Intercepted instructions and events (issue 12, findings 1, 4 and 5), on
VT-x in Bochs and on AMD-V in QEMU TCG (names ending in _svm). Each
hostile VM is a guest-stub test mode (docs/guest-stub.md, "Intercept
modes") beside a normal VM, alpha, that must keep its heartbeat.

intercept_cr8: cr8a (VM 0) writes CR8 = 15 and cr8b (VM 2) CR8 = 13;
  each reads its own value back after three sleeps on its timer (the
  other ran meanwhile), then halts for good with interrupts off. alpha
  sleeps on its timer between heartbeats, so the machine idles in
  `sti; hlt` while all three are halted: with CR8 written to the
  physical TPR the LAPIC timer is masked and nothing ever wakes it.
intercept_insns: MWAIT and MONITOR raise #UD, RDPMC #GP, WBINVD and INVD
  are stepped over, a hypercall from CPL 3 raises #UD (its text never
  printed), each counted in a hypervisor line; a guest that clears
  CR0.NE is stopped, one that changes its own CR0 bits is not.
intercept_nmi: a host NMI (HC_TEST_NMI: PIT channel 0 through the I/O
  APIC in NMI delivery mode) while the nmi VM spins is taken by the
  hypervisor and never reaches the guest's IDT ("exception 2").
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from test_vmm import PANIC, vm, _svm  # noqa: E402

HEX = r"0x[0-9a-f]+"
# At least three of alpha's heartbeats after a line: the machine goes on.
AFTER = r"(?s:.*)^alpha: heartbeat \d+ (?s:.*)^alpha: heartbeat \d+ (?s:.*)^alpha: heartbeat \d+ "

TESTS = [
    dict(name="intercept_cr8", bed="bochs", esp="build/esp",
         doc="CR8 is per VM: two VMs write 15 and 13 to CR8, read their "
             "own values back across sleeps and halt; the machine keeps "
             "waking for the third VM's timer",
         cfg_text=vm("cr8a", 1, "cr8_mask") + vm("alpha", 2) +
         vm("cr8b", 3, "cr8_mask"),
         expect=[r"^cr8a: cr8: wrote it and read 15$",
                 r"^cr8a: cr8: after the last sleep read 15$",
                 r"^cr8b: cr8: wrote it and read 13$",
                 r"^cr8b: cr8: after the last sleep read 13$",
                 r"^cr8a: cr8: halting with CR8=15$" + AFTER,
                 r"^cr8b: cr8: halting with CR8=13$" + AFTER],
         fail=[PANIC, r"WRONG", r"stopped"],
         timeout=150),

    dict(name="intercept_insns", bed="bochs", esp="build/esp",
         doc="MONITOR/MWAIT #UD, RDPMC #GP, WBINVD/INVD stepped over, a "
             "CPL 3 hypercall #UD, each counted; clearing CR0.NE stops "
             "the VM, changing CR0.AM/MP/WP/TS does not",
         cfg_text=(vm("alpha", 1) + vm("mwait", 2, "mwait") +
                   vm("flush", 3, "cache_flush") + vm("pmc", 4, "rdpmc") +
                   vm("user", 5, "user_hypercall") +
                   vm("cr0", 6, "cr0_write")),
         expect=[r"^mwait: MWAIT: ok$", r"^mwait: MONITOR: ok$",
                 r"^\[vm\] mwait: MWAIT at RIP %s refused with #UD; 1 so far$" % HEX,
                 r"^\[vm\] mwait: MONITOR at RIP %s refused with #UD; 2 so far$" % HEX,
                 r"^flush: WBINVD: ok$", r"^flush: INVD: ok$",
                 r"^\[vm\] flush: WBINVD at RIP %s stepped over; 1 so far$" % HEX,
                 r"^\[vm\] flush: INVD at RIP %s stepped over; 2 so far$" % HEX,
                 r"^pmc: RDPMC: ok$",
                 r"^\[vm\] pmc: RDPMC at RIP %s refused with #GP\(0\); 1 so far$" % HEX,
                 r"^user: user_hypercall: ok: refused with #UD at CPL 3$",
                 r"^\[hc\] user: hypercall at CPL 3, RIP %s refused with #UD; 1 so far$" % HEX,
                 r"^cr0: cr0: guest bits ok \(entry 0x80010031\); clearing NE$",
                 r"^\[vm\] cr0 stopped: unexpected exit \((VT-x reason 28|AMD-V reason 16),",
                 r"^alpha: heartbeat 8 "],
         fail=[PANIC, r"WRONG", r"STILL RUNNING", r"came from CPL 3",
               r"^\[vm\] (alpha|mwait|flush|pmc|user) stopped"],
         timeout=200),

    dict(name="intercept_nmi", bed="bochs", esp="build/esp",
         doc="host NMIs that arrive while a guest spins are taken by the "
             "hypervisor; none reaches the guest's IDT",
         cfg_text=vm("alpha", 1) + vm("nmi", 2, "nmi_probe"),
         expect=[r"^nmi: nmi_probe: round 3: no NMI reached the guest$",
                 r"^nmi: nmi_probe: done$",
                 r"^\[nmi\] nmi: a host NMI arrived while it ran; the host "
                 r"took it \(1 for it, \d+ in all\)$",
                 r"^alpha: heartbeat 8 "],
         # "refused" anywhere but in the statistics table, whose
         # per-VM lines are all "refused NAME: ..." (a slow run prints
         # one before the probe is done).
         fail=[PANIC, r"exception 2 ", r"^(?!\[stats\] refused \S+: ).*refused",
               r"stopped"],
         timeout=150),
]



def _svm_quirks(t):
    # QEMU 7.2's TCG exits on INVD with WBINVD's exit code (0x89).
    t["expect"] = [e.replace(r"flush: INVD at", r"flush: (INVD|WBINVD) at")
                   for e in t["expect"]]
    return t


TESTS += [_svm_quirks(_svm(t)) for t in TESTS]
