#!/usr/bin/env python3
"""Boot flipvisor in an emulator and judge the run by its serial output.

Two beds:

  bochs  Bochs 2.7: emulates VT-x with EPT/VPID/unrestricted guest, so it is
         the bed for everything VMX. OVMF.fd (2 MiB image), an e1000 in PCI
         slot 1, the ESP served as a vvfat disk, COM1 to a file.
  qemu   QEMU 7.2 q35 + OVMF 4M split images. TCG has no VT-x, but with
         `-cpu max` it emulates AMD-V with nested paging (no NRIP save, no
         decode assists): the AMD-V bed. With KVM on an Intel host (nested
         VMX) it runs with `-cpu host`.
         Boot media: the ESP as a vvfat disk (default), a raw FAT image on
         a USB stick (xHCI + usb-storage), or PXE (iPXE's efi-e1000 ROM
         fetching BOOTX64.EFI over QEMU's built-in TFTP).

Every run gets a fresh private working directory holding a copy of the boot
media (the emulators may write into what they serve, and a test may swap in
its own flipvisor.cfg), the emulator's configuration, logs and the serial
log. The emulator runs in its own session/process group and that group is
always killed when the run ends, whichever way it ends.

Library use:

    import emu
    r = emu.run("bochs", esp="build/esp", expect=[r"^flipvisor \\S+ booting"],
                fail=[r"\\[panic\\]"], stop=r"^flipvisor: halted", timeout=150)
    r.ok, r.reason, r.serial_text, r.elapsed

With a wire: netns=True runs the emulator inside a private network
namespace (tools/netns.py) with the e1000 on a TAP device there (Bochs:
ethmod=tuntap; QEMU: -netdev tap, ifname=the namespace's TAP name), brings
the TAP up with tap_addr once the emulator has made it, and, once the serial output
matches 'ready', calls during(net) with a handle for talking to the NIC
from that namespace. The run passes only if during() returns (its value
lands in Result.during_result) and the expects match; an exception from it
fails the run. The namespace, the TAP and every process in it are gone
when run() returns.

    def during(net):                 # net: NetHandle
        rc, out = net.exec(["ping", "-c", "3", "192.168.77.11"], timeout=10)
        s = net.socket()             # AF_PACKET raw socket, in the namespace
        s.bind((net.tap, 0))
        assert net.wait_serial(r"\[e1000\] rx len=", timeout=20)
    r = emu.run("bochs", netns=True, ready=r"selftest: listening",
                during=during, expect=[...], timeout=300)

CLI: python3 tools/emu.py bochs|qemu [--esp DIR|--usb IMG|--pxe DIR] [--kvm]
     [--expect RE]... [--fail RE]... [--stop RE] [--timeout S] [--live]
     [--halt RE] [--cfg FILE] [--keep] [--log PATH] [--netns [--tap-addr A/N]]
"""

import argparse
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import netns as netns_mod  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_ESP = os.path.join(ROOT, "build", "esp")

OVMF_BOCHS = "/usr/share/qemu/OVMF.fd"            # 2 MiB combined image
OVMF_CODE = "/usr/share/OVMF/OVMF_CODE_4M.fd"
OVMF_VARS = "/usr/share/OVMF/OVMF_VARS_4M.fd"
BOCHS_VGABIOS = "/usr/share/bochs/VGABIOS-lgpl-latest"
BOCHS_PLUGINS = "/usr/lib/x86_64-linux-gnu/bochs/plugins"

# The emulated machine's RAM. QEMU's has room for two 256 MiB Linux VMs
# beside guest-stubs and the hypervisor (docs/linux.md); a Bochs test
# that needs as much asks with bochsrc_lines=["megs: 1024"].
QEMU_MEM = "1G"
BOCHS_MEGS = 512           # a test may ask for more (bochsrc_lines)

POLL_S = 0.2          # how often the serial log is read
GRACE_S = 3.0         # between the polite signal and SIGKILL

BEDS = ("bochs", "qemu")

NIC_MAC = "52:54:00:12:34:56"     # the e1000's MAC in every bochsrc
TAP_ADDR = netns_mod.DEFAULT_ADDR # the namespace's side of the wire

# CSI / OSC escape sequences OVMF's serial console emits (clear screen,
# cursor moves, "ESC[=3h" mode sets). Stripped before matching.
_ANSI = re.compile(rb"\x1b(?:\[[0-9;=?]*[A-Za-z]|\][^\x07]*\x07|[()][A-Za-z0-9]|[A-Za-z=>])")
# For the live echo: the same minus SGR (colours), which a terminal shows
# fine; clear-screen and cursor moves would wipe what was printed before.
_ANSI_NOT_SGR = re.compile(rb"\x1b(?:\[[0-9;=?]*[A-Za-ln-z]|\][^\x07]*\x07|[()][A-Za-z0-9]|[A-Za-z=>])")


