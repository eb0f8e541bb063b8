"""System tests of a Linux VM (issue 14, docs/linux.md): Debian 12's own
kernel and the initramfs `make` builds boot beside a guest-stub, to
guest-linux/init, whose one line carries values the
guest computed: the kernel release (it must be the one built into
build/guest-linux/*/release), MemTotal (plausible for the VM's
memory_mib) and /proc/cmdline (it must hold the config's cmdline). The
guest-stub keeps its heartbeat throughout. Then each way the Linux VM
ends (flipvisor.test=poweroff, =panic) stops that VM alone, with the line
vmm/vm_end.c prints, while the guest-stub goes on.

Each runs on VT-x in Bochs and on AMD-V in QEMU TCG (names ending _svm).

The hypervisor's virtual UART wraps long guest lines, each piece
prefixed "lx1: ", so the init line is matched with wrapped().
"""

import glob
import os
import re

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PANIC = r"\[panic\]|EXCEPTION"
MEMORY_MIB = 256
# Linux keeps its kernel image, page structures and reserved ranges out
# of MemTotal: 256 MiB gives about 218 MiB (223768 KiB measured). Accept
# 60% to 100% of the VM's RAM.
MEM_KIB_LO, MEM_KIB_HI = MEMORY_MIB * 1024 * 6 // 10, MEMORY_MIB * 1024


def release():
    """The kernel release `make` extracted, or None before a build."""
    for path in sorted(glob.glob(os.path.join(ROOT, "build", "guest-linux",
                                              "*", "release"))):
        with open(path) as f:
            return f.read().strip()
    return None


def int_range_re(lo, hi):
    """A regex matching exactly the decimal integers lo..hi (lo >= 0)."""
    parts = []
    for n in range(len(str(lo)), len(str(hi)) + 1):
        a, b = max(lo, 10 ** (n - 1) if n > 1 else 0), min(hi, 10 ** n - 1)
        if a <= b:
            parts.append(_digits(str(a), str(b)))
    return "(?:%s)" % "|".join(parts)


def _digits(a, b):
    """Regex for the strings of len(a) == len(b) digits from a to b."""
    if len(a) == 1:
        return "[%s-%s]" % (a, b)
    if a[0] == b[0]:
        return a[0] + _digits(a[1:], b[1:])
    n = len(a) - 1
    parts = [a[0] + _digits(a[1:], "9" * n)]
    if int(b[0]) - int(a[0]) > 1:
        parts.append("[%d-%d]" % (int(a[0]) + 1, int(b[0]) - 1) + r"\d" * n)
    parts.append(b[0] + _digits("0" * n, b[1:]))
    return "(?:%s)" % "|".join(parts)


def wrapped(vm_name, text):
    """A regex for 'text' (literal) as the virtual UART prints it: split
    anywhere into lines that each start "VM_NAME: ", with other VMs' and
    the hypervisor's lines allowed between the pieces (each VM's UART
    flushes its own pieces as they fill)."""
    sep = _between(vm_name) + "?"
    return sep.join(re.escape(c) for c in text)


def _between(vm_name):
    """The break between two pieces of one of vm_name's lines: the end
    of a line, any lines not its own, and its own prefix again."""
    name = re.escape(vm_name)
    return "(?:\n(?:(?!%s: )[^\n]*\n)*%s: )" % (name, name)


def wrapped_any(vm_name, chars):
    """A regex for any run of 'chars' (a character-class body) in
    vm_name's output, across its pieces; other VMs' lines in between
    may hold anything, quotes included."""
    return "(?:[%s]|%s)*" % (chars, _between(vm_name))


def cfg(mode, extra=""):
    """One Linux VM (lx1) and one guest-stub (stub)."""
    return ("heap_mib = 32\n"
            "[vm lx1]\nmac = 02:00:00:00:00:01\nipv4 = 192.168.77.11/24\n"
            f"memory_mib = {MEMORY_MIB}\n"
            "kernel = linux/vmlinuz\ninitrd = linux/initrd.img\n"
            f"cmdline = {extra}flipvisor.test={mode}\n"
            "[vm stub]\nmac = 02:00:00:00:00:02\nipv4 = 192.168.77.12/24\n")


# Words the config adds, checked to arrive in /proc/cmdline as given.
# nox2apic: Linux turns x2APIC off (x2APIC -> disabled -> xAPIC) and then
# drives its local APIC through the xAPIC page, every access an emulated
# MOV (vmm/xapic_mmio.c); without it Linux keeps x2APIC (noapic).
EXTRA = "nox2apic flipvisor.marker=xapic-42 "


def init_line(mode, extra=""):
    """The init line, its values checked: this build's kernel release,
    MemTotal in range, the mode, and /proc/cmdline ending with the
    config's own words."""
    rel = release() or "NO-RELEASE-FILE"
    head = wrapped("lx1", f"flipvisor-linux: init up kernel={rel} mem_kib=")
    tail = wrapped("lx1", f" mode={mode} cmdline=\"") + \
        wrapped_any("lx1", r"^\"\n") + \
        wrapped("lx1", f" {extra}flipvisor.test={mode}\"") + "$"
    return ("^lx1: " + head + int_range_re(MEM_KIB_LO, MEM_KIB_HI) +
            wrapped("lx1", " uptime_s=") + r"[\d.]+" + tail)


