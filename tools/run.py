#!/usr/bin/env python3
"""`make run`: boot build/esp in the best bed available, serial output live
on the terminal, and show the VMs answering on the network.

The e1000 sits on a TAP device in a private network namespace. Once every
VM is up, the demo drives a short burst of traffic at each VM from that
namespace: ping, UDP echo on port 7, and a broadcast ARP. The
hypervisor's statistics table scrolls by as it goes, then a summary is
printed and the emulator stops. With --stay it keeps running after the
burst, until Ctrl-C, so you can ping the VMs by hand from the namespace
(the command is printed). --timeout S stops it after S seconds.

Best bed, in this order: QEMU with KVM when the host can nest (host CPU
with vmx or svm, the KVM module's nested=Y, /dev/kvm creates VMs; flipvisor
then runs on the host's own VT-x or AMD-V), else QEMU TCG with -cpu max,
which emulates AMD-V with nested paging (about 4 s to the guests), else
Bochs, which emulates VT-x (OVMF alone takes ~11 s). --bed, or BED= on the
make command line, forces one: kvm, qemu (TCG, AMD-V) or bochs.

--linux (`make run LINUX=1`) boots the Linux demo instead: two Linux VMs
(Debian's kernel and the initramfs `make` builds, docs/linux.md) beside a
guest-stub, no network; it stops once both Linux VMs' inits have beaten
three times (about 30 s on QEMU TCG, a few minutes on Bochs).
"""

import argparse
import os
import random
import shutil
import socket
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.dont_write_bytecode = True   # no __pycache__ in the source tree
import emu  # noqa: E402


BED_CHOICES = ("kvm", "qemu", "bochs")

# The Linux demo: two Linux VMs, each beating once a second from its
# init, beside a guest-stub (docs/linux.md, "make run LINUX=1").
LINUX_DEMO_CFG = "".join(
    "[vm %s]\nmac = 02:00:00:00:00:%02x\nipv4 = 192.168.77.%d/24\n"
    "memory_mib = 256\nkernel = linux/vmlinuz\ninitrd = linux/initrd.img\n"
    "cmdline = flipvisor.test=heartbeat\n" % (name, i, 10 + i)
    for i, name in ((1, "linux1"), (2, "linux2"))) + \
    "[vm stub]\nmac = 02:00:00:00:00:03\nipv4 = 192.168.77.13/24\n"


def choose_bed(forced):
    """(emu bed, accel, why) for --bed/BED, or the best bed available."""
    ok, why = emu.kvm_status()
    has_qemu = shutil.which("qemu-system-x86_64") is not None
    if forced == "bochs":
        return "bochs", "auto", "forced: Bochs emulates VT-x with EPT"
    if forced == "kvm":
        if not ok:
            raise ValueError("BED=kvm, but KVM cannot run flipvisor here: %s" % why)
        return "qemu", "kvm", "forced: %s" % why
    if forced == "qemu":
        return "qemu", "tcg", "forced: QEMU TCG emulates AMD-V with nested paging"
    if ok:
        return "qemu", "kvm", why
    if has_qemu:
        return "qemu", "tcg", "no KVM (%s); QEMU TCG emulates AMD-V with nested paging" % why
    return "bochs", "auto", "no KVM (%s), no QEMU; Bochs emulates VT-x" % why


# The default flipvisor.cfg's VMs (boot/flipvisor.cfg), and the demo's
# settings: the statistics every second instead of every five.
DEMO_VMS = [("alpha", "192.168.77.11"), ("beta", "192.168.77.12"),
            ("gamma", "192.168.77.13")]


def demo_cfg(esp):
    with open(os.path.join(esp, "flipvisor.cfg")) as f:
        text = f.read()
    return "stats_ms = 1000\n" + text


def udp_echo(net, ip, sizes):
    """Send each payload size to ip:7 from the namespace; count the
    replies that come back intact."""
    s = net.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(2.0)
    ok = 0
    try:
        for n in sizes:
            data = bytes(random.getrandbits(8) for _ in range(n))
            for _ in range(3):
                s.sendto(data, (ip, 7))
                try:
                    reply, src = s.recvfrom(2048)
                except socket.timeout:
                    continue
                if reply == data and src == (ip, 7):
                    ok += 1
                    break
    finally:
        s.close()
    return ok


def burst(net, stay):
    """Traffic at every VM from the namespace; returns summary lines."""
    lines = []
    # A broadcast ARP for every VM: flush the neighbour cache, then the
    # pings below must resolve each MAC again.
    net.exec(["ip", "neigh", "flush", "dev", net.tap])
    for name, ip in DEMO_VMS:
        rc, out = net.exec(["ping", "-c", "3", "-i", "0.3", "-W", "2", ip], timeout=20)
        got = [l for l in out.splitlines() if "packets transmitted" in l]
        sizes = [18, 64, 512, 1472]
        ok = udp_echo(net, ip, sizes)
        rc2, neigh = net.exec(["ip", "neigh", "show", ip])
        mac = neigh.split("lladdr")[1].split()[0] if "lladdr" in neigh else "unresolved"
        lines.append("demo: %-6s %s  ARP %s  ping: %s  UDP echo: %d/%d intact" % (
            name, ip, mac, got[0].strip() if got else "no answer", ok, len(sizes)))
    time.sleep(2.5)      # one more statistics table after the burst
    for l in lines:
        print(l, flush=True)
    if stay:
        print("demo: still running. From another terminal, as root:\n"
              "        ip netns exec %s ping 192.168.77.11\n"
              "      Ctrl-C stops the emulator and removes the namespace."
              % net.ns, flush=True)
        while True:
            time.sleep(3600)
    return lines