@dataclass
class Result:
    ok: bool
    reason: str
    serial_text: str          # serial log, escape codes stripped, "\n" line ends
    elapsed: float            # seconds from emulator start to the verdict
    bed: str = ""             # "bochs", "qemu-tcg", "qemu-kvm"
    matched_at: dict = field(default_factory=dict)   # pattern -> seconds
    exit_status: object = None   # emulator exit status if it exited by itself
    workdir: str = None          # set when the workdir was kept
    during_result: object = None # what during() returned (netns runs)

    def __bool__(self):
        return self.ok


class Interrupted(KeyboardInterrupt):
    """Raised inside run() when SIGTERM/SIGHUP arrives (SIGINT raises the
    ordinary KeyboardInterrupt); the emulator is killed on the way out."""


# --------------------------------------------------------------------------
# host capability detection

KVM_CREATE_VM = 0xAE01      # _IO(KVMIO, 0x01) [linux/kvm.h]


def kvm_status():
    """(usable, why): QEMU with KVM can run flipvisor only if the host CPU
    has VT-x (vmx) or AMD-V (svm), the KVM module passes it on to guests
    (nested=Y, needed when we are a guest ourselves and harmless on bare
    metal, where it is the default), and /dev/kvm creates a VM."""
    try:
        with open("/proc/cpuinfo") as f:
            flags = set()
            for line in f:
                if line.startswith("flags"):
                    flags.update(line.split(":", 1)[1].split())
    except OSError as e:
        return False, "cannot read /proc/cpuinfo: %s" % e
    ext = "vmx" if "vmx" in flags else "svm" if "svm" in flags else None
    if not ext:
        return False, "host CPU has neither vmx nor svm in /proc/cpuinfo"
    module = "kvm_intel" if ext == "vmx" else "kvm_amd"
    try:
        with open("/sys/module/%s/parameters/nested" % module) as f:
            nested = f.read().strip()
    except OSError:
        return False, "host CPU has %s but %s is not loaded" % (ext, module)
    if nested not in ("Y", "1"):
        return False, "%s nested=%s: KVM does not pass %s on to guests" % (module, nested, ext)
    try:
        fd = os.open("/dev/kvm", os.O_RDWR | os.O_CLOEXEC)
    except OSError as e:
        return False, "/dev/kvm does not open read-write (%s)" % e.strerror
    try:
        import fcntl
        vm = fcntl.ioctl(fd, KVM_CREATE_VM, 0)
        os.close(vm)
    except OSError as e:
        return False, "/dev/kvm cannot create a VM (%s)" % e.strerror
    finally:
        os.close(fd)
    return True, "host CPU has %s, %s nested=%s, /dev/kvm creates VMs" % (ext, module, nested)


def kvm_usable():
    return kvm_status()[0]


def bochs_display():
    """Bochs display library: 'term' (Debian package bochs-term) when its
    plugin is installed, else 'rfb' with no wait for a viewer (it listens on
    a TCP port from 5900 up, otherwise harmless)."""
    if os.path.exists(os.path.join(BOCHS_PLUGINS, "libbx_term_gui.so")):
        return "term"
    return 'rfb, options="timeout=0"'


# --------------------------------------------------------------------------
# emulator configurations

def bochsrc_text(workdir, disk_dir, serial, bochsrc_lines=()):
    lines = [
        "megs: %d" % BOCHS_MEGS,
        "cpu: model=corei7_skylake_x, count=1, ips=200000000, reset_on_triple_fault=0",
        "romimage: file=%s, address=0xffe00000" % OVMF_BOCHS,
        "vgaromimage: file=%s" % BOCHS_VGABIOS,
        "display_library: %s" % bochs_display(),
        "pci: enabled=1, chipset=i440fx, slot1=e1000",
        "ata0: enabled=1, ioaddr1=0x1f0, ioaddr2=0x3f0, irq=14",
        "ata0-master: type=disk, path=%s, mode=vvfat, journal=%s.redolog" % (disk_dir, disk_dir),
        "boot: disk",
        "com1: enabled=1, mode=file, dev=%s" % serial,
        # slot1=e1000 needs the device section; 'null' is a NIC with no
        # wire (tests that need one pass an ethmod=tuntap line instead).
        "e1000: enabled=1, mac=%s, ethmod=null, ethdev=%s" % (NIC_MAC, os.path.join(workdir, "eth")),
        "sound: driver=dummy",
        "clock: sync=none, time0=946684800",
        "log: %s" % os.path.join(workdir, "bochs.log"),
        "panic: action=fatal",
        "error: action=report",
    ]
    # Caller lines replace the line with the same key, or are appended.
    for extra in bochsrc_lines:
        key = extra.split(":", 1)[0].strip()
        for i, line in enumerate(lines):
            if line.split(":", 1)[0].strip() == key:
                lines[i] = extra
                break
        else:
            lines.append(extra)
    return "\n".join(lines) + "\n"