# What must never happen: a hypervisor panic, or the Linux VM stopped for
# anything the device model should have handled.
FAIL = [PANIC, r"not emulated", r"EPT violation", r"triple fault",
        r"unexpected exit", r"stub stopped"]
# The guest-stub still alive after the Linux VM ended.
STUB_AFTER = r"(?s:.*)^stub: heartbeat \d+ "
SKIP = None if release() else "no build/guest-linux/*/release: run make first"

_SVM = [
    dict(name="linux_init_poweroff_svm", bed="qemu", accel="tcg",
         esp="build/esp", cfg_text=cfg("poweroff", EXTRA), skip=SKIP,
         doc="Debian's kernel boots to init on AMD-V beside a guest-stub "
             "with its local APIC in xAPIC mode (nox2apic: it leaves x2APIC "
             "through the disabled state, then uses the emulated page); "
             "init's values are right; poweroff -f halts the VM (HLT, "
             "interrupts off) and stops it alone",
         expect=[init_line("poweroff", EXTRA),
                 r"^lx1: \[ *[\d.]+\] x2apic disabled$",
                 r"^stub: up mac=02:00:00:00:00:02 ip=192\.168\.77\.12$",
                 r"^lx1: \[ *[\d.]+\] Run /init as init process$",
                 r"^lx1: \[ *[\d.]+\] reboot: System halted$"],
         stop=r"^\[vm\] lx1 stopped: halted \(HLT with interrupts off at "
              r"RIP 0x[0-9a-f]+\)$" + STUB_AFTER,
         halt=None, fail=FAIL, timeout=300),

    dict(name="linux_init_panic_svm", bed="qemu", accel="tcg",
         esp="build/esp", cfg_text=cfg("panic"), skip=SKIP,
         doc="in x2APIC mode (the default), a kernel panic (sysrq c) with "
             "panic=-1 resets at once, "
             "marked warm: the hypervisor stops that VM with 'kernel "
             "panic', and the guest-stub carries on",
         expect=[init_line("panic"),
                 r"^lx1: \[ *[\d.]+\] Kernel panic - not syncing: sysrq "
                 r"triggered crash$"],
         stop=r"^\[vm\] lx1 stopped: kernel panic \(a warm reset request at "
              r"RIP 0x[0-9a-f]+\)$" + STUB_AFTER,
         halt=None, fail=FAIL, timeout=300),

    dict(name="linux_heartbeat_svm", bed="qemu", accel="tcg",
         esp="build/esp", cfg_text=cfg("heartbeat"), skip=SKIP,
         doc="init's `sleep 1` loop: each second ends on the local APIC's "
             "TSC-deadline timer, each line goes out through the UART's "
             "interrupt (IRQ 4, the 8259, LINT0 as ExtINT)",
         expect=[init_line("heartbeat"),
                 r"^lx1: flipvisor-linux: heartbeat 3$",
                 r"^stub: heartbeat \d+ "],
         stop=r"^lx1: flipvisor-linux: heartbeat 3$",
         fail=FAIL + [r"lx1 stopped"], timeout=300),
]


def cfg_two(extra=""):
    """Two Linux VMs (lx1 beats, lx2 powers off) and one guest-stub."""
    lx2 = ("[vm lx2]\nmac = 02:00:00:00:00:03\nipv4 = 192.168.77.13/24\n"
           f"memory_mib = {MEMORY_MIB}\n"
           "kernel = linux/vmlinuz\ninitrd = linux/initrd.img\n"
           "cmdline = flipvisor.test=poweroff\n")
    one = cfg("heartbeat", extra)
    return one.replace("[vm stub]", lx2 + "[vm stub]")


_SVM.append(
    dict(name="linux_two_vms_svm", bed="qemu", accel="tcg",
         esp="build/esp", cfg_text=cfg_two(), skip=SKIP,
         doc="two Linux VMs and a guest-stub side by side: lx2 reaches init "
             "and powers off, which stops it alone; lx1 goes on beating, "
             "the guest-stub too",
         # The two inits print at the same moment: their wrapped pieces
         # interleave, which wrapped() allows.
         expect=[init_line("heartbeat"),
                 "^lx2: " + wrapped("lx2", "flipvisor-linux: init up kernel=" +
                                    (release() or "?")),
                 r"^\[vm\] lx2 stopped: halted \(HLT with interrupts off",
                 r"(?s:\[vm\] lx2 stopped.*)^lx1: flipvisor-linux: heartbeat \d+$",
                 r"(?s:\[vm\] lx2 stopped.*)^stub: heartbeat \d+ "],
         fail=FAIL + [r"lx1 stopped"], timeout=400))


def _bochs(t):
    """The same test on VT-x in Bochs, which emulates every instruction:
    about 100 s of wall time to init."""
    return dict(t, name=t["name"][:-len("_svm")], bed="bochs",
                doc=t["doc"] + " [VT-x, Bochs]", timeout=900,
                bochsrc_lines=["megs: 1024"])


# On Bochs the two-VM test also shows the heartbeat: the single-VM
# heartbeat test runs on QEMU only, to keep make test's time down.
TESTS = [_bochs(t) for t in _SVM if t["name"] != "linux_heartbeat_svm"] + _SVM
