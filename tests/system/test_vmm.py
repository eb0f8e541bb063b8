"""System tests of the VMM core, on VT-x in Bochs and on AMD-V in QEMU TCG
(-cpu max; names ending in _svm): several guest-stub VMs side by side,
misbehaving guests stopped or refused while the others carry on, virtual
interrupts counted exactly once, and preemption of guests that never
halt (the VMX preemption timer on VT-x, the LAPIC timer on AMD-V).

Guest lines on the serial port are prefixed with the VM's name by the
hypervisor's virtual UART, so "alpha: up ..." can only come from alpha.
"""

PANIC = r"\[panic\]|EXCEPTION"


def vm(name, n, mode=None):
    """A [vm NAME] section with MAC 02:00:00:00:00:0n, IP 192.168.77.1n."""
    text = (f"[vm {name}]\nmac = 02:00:00:00:00:{n:02x}\n"
            f"ipv4 = 192.168.77.{10 + n}/24\n")
    return text + (f"test_mode = {mode}\n" if mode else "")


TESTS = [
    dict(name="vmm_three_vms", bed="bochs", esp="build/esp",
         doc="the default flipvisor.cfg starts three VMs; each reports its "
             "own MAC and IP, keeps a heartbeat, and counts the one "
             "virtual interrupt it asked for exactly once",
         expect=[r"^alpha: up mac=02:00:00:00:00:01 ip=192\.168\.77\.11$",
                 r"^beta: up mac=02:00:00:00:00:02 ip=192\.168\.77\.12$",
                 r"^gamma: up mac=02:00:00:00:00:03 ip=192\.168\.77\.13$",
                 r"^\[test\] alpha: irq_count=1$",
                 r"^\[test\] beta: irq_count=1$",
                 r"^\[test\] gamma: irq_count=1$",
                 r"^alpha: heartbeat 5 ",
                 r"^beta: heartbeat 5 ",
                 r"^gamma: heartbeat 5 "],
         fail=[PANIC, r"irq_count=(0|[2-9]|\d\d)", r"irqs=[02-9]",
               r"stopped", r"refused hypercall"],
         timeout=150),

    dict(name="vmm_misbehaving_guests", bed="bochs", esp="build/esp",
         doc="a wild write outside guest RAM and a triple fault each stop "
             "just that VM with one line; a flood of garbage hypercalls is "
             "refused and counted; two good VMs keep their heartbeats",
         cfg_text=(vm("good1", 1) + vm("wild", 2, "bad_memory") +
                   vm("tf", 3, "triple_fault") +
                   vm("flood", 4, "hypercall_flood") + vm("good2", 5)),
         expect=[r"^\[vm\] wild stopped: EPT violation at GPA 0x40000000 \(w\)",
                 r"^\[vm\] tf stopped: triple fault at RIP 0x",
                 r"^\[hc\] flood: refused hypercall .* 1024 refused so far",
                 r"^flood: garbage calls \d+ all refused",
                 r"^good1: heartbeat 8 irqs=1",
                 r"^good2: heartbeat 8 irqs=1"],
         fail=[PANIC, r"still running after", r"garbage call accepted",
               r"good\d stopped", r"flood stopped"],
         timeout=200),

    dict(name="vmm_preemption", bed="bochs", esp="build/esp",
         doc="two VMs that never halt both make progress beside a third "
             "that never exits at all: only the hypervisor's timer takes "
             "the CPU back from it",
         cfg_text=(vm("spin1", 1, "spin") + vm("dark", 3, "spin_dark") +
                   vm("spin2", 2, "spin")),
         expect=[r"^dark: going dark: no exit from here on$",
                 r"^spin1: progress 6$", r"^spin2: progress 6$",
                 r"^\[test\] spin1: progress=6$",
                 r"^\[test\] spin2: progress=6$"],
         fail=[PANIC, r"stopped"],
         timeout=150),

    dict(name="vmm_fpu_isolation", bed="bochs", esp="build/esp",
         doc="two never-halting VMs keep different values in SSE registers "
             "across 1 ms preemptions: x87/SSE state is switched between "
             "VMs, so neither sees the other's",
         cfg_text=("timeslice_us = 1000\n" + vm("fpu1", 1, "fpu_probe") +
                   vm("fpu2", 2, "fpu_probe")),
         expect=[r"^fpu1: fpu ok 6$", r"^fpu2: fpu ok 6$"],
         fail=[PANIC, r"stopped", r"CORRUPTED"],
         timeout=150),

    dict(name="vmm_cpu_state_isolation", bed="bochs", esp="build/esp",
         doc="a writer VM sets DR0-DR3, DR6, DR7, CR2, FS/GS base, "
             "KERNEL_GS_BASE (by SWAPGS), STAR, LSTAR, CSTAR and FMASK to "
             "markers; a spy VM started after it finds the entry values "
             "there, not the writer's, then sets its own; each keeps its "
             "own across the other's turns. WRMSR of TSC_AUX is refused, "
             "XGETBV is #UD, RDPID (if any) reads 0",
         cfg_text=(vm("cswrite", 1, "cpu_state_write") +
                   vm("csspy", 2, "cpu_state_spy")),
         expect=[r"^cswrite: cpu_state: markers set; WRMSR TSC_AUX vector "
                 r"13, XGETBV vector 6$",
                 r"^csspy: cpu_state: first look clean$",
                 r"^csspy: cpu_state: RDPID (vector 6|TSC_AUX 0)$",
                 r"^cswrite: cpu_state kept 6$",
                 r"^csspy: cpu_state kept 6$"],
         fail=[PANIC, r"stopped", r"SAW|LOST|REFUSED", r"exception \d+"],
         timeout=150),
]


def _svm(t):
    """The same test on the AMD-V bed; the boot report must name it."""
    return dict(t, name=t["name"] + "_svm", bed="qemu", accel="tcg",
                expect=[r"^\[virt\] vendor path: AMD-V"] + t["expect"],
                doc=t["doc"] + " [AMD-V, QEMU TCG]")


TESTS += [_svm(t) for t in TESTS]