def qemu_argv(workdir, serial, accel, esp=None, usb=None, pxe=None, qemu_args=(),
              tap=None):
    vars_copy = os.path.join(workdir, "OVMF_VARS_4M.fd")
    shutil.copyfile(OVMF_VARS, vars_copy)
    argv = ["qemu-system-x86_64", "-machine", "q35", "-m", QEMU_MEM]
    if accel == "kvm":
        argv += ["-accel", "kvm", "-cpu", "host"]
    else:
        argv += ["-accel", "tcg", "-cpu", "max"]
    argv += [
        "-drive", "if=pflash,format=raw,unit=0,file=%s,readonly=on" % OVMF_CODE,
        "-drive", "if=pflash,format=raw,unit=1,file=%s" % vars_copy,
        "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04",
        "-display", "none", "-monitor", "none", "-parallel", "none",
        "-serial", "file:%s" % serial,
        "-no-reboot",
    ]
    if usb:
        argv += ["-device", "qemu-xhci,id=xhci",
                 "-drive", "if=none,id=stick,format=raw,file=%s" % usb,
                 "-device", "usb-storage,bus=xhci.0,drive=stick,bootindex=0"]
    elif pxe:
        argv += ["-netdev", "user,id=n0,tftp=%s,bootfile=BOOTX64.EFI" % pxe,
                 "-device", "e1000,netdev=n0,mac=52:54:00:12:34:56,bootindex=0"]
    else:
        argv += ["-drive", "format=raw,file=fat:rw:%s" % esp]
    if tap:
        # QEMU makes the TAP itself, in the namespace it runs in. No boot
        # ROM: the e1000 is the hypervisor's, not the firmware's.
        argv += ["-netdev", "tap,id=n1,ifname=%s,script=no,downscript=no" % tap,
                 "-device", "e1000,netdev=n1,mac=%s,romfile=" % NIC_MAC]
    elif not pxe:
        argv += ["-nic", "none"]   # no default NIC, so no stray PXE attempts
    argv += list(qemu_args)
    return argv


# --------------------------------------------------------------------------
# process handling

def _exited(pid):
    """True once the child has exited; it stays a zombie (not reaped), so
    its process group id cannot be reused while we still signal it."""
    try:
        info = os.waitid(os.P_PID, pid, os.WEXITED | os.WNOHANG | os.WNOWAIT)
    except ChildProcessError:
        return True
    return info is not None


