"""System tests of a Linux VM (issue 14, docs/linux.md): Debian 12's own
kernel and the initramfs `make` builds boot beside a guest-stub, to
guest-linux/init, whose one line carries values the
guest computed: the kernel release (it must be the one built into
build/guest-linux/*/release), MemTotal (plausible for the VM's
memory_mib) and /proc/cmdline (it must hold the config's cmdline). The
guest-stub keeps its heartbeat throughout. Then each way the Linux VM
ends stops that VM alone, with the line vmm/vm_end.c or exit.c prints,
while the guest-stub goes on: poweroff (ACPI S5), halt, reboot, a kernel
panic, and a triple fault (reboot=t: Linux loads an empty IDT and
executes INT3). A kernel and initramfs that are not the project's own
boot too: an initramfs built here, at test time, with its own /init,
and Debian's kernel under another path on the ESP.

Each runs on AMD-V in QEMU TCG (names ending _svm); on VT-x in Bochs,
which costs minutes per Linux boot, only poweroff, panic and the two-VM
test (whose second VM reboots) run.

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
# Linux's own triple-fault restart [arch/x86/kernel/reboot.c, BOOT_TRIPLE].
TRIPLE = "reboot=t "
REBOOTED = (r"^\[vm\] lx1 stopped: rebooted \(a reset request through port "
            r"0x64 at RIP 0x[0-9a-f]+\)$")


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
POWERED_OFF = (r"^\[vm\] lx1 stopped: powered off \(ACPI S5: SLP_EN written "
               r"to PM1a_CNT, port 0x604, at RIP 0x[0-9a-f]+\)$")
SKIP = None if release() else "no build/guest-linux/*/release: run make first"

def _ending(mode, doc, kernel_line, stop, extra="", name=None, fail=FAIL):
    """A QEMU test of one way the VM ends: init's line, then Linux's own
    last line, then the hypervisor's stop line, and the stub beating on."""
    return dict(name=name or f"linux_init_{mode}_svm", bed="qemu",
                accel="tcg", esp="build/esp", cfg_text=cfg(mode, extra),
                skip=SKIP, doc=doc,
                expect=[init_line(mode, extra),
                        r"^lx1: \[ *[\d.]+\] %s$" % re.escape(kernel_line)],
                stop=stop + STUB_AFTER, halt=None, fail=fail, timeout=300)