def main(argv=None):
    ap = argparse.ArgumentParser(prog="run.py", description=__doc__.split("\n\n")[0])
    ap.add_argument("--bed", choices=BED_CHOICES,
                    default=os.environ.get("BED") or None,
                    help="force a bed: kvm (QEMU+KVM), qemu (TCG, AMD-V) or bochs "
                         "(default: env BED, else the best available)")
    ap.add_argument("--esp", default=emu.DEFAULT_ESP, metavar="DIR", help="ESP directory (default build/esp)")
    ap.add_argument("--timeout", type=float, metavar="S", help="stop after S seconds (default: run until Ctrl-C)")
    ap.add_argument("--cfg", metavar="FILE", help="use FILE as flipvisor.cfg")
    ap.add_argument("--keep", action="store_true", help="keep the emulator's working directory")
    ap.add_argument("--log", metavar="PATH", help="also save the serial log here")
    ap.add_argument("--stay", action="store_true",
                    help="keep running after the traffic burst, to ping the VMs by hand")
    ap.add_argument("--no-net", action="store_true",
                    help="no TAP, no traffic: just boot and show the console")
    ap.add_argument("--linux", action="store_true",
                    help="the Linux demo: two Linux VMs beside a guest-stub, no network; "
                         "stops once both have beaten three times")
    a = ap.parse_args(argv)

    if not os.path.isfile(os.path.join(a.esp, "EFI", "BOOT", "BOOTX64.EFI")):
        print("run: %s/EFI/BOOT/BOOTX64.EFI is missing: run `make` first" % a.esp, file=sys.stderr)
        return 2
    cfg_text = None
    if a.cfg:
        with open(a.cfg) as f:
            cfg_text = f.read()

    if a.bed is not None and a.bed not in BED_CHOICES:
        print("run: BED=%s: not one of %s" % (a.bed, ", ".join(BED_CHOICES)), file=sys.stderr)
        return 2
    try:
        bed, accel, why = choose_bed(a.bed)
    except ValueError as e:
        print("run: %s" % e, file=sys.stderr)
        return 2
    demo = not a.no_net and not a.linux
    if demo and os.geteuid() != 0:
        print("run: the network demo needs root (a network namespace and a TAP); "
              "running without it (--no-net)", flush=True)
        demo = False
    if demo and not a.cfg:
        cfg_text = demo_cfg(a.esp)
    label = bed if bed == "bochs" else "qemu+" + accel
    print("run: bed %s (%s); Ctrl-C stops it" % (label, why), flush=True)
    try:
        if a.linux:
            r = emu.run(bed, esp=a.esp, accel=accel, live=True,
                        cfg_text=cfg_text or LINUX_DEMO_CFG, log_path=a.log,
                        keep=a.keep or None, timeout=a.timeout or 900,
                        expect=[r"^linux1: flipvisor-linux: heartbeat 3$",
                                r"^linux2: flipvisor-linux: heartbeat 3$"],
                        fail=[r"\[panic\]", r"^\[vm\] linux\d stopped"])
            print("\nrun: Linux demo %s after %.1f s: %s" % (
                "done" if r.ok else "FAILED", r.elapsed, r.reason), flush=True)
            return 0 if r.ok else 1
        if demo:
            r = emu.run(bed, esp=a.esp, accel=accel, expect=[], stop=None,
                        timeout=a.timeout, live=True, cfg_text=cfg_text,
                        log_path=a.log, keep=a.keep or None, netns=True,
                        ready=r"^gamma: net: up", during=lambda net: burst(net, a.stay),
                        during_background=True, halt=None)
        else:
            r = emu.run(bed, esp=a.esp, accel=accel, expect=[], stop=None, timeout=a.timeout,
                        live=True, cfg_text=cfg_text, log_path=a.log, keep=a.keep or None)
    except KeyboardInterrupt:
        print("\nrun: stopped, emulator killed", flush=True)
        return 0
    except (ValueError, FileNotFoundError) as e:
        print("run: %s" % e, file=sys.stderr)
        return 2
    if demo and r.during_result is not None:
        print("\nrun: demo done, emulator stopped, namespace removed", flush=True)
        return 0
    if r.exit_status is None:
        print("\nrun: --timeout %g s reached, emulator stopped" % a.timeout, flush=True)
    else:
        print("\nrun: %s after %.1f s" % (r.reason, r.elapsed), flush=True)
    # Reaching --timeout is the normal end; an emulator that quit on its
    # own is reported with its status.
    return 0 if r.exit_status is None or r.exit_status == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