def _killpg(pgid, sig):
    try:
        os.killpg(pgid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def stop_emulator(proc, bed):
    """Stop an emulator started with start_new_session=True: the polite
    signal to its process group (Bochs ignores SIGTERM, it takes SIGHUP;
    QEMU takes SIGTERM), SIGKILL after a grace period, and a final SIGKILL
    sweep of the group before the leader is reaped."""
    if proc is None:
        return
    pgid = proc.pid      # session leader: pgid == pid
    if not _exited(proc.pid):
        _killpg(pgid, signal.SIGHUP if bed == "bochs" else signal.SIGTERM)
        deadline = time.monotonic() + GRACE_S
        while time.monotonic() < deadline and not _exited(proc.pid):
            time.sleep(0.05)
    _killpg(pgid, signal.SIGKILL)     # leader still unreaped: pgid is ours
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        pass


class _Signals:
    """While a run is under way turn SIGTERM/SIGHUP into an exception (so
    the finally clause kills the emulator); SIGINT already raises
    KeyboardInterrupt. Only possible from the main thread."""
    SIGS = (signal.SIGTERM, signal.SIGHUP)

    def __enter__(self):
        self.old = {}
        if threading.current_thread() is threading.main_thread():
            for s in self.SIGS:
                self.old[s] = signal.signal(s, self._raise)
        return self

    @staticmethod
    def _raise(signum, frame):
        raise Interrupted("signal %d" % signum)

    def __exit__(self, *exc):
        for s, h in self.old.items():
            signal.signal(s, h)
        return False


# --------------------------------------------------------------------------
# the run

VUART_LINE = 120   # vmm/vuart.h: a guest line longer than this is cut into pieces


def unwrap(text, vm):
    """One VM's console lines from serial text, the virtual UART's
    wrapping undone: its "VM: " pieces joined (a piece that fills the line
    continues on the next one), other VMs' lines left out."""
    return "".join(line[len(vm) + 2:] +
                   ("\n" if len(line) - len(vm) - 2 < VUART_LINE else "")
                   for line in text.split("\n") if line.startswith(vm + ": "))


def clean_serial(raw):
    """Serial bytes -> text for matching: escape sequences dropped, CRLF
    and stray CR turned into plain line ends."""
    text = _ANSI.sub(b"", raw).decode("utf-8", "replace")
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _prepare_media(workdir, esp, usb, pxe, cfg_text, files=None):
    """Private copies of the boot media, cfg_text swapped in, files
    ({path below the root: bytes}) added."""
    if usb and files:
        raise ValueError("files= works with esp= and pxe= only")
    if usb:
        if not os.path.isfile(usb):
            raise FileNotFoundError("USB image %s does not exist (make usb)" % usb)
        img = os.path.join(workdir, "usb.img")
        shutil.copyfile(usb, img)
        if cfg_text is not None:
            cfg = os.path.join(workdir, "flipvisor.cfg")
            with open(cfg, "w") as f:
                f.write(cfg_text)
            env = dict(os.environ, MTOOLS_SKIP_CHECK="1")
            subprocess.run(["mcopy", "-o", "-i", img, cfg, "::/flipvisor.cfg"],
                           check=True, env=env, stdout=subprocess.DEVNULL)
        return dict(usb=img)
    src = pxe or esp
    kind = "PXE directory" if pxe else "ESP directory"
    if not os.path.isdir(src):
        raise FileNotFoundError("%s %s does not exist (make%s)" % (kind, src, " pxe" if pxe else ""))
    copy = os.path.join(workdir, "tftp" if pxe else "esp")
    shutil.copytree(src, copy, symlinks=False)
    if cfg_text is not None:
        with open(os.path.join(copy, "flipvisor.cfg"), "w") as f:
            f.write(cfg_text)
    for rel, data in (files or {}).items():
        path = os.path.join(copy, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(data)
    return dict(pxe=copy) if pxe else dict(esp=copy)


def _compile(patterns, what):
    out = []
    for p in patterns or ():
        try:
            out.append((p, re.compile(p, re.MULTILINE)))
        except re.error as e:
            raise ValueError("bad %s regex %r: %s" % (what, p, e))
    return out


def _emulator_note(workdir, bed, status):
    """A short hint from the emulator's own logs for an early exit."""
    hint = ""
    for name in ("bochs.log", "emulator.out"):
        path = os.path.join(workdir, name)
        try:
            with open(path, "rb") as f:
                data = f.read()[-20000:].decode("utf-8", "replace")
        except OSError:
            continue
        m = re.findall(r">>PANIC<<.*", data)
        if m:
            hint = m[-1].strip()
            break
        if name == "emulator.out" and bed != "bochs":
            tail = [l for l in clean_serial(data.encode()).splitlines() if l.strip()]
            if tail:
                hint = tail[-1].strip()
    if bed != "bochs" and isinstance(status, int) and status & 1 and status > 1:
        hint = ("isa-debug-exit value 0x%x" % (status >> 1)) + ("; " + hint if hint else "")
    return hint


class NetHandle:
    """What during() gets in a netns run: the wire's far end.

    ns      the network namespace's name (ip netns exec NS ...)
    tap     the TAP device in it, up, with addr on it
    addr    the namespace's address, e.g. "192.168.77.1/24"
    mac     the e1000's MAC
    netns   the tools/netns.py Netns object
    workdir the run's private working directory (bochs.log is there)
    bed     "bochs" or "qemu": the NIC models differ at the edges
    """

    def __init__(self, ns, serial_path, bed="bochs"):
        self.bed = bed
        self.netns = ns
        self.ns = ns.name
        self.tap = ns.tap
        self.addr = ns.addr
        self.mac = NIC_MAC
        self._serial = serial_path
        self.workdir = os.path.dirname(serial_path)

    def exec(self, argv, timeout=10, input=None):
        """Run argv in the namespace: (returncode, stdout + stderr);
        returncode None when it was killed at the timeout."""
        return self.netns.exec(argv, timeout=timeout, input=input)

    def socket(self, family=socket.AF_PACKET, type=socket.SOCK_RAW, proto=0):
        """A socket created inside the namespace (default: raw frames)."""
        return self.netns.socket(family, type, proto)

    def serial(self):
        """The serial output so far, cleaned as for matching: complete
        lines only, so a line still being printed is never parsed half."""
        try:
            with open(self._serial, "rb") as f:
                data = f.read()
        except FileNotFoundError:
            return ""
        return clean_serial(data[:data.rfind(b"\n") + 1])

    def emulator_log(self):
        """The emulator's own log so far (Bochs: bochs.log), or ""."""
        try:
            with open(os.path.join(self.workdir, "bochs.log"), "rb") as f:
                return f.read().decode("utf-8", "replace")
        except FileNotFoundError:
            return ""

    def wait_serial(self, regex, timeout=30.0, start=0):
        """Wait until regex (re.MULTILINE) matches the serial text from
        offset 'start' on; the match, or None at the timeout."""
        rx = re.compile(regex, re.MULTILINE)
        deadline = time.monotonic() + timeout
        while True:
            m = rx.search(self.serial(), start)
            if m or time.monotonic() >= deadline:
                return m
            time.sleep(POLL_S / 2)


# The three parts of a run: the emulator and its media (Boot), the rules
# that judge its serial output (Rules), and the traffic driven from the
# namespace while it runs (Traffic). run() takes their fields as keywords.

@dataclass
class Boot:
    """What to boot, on which bed, with which wire."""
    bed: str
    esp: str = None
    usb: str = None
    pxe: str = None
    cfg_text: str = None
    files: dict = None      # {path below the media's root: bytes}
    accel: str = "auto"
    bochsrc_lines: tuple = ()
    qemu_args: tuple = ()
    netns: bool = False
    tap_addr: str = TAP_ADDR

    def check(self):
        if self.bed not in BEDS:
            raise ValueError("unknown bed %r (one of %s)" % (self.bed, ", ".join(BEDS)))
        if sum(x is not None for x in (self.esp, self.usb, self.pxe)) > 1:
            raise ValueError("give at most one of esp, usb, pxe")
        if self.bed == "bochs" and (self.usb or self.pxe):
            raise ValueError("the bochs bed boots only an ESP directory")
        if self.esp is None and self.usb is None and self.pxe is None:
            self.esp = DEFAULT_ESP
        if self.netns and self.pxe:
            raise ValueError("netns: PXE has its own e1000 on QEMU's user network")
        if self.bed == "qemu":
            if self.accel == "auto":
                self.accel = "kvm" if kvm_usable() else "tcg"
            if self.accel not in ("kvm", "tcg"):
                raise ValueError("accel must be kvm, tcg or auto")

    @property
    def bed_name(self):
        return "qemu-" + self.accel if self.bed == "qemu" else "bochs"


@dataclass
class Rules:
    """How the serial output is judged (run()'s docstring)."""
    expect: tuple = ()
    fail: tuple = ()
    stop: str = None
    halt: str = None
    timeout: float = 60


@dataclass
class Traffic:
    """What runs from the namespace, and when (run()'s docstring)."""
    ready: str = None
    during: object = None
    during_background: bool = False


@dataclass
class Output:
    """Where the run's output goes."""
    live: bool = False
    out: object = None
    log_path: str = None
    keep: bool = None


class Emulator:
    """A started emulator: its private workdir, its process (own process
    group), its serial log and, for a wire, its namespace. close() stops
    it and removes everything, whichever way the run ended."""

    def __init__(self, boot):
        self.boot = boot
        self.workdir = tempfile.mkdtemp(prefix="flipvisor-%s-" % boot.bed)
        self.serial = os.path.join(self.workdir, "serial.log")
        self.proc = None
        self.ns = None
        self.tap_up = False
        self.pos = 0
        self.start = time.monotonic()

    def launch(self):
        b = self.boot
        lines = list(b.bochsrc_lines)
        if b.netns:
            self.ns = netns_mod.Netns(addr=b.tap_addr, handle_signals=False)
            self.ns.__enter__()
            if b.bed == "bochs":
                lines.insert(0, "e1000: enabled=1, mac=%s, ethmod=tuntap, "
                             "ethdev=/dev/net/tun:%s" % (NIC_MAC, self.ns.tap))
        media = _prepare_media(self.workdir, *(os.path.abspath(m) if m else None
                                               for m in (b.esp, b.usb, b.pxe)),
                               b.cfg_text, b.files)
        env = dict(os.environ)
        if b.bed == "bochs":
            with open(os.path.join(self.workdir, "bochsrc"), "w") as f:
                f.write(bochsrc_text(self.workdir, media["esp"], self.serial, lines))
            with open(os.path.join(self.workdir, "dbg.rc"), "w") as f:
                f.write("c\nquit\n")
            argv = ["bochs", "-q", "-f", "bochsrc", "-rc", "dbg.rc"]
            env["TERM"] = "dumb"
        else:
            argv = qemu_argv(self.workdir, self.serial, b.accel, qemu_args=b.qemu_args,
                             tap=self.ns.tap if self.ns else None, **media)
            env["TMPDIR"] = self.workdir    # vvfat's rw overlay lands here
        if self.ns:
            argv = self.ns.argv(argv)
        with open(os.path.join(self.workdir, "cmdline.txt"), "w") as f:
            f.write(" ".join(argv) + "\n")
        with open(os.path.join(self.workdir, "emulator.out"), "wb") as eout, \
                open(os.devnull, "rb") as devnull:
            self.start = time.monotonic()
            self.proc = subprocess.Popen(argv, cwd=self.workdir, env=env, stdin=devnull,
                                         stdout=eout, stderr=subprocess.STDOUT,
                                         start_new_session=True)

    def now(self):
        return time.monotonic() - self.start

    def exited(self):
        return _exited(self.proc.pid)

    def read(self):
        """The serial bytes written since the last read."""
        try:
            with open(self.serial, "rb") as f:
                f.seek(self.pos)
                chunk = f.read()
        except FileNotFoundError:
            return b""
        self.pos += len(chunk)
        return chunk

    def bring_tap_up(self):
        """Once the emulator has made its TAP: up, with the address.
        True the one time it happens."""
        if not self.ns or self.tap_up or not self.ns.has_link(self.ns.tap):
            return False
        self.ns.link_up(self.ns.tap)
        self.tap_up = True
        return True

    def reap(self):
        """After exited(): kill any child it left, return its status."""
        _killpg(self.proc.pid, signal.SIGKILL)
        return self.proc.wait()

    def close(self, log_path, keep):
        stop_emulator(self.proc, self.boot.bed)
        if self.ns:
            self.ns.close()      # after the emulator: the namespace and the TAP go
        if log_path:
            try:
                os.makedirs(os.path.dirname(os.path.abspath(log_path)), exist_ok=True)
                if os.path.exists(self.serial):
                    shutil.copyfile(self.serial, log_path)
                else:
                    open(log_path, "wb").close()
            except OSError as e:
                print("emu: cannot save serial log to %s: %s" % (log_path, e), file=sys.stderr)
        if keep:
            print("emu: kept workdir %s" % self.workdir, file=sys.stderr)
        else:
            shutil.rmtree(self.workdir, ignore_errors=True)


class Judge:
    """The verdict from the serial text as it grows: a fail pattern ends
    the run at once; it passes when every expect (and stop) has matched;
    an end pattern with some missing, the emulator's exit or the timeout
    fail it. Each method returns (ok, reason) or None (no verdict yet)."""

    def __init__(self, rules):
        self.expects = _compile(rules.expect, "expect") + \
            _compile([rules.stop] if rules.stop else [], "stop")
        self.fails = _compile(rules.fail, "fail")
        self.ends = _compile([rules.stop] if rules.stop else [], "stop") + \
            _compile([rules.halt] if rules.halt else [], "halt")
        self.timeout = rules.timeout
        self.matched_at = {}

    def missing(self):
        return [p for p, _ in self.expects if p not in self.matched_at]

    def _missing_note(self):
        m = self.missing()
        return "; never matched: " + ", ".join(repr(p) for p in m) if m else ""

    def feed(self, text, now, may_pass=True):
        for p, rx in self.fails:
            m = rx.search(text)
            if m:
                return False, "fail pattern %r matched: %r" % (p, _line_of(text, m.start()))
        for p, rx in self.expects:
            if p not in self.matched_at and rx.search(text):
                self.matched_at[p] = round(now, 2)
        if self.expects and may_pass and not self.missing():
            return True, "all %d expected pattern(s) matched" % len(self.expects)
        ended = [p for p, rx in self.ends if rx.search(text)]
        if ended:
            return False, "output ended (%r matched) but never matched: %s" % (
                ended[0], ", ".join(repr(p) for p in self.missing()))
        return None

    def traffic_done(self):
        if not self.missing():
            return True, "during() done; all %d expected pattern(s) matched" % len(self.expects)
        return None

    def exited(self, bed, status, note):
        return False, "%s exited (status %s) before success%s%s" % (
            bed, status, self._missing_note(), " [%s]" % note if note else "")

    def timed_out(self, now):
        if self.timeout is not None and now >= self.timeout:
            return False, "timeout after %g s%s" % (self.timeout, self._missing_note())
        return None


class Driver:
    """Runs during(NetHandle) once the TAP is up and 'ready' has matched:
    in the polling thread (the run waits for it), or in a thread of its
    own (during_background) while the output goes on being judged."""

    def __init__(self, traffic, emulator, judge):
        self.t = traffic
        self.emu = emulator
        self.judge = judge
        self.ready = _compile([traffic.ready] if traffic.ready else [], "ready")
        self.done = traffic.during is None
        self.result = None
        self.thread = None
        self.box = {}           # the background thread's result or error

    def step(self, text, gone):
        """(verdict or None, whether to poll again at once)."""
        if self.thread:
            if self.thread.is_alive():
                return None, False
            self.thread = None
            if "error" in self.box:
                e = self.box["error"]
                return (False, "during() failed: %s: %s" % (type(e).__name__, e)), False
            self.result, self.done = self.box.get("result"), True
            return self.judge.traffic_done(), True
        if self.done or gone or not self.emu.tap_up or \
                (self.ready and not self.ready[0][1].search(text)):
            return None, False
        handle = NetHandle(self.emu.ns, self.emu.serial, self.emu.boot.bed)
        if self.t.during_background:
            def body():
                try:
                    self.box["result"] = self.t.during(handle)
                except Exception as e:   # reported by step()
                    self.box["error"] = e
            self.thread = threading.Thread(target=body, daemon=True)
            self.thread.start()
            return None, True
        try:
            self.result = self.t.during(handle)
        except Exception as e:
            return (False, "during() failed: %s: %s" % (type(e).__name__, e)), False
        self.done = True
        self.judge.matched_at["<during done>"] = round(self.emu.now(), 2)
        return None, True      # judge the output it produced meanwhile


def _split_options(bed, kw):
    """run()'s keywords, each to the part it belongs to."""
    parts = dict(boot=Boot, rules=Rules, traffic=Traffic, output=Output)
    args = {name: {} for name in parts}
    for k, v in kw.items():
        owner = [n for n, cls in parts.items() if k in cls.__dataclass_fields__]
        if not owner:
            raise TypeError("run() got an unexpected keyword argument %r" % k)
        args[owner[0]][k] = v
    return (Boot(bed, **args["boot"]), Rules(**args["rules"]),
            Traffic(**args["traffic"]), Output(**args["output"]))


def run(bed, **kw):
    """Boot and judge. Returns a Result. The keywords are the fields of
    Boot, Rules, Traffic and Output:

    expect:  regexes (re.MULTILINE) that must all match the serial text.
    fail:    regexes any of which fails the run at once.
    stop:    an extra regex that must also match before the run passes
             (e.g. the final "halted" line), or None.
    halt:    a regex that means "the output is over" (e.g. the final
             "halted" line): once it (or stop) has matched while some
             expect has not, the run fails at once instead of waiting
             for the timeout. It is not itself required.
    With no expect and no stop the run never passes: it goes on until the
    timeout (None: forever), the emulator's exit or an interrupt.
    accel:   QEMU only: "kvm", "tcg" or "auto" (kvm when kvm_usable()).
    keep:    keep the workdir (default: env FLIPVISOR_KEEP=1).
    out:     stream for live echo (default sys.stdout).
    netns:   the e1000 on a TAP in a private namespace (above); not with pxe.
    tap_addr: the namespace's address on the TAP.
    ready:   regex; during() runs once it matches (None: once the TAP is up).
    during:  callable(NetHandle), run once, in this thread; the run goes
             on being judged when it returns.
    files:   {path below the root: bytes}, written into the copy of the
             ESP or PXE directory (guest image files for a test).
    during_background: run during() in a thread instead, while the serial
             output goes on being echoed and judged; when it returns the
             run passes if every expect has matched (none needed).
    """
    boot, rules, traffic, output = _split_options(bed, kw)
    boot.check()
    if (traffic.during or traffic.ready) and not boot.netns:
        raise ValueError("during/ready need netns=True")
    judge = Judge(rules)
    keep = output.keep
    if keep is None:
        keep = os.environ.get("FLIPVISOR_KEEP", "") not in ("", "0")
    out = output.out or sys.stdout

    emu = Emulator(boot)
    driver = Driver(traffic, emu, judge)
    raw = b""
    status = None
    try:
        with _Signals():
            emu.launch()
            raw, status, verdict = _watch(emu, judge, driver, output.live, out)
    finally:
        emu.close(output.log_path, keep)

    ok, reason = verdict
    return Result(ok=ok, reason=reason, serial_text=clean_serial(raw),
                  elapsed=round(emu.now(), 2), bed=boot.bed_name,
                  matched_at=judge.matched_at, exit_status=status,
                  workdir=emu.workdir if keep else None, during_result=driver.result)


def _watch(emu, judge, driver, live, out):
    """Poll the serial log until a verdict: (raw bytes, exit status, verdict)."""
    raw = b""
    pending = b""      # an escape sequence cut by a read, for live
    while True:
        # Decide on "exited" before the last read, so a marker written
        # just before the exit is still seen.
        gone = emu.exited()
        chunk = emu.read()
        now = emu.now()
        if chunk:
            raw += chunk
            if live:
                pending = _echo(out, pending + chunk)
            verdict = judge.feed(clean_serial(raw), now, driver.done)
            if verdict:
                return raw, None, verdict
        if not gone and emu.bring_tap_up():
            judge.matched_at["<tap up>"] = round(now, 2)
            if live:
                ns = emu.ns
                print("\nemu: e1000 on TAP %s in namespace %s (%s); try: ip netns "
                      "exec %s ping 192.168.77.11" % (ns.tap, ns.name, ns.addr, ns.name),
                      file=sys.stderr)
        verdict, again = driver.step(clean_serial(raw), gone)
        if verdict:
            return raw + emu.read(), None, verdict
        if again:
            continue
        if gone:
            status = emu.reap()
            return raw, status, judge.exited(emu.boot.bed, status,
                                             _emulator_note(emu.workdir, emu.boot.bed, status))
        verdict = judge.timed_out(now)
        if verdict:
            return raw, None, verdict
        time.sleep(POLL_S)


def _echo(out, data):
    """Write serial bytes to the terminal without screen-clearing escapes;
    returns a trailing incomplete escape sequence to prepend next time."""
    keep = b""
    esc = data.rfind(b"\x1b")
    if esc >= 0 and len(data) - esc < 32 and not _ANSI.match(data, esc):
        data, keep = data[:esc], data[esc:]
    data = _ANSI_NOT_SGR.sub(b"", data)
    if hasattr(out, "buffer"):
        out.flush()
        out.buffer.write(data)
        out.buffer.flush()
    else:
        out.write(data.decode("utf-8", "replace"))
        out.flush()
    return keep


def _line_of(text, index):
    a = text.rfind("\n", 0, index) + 1
    b = text.find("\n", index)
    return text[a:b if b >= 0 else len(text)].strip()


# --------------------------------------------------------------------------
# CLI

def main(argv=None):
    ap = argparse.ArgumentParser(prog="emu.py", description="Boot flipvisor in an emulator, judge it by serial output.")
    ap.add_argument("bed", choices=BEDS)
    media = ap.add_mutually_exclusive_group()
    media.add_argument("--esp", metavar="DIR", help="ESP directory (default build/esp)")
    media.add_argument("--usb", metavar="IMG", help="raw FAT image on a USB stick (qemu)")
    media.add_argument("--pxe", metavar="DIR", help="TFTP directory holding BOOTX64.EFI (qemu)")
    acc = ap.add_mutually_exclusive_group()
    acc.add_argument("--kvm", action="store_true", help="qemu: use KVM (-cpu host)")
    acc.add_argument("--tcg", action="store_true", help="qemu: use TCG even if KVM is usable")
    ap.add_argument("--expect", action="append", default=[], metavar="RE")
    ap.add_argument("--fail", action="append", default=[], metavar="RE")
    ap.add_argument("--stop", metavar="RE", help="must match too; the output ends there")
    ap.add_argument("--halt", metavar="RE", help="the output ends here: fail at once if expects are missing")
    ap.add_argument("--timeout", type=float, default=60.0, metavar="S")
    ap.add_argument("--live", action="store_true", help="echo serial output as it arrives")
    ap.add_argument("--cfg", metavar="FILE", help="use FILE as flipvisor.cfg")
    ap.add_argument("--keep", action="store_true", help="keep the working directory")
    ap.add_argument("--log", metavar="PATH", help="save the serial log here")
    ap.add_argument("--netns", action="store_true",
                    help="e1000 on a TAP in a private network namespace")
    ap.add_argument("--tap-addr", default=TAP_ADDR, metavar="A/N",
                    help="the namespace's address on the TAP (default %(default)s)")
    ap.add_argument("--gdb", action="store_true",
                    help="qemu: start paused with a gdb stub on tcp::1234 (-s -S)")
    a = ap.parse_args(argv)

    cfg_text = None
    if a.cfg:
        with open(a.cfg) as f:
            cfg_text = f.read()
    accel = "kvm" if a.kvm else "tcg" if a.tcg else "auto"
    try:
        r = run(a.bed, esp=a.esp, usb=a.usb, pxe=a.pxe, expect=a.expect, fail=a.fail,
                stop=a.stop, halt=a.halt, timeout=a.timeout, live=a.live, cfg_text=cfg_text,
                log_path=a.log, keep=a.keep or None, accel=accel,
                qemu_args=("-s", "-S") if a.gdb else (), netns=a.netns, tap_addr=a.tap_addr)
    except KeyboardInterrupt:
        print("\nemu: interrupted; emulator stopped", file=sys.stderr)
        return 130
    except (ValueError, FileNotFoundError) as e:
        print("emu: %s" % e, file=sys.stderr)
        return 2
    if a.live:
        print()
    print("%s: %s on %s after %.1f s: %s" % ("PASS" if r.ok else "FAIL", a.bed, r.bed, r.elapsed, r.reason))
    for p, t in r.matched_at.items():
        print("  %6.2f s  %s" % (t, p))
    return 0 if r.ok else 1


if __name__ == "__main__":
    sys.exit(main())