_SVM = [
    dict(name="linux_init_poweroff_svm", bed="qemu", accel="tcg",
         esp="build/esp", cfg_text=cfg("poweroff", EXTRA), skip=SKIP,
         doc="Debian's kernel boots to init on AMD-V beside a guest-stub "
             "with its local APIC in xAPIC mode (nox2apic: it leaves x2APIC "
             "through the disabled state, then uses the emulated page); "
             "init's values are right; Linux finds ACPI S5 in the DSDT, and "
             "poweroff -f writes it to PM1a_CNT, which stops the VM alone",
         expect=[init_line("poweroff", EXTRA),
                 r"^lx1: \[ *[\d.]+\] x2apic disabled$",
                 r"^lx1: \[ *[\d.]+\] ACPI: PM: \(supports S0 S5\)$",
                 r"^stub: up mac=02:00:00:00:00:02 ip=192\.168\.77\.12$",
                 r"^lx1: \[ *[\d.]+\] Run /init as init process$",
                 r"^lx1: \[ *[\d.]+\] reboot: Power down$"],
         stop=POWERED_OFF + STUB_AFTER,
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

    _ending("halt", "halt -f: Linux stops its CPU with HLT and interrupts "
            "off; the hypervisor says 'halted', not 'powered off'",
            "reboot: System halted",
            r"^\[vm\] lx1 stopped: halted \(HLT with interrupts off at "
            r"RIP 0x[0-9a-f]+\)$", fail=FAIL + [r"powered off"]),

    _ending("reboot", "reboot -f: reboot=k pulses the reset line through "
            "port 0x64, a cold reset (no warm flag): 'rebooted'",
            "reboot: Restarting system", REBOOTED,
            fail=FAIL + [r"kernel panic"]),

    _ending("reboot", "a triple fault: reboot=t (after the fixed reboot=k, "
            "so it wins) has Linux restart by loading an empty IDT and "
            "executing INT3; the exception cannot be delivered, nor the "
            "double fault: the hypervisor stops that VM alone",
            "reboot: Restarting system",
            r"^\[vm\] lx1 stopped: triple fault at RIP 0x[0-9a-f]+[^\n]*$",
            extra=TRIPLE, name="linux_init_triple_svm",
            fail=[f for f in FAIL if f != r"triple fault"]),
]


def cfg_two(extra=""):
    """Two Linux VMs (lx1 beats, lx2 reboots) and one guest-stub."""
    lx2 = ("[vm lx2]\nmac = 02:00:00:00:00:03\nipv4 = 192.168.77.13/24\n"
           f"memory_mib = {MEMORY_MIB}\n"
           "kernel = linux/vmlinuz\ninitrd = linux/initrd.img\n"
           "cmdline = flipvisor.test=reboot\n")
    one = cfg("heartbeat", extra)
    return one.replace("[vm stub]", lx2 + "[vm stub]")


_SVM.append(
    dict(name="linux_two_vms_svm", bed="qemu", accel="tcg",
         esp="build/esp", cfg_text=cfg_two(), skip=SKIP,
         doc="two Linux VMs and a guest-stub side by side: lx2 reaches init "
             "and reboots (the reset request), which stops it alone; lx1 "
             "goes on beating, the guest-stub too",
         # The two inits print at the same moment: their wrapped pieces
         # interleave, which wrapped() allows.
         expect=[init_line("heartbeat"),
                 "^lx2: " + wrapped("lx2", "flipvisor-linux: init up kernel=" +
                                    (release() or "?")),
                 REBOOTED.replace("lx1", "lx2"),
                 r"(?s:\[vm\] lx2 stopped.*)^lx1: flipvisor-linux: heartbeat \d+$",
                 r"(?s:\[vm\] lx2 stopped.*)^stub: heartbeat \d+ "],
         fail=FAIL + [r"lx1 stopped"], timeout=400))


# --- a kernel and an initramfs that are not the project's own boot ------
# The initramfs is built here, at test time, by tools/mkinitramfs.py's
# build() around this /init and left uncompressed (a plain newc cpio,
# which the kernel takes as it is); the kernel is Debian's, put under
# another path. /init reads a number from the command line and prints a
# value only the guest computes from it, then powers off.
OWN_N = 1234
OWN_INIT = b"""#!/bin/sh
/bin/busybox mount -t proc proc /proc
for w in $(/bin/busybox cat /proc/cmdline); do
\tcase $w in own.n=*) n=${w#own.n=} ;; esac
done
echo "own-init: n=$n f=$((n * n + 7)) pid=$$"
exec /bin/busybox poweroff -f
"""


def _own_files():
    """The test's ESP additions, or {} before a build."""
    d = os.path.join(ROOT, "build", "esp", "linux")
    busybox = sorted(glob.glob(os.path.join(ROOT, "build", "guest-linux",
                                            "*", "busybox")))
    if not busybox or not os.path.exists(os.path.join(d, "vmlinuz")):
        return {}
    import importlib.util
    spec = importlib.util.spec_from_file_location(
        "mkinitramfs", os.path.join(ROOT, "tools", "mkinitramfs.py"))
    mk = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mk)
    with open(busybox[0], "rb") as f, \
            open(os.path.join(d, "vmlinuz"), "rb") as k:
        return {"other/bzImage": k.read(),
                "other/own-initramfs.cpio": mk.build(f.read(), OWN_INIT)}


_SVM.append(
    dict(name="linux_own_initramfs_svm", bed="qemu", accel="tcg",
         esp="build/esp", files=_own_files(), skip=SKIP,
         cfg_text=cfg("x").replace("linux/vmlinuz", "other/bzImage")
                           .replace("linux/initrd.img",
                                    "other/own-initramfs.cpio")
                           .replace("flipvisor.test=x", f"own.n={OWN_N}"),
         doc="the config names a kernel and an initramfs of its own (an "
             "uncompressed cpio built by the test, its /init not ours): "
             "it boots, /init prints what it computed from the command "
             "line, and its poweroff stops the VM alone",
         expect=[r"^\[vm\] lx1: Linux [^\n]*command line \"[^\n]* own\.n=%d\"$"
                 % OWN_N,
                 r"^lx1: own-init: n=%d f=%d pid=1$" % (OWN_N, OWN_N ** 2 + 7)],
         stop=POWERED_OFF + STUB_AFTER,
         halt=None, fail=FAIL + [r"flipvisor-linux"], timeout=300))


def _bochs(t):
    """The same test on VT-x in Bochs, which emulates every instruction:
    about 100 s of wall time to init."""
    return dict(t, name=t["name"][:-len("_svm")], bed="bochs",
                doc=t["doc"] + " [VT-x, Bochs]", timeout=900,
                bochsrc_lines=["megs: 1024"])


# Each Linux boot costs minutes on Bochs: it runs poweroff, panic and the
# two-VM test, which also shows the heartbeat and a reboot. The other
# endings and the foreign kernel run on QEMU only, to keep make test's
# time down.
ON_BOCHS = ("linux_init_poweroff_svm", "linux_init_panic_svm",
            "linux_two_vms_svm")
TESTS = [_bochs(t) for t in _SVM if t["name"] in ON_BOCHS] + _SVM
