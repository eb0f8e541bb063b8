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
guest-stub. With the network (as root), each Linux VM loads the flipnet
driver; the demo pings the three VMs, times a 1 MiB TCP transfer to
linux1, and shows linux1's HTTP GET from linux2's busybox httpd, VM to VM;
--stay leaves it running with the command to reach them. With --no-net
(or not root) it stops once both inits have beaten three times (about
30 s on QEMU TCG, a few minutes on Bochs).
"""

import argparse
import os
import random
import re
import shutil
import socket
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.dont_write_bytecode = True   # no __pycache__ in the source tree
import emu  # noqa: E402


BED_CHOICES = ("kvm", "qemu", "bochs")

# The Linux demo: two Linux VMs beside a guest-stub. With the network
# (as root) each loads the flipnet driver (docs/linux.md, "The network
# driver"), linux1 fetches linux2's /blob over HTTP, and the demo pings
# them and times a TCP transfer; without it each init beats once a second.
LINUX_VMS = [("linux1", "192.168.77.11"), ("linux2", "192.168.77.12")]
LINUX_STUB = ("stub", "192.168.77.13")


def linux_demo_cfg(net):
    words = "flipvisor.net=1 flipvisor.test=heartbeat" if net else \
        "flipvisor.test=heartbeat"
    text = "stats_ms = 5000\n" if net else ""
    for i, (name, ip) in enumerate(LINUX_VMS, 1):
        fetch = " flipvisor.fetch=%s" % LINUX_VMS[1][1] if net and i == 1 else ""
        # 128 post slots: a TCP window's worth of frames between two NAPI
        # polls of a VM emulated by TCG (tests/system/test_linux_net.py).
        text += ("[vm %s]\nmac = 02:00:00:00:00:%02x\nipv4 = %s/24\n"
                 "memory_mib = 256\nrx_slots = 128\nkernel = linux/vmlinuz\n"
                 "initrd = linux/initrd.img\ncmdline = %s%s\n"
                 % (name, i, ip, words, fetch))
    return text + "[vm %s]\nmac = 02:00:00:00:00:03\nipv4 = %s/24\n" % LINUX_STUB


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


# QEMU's e1000 model takes no frame for 1000 ms of its virtual clock
# after any write to RCTL: set_rx_control() arms flush_queue_timer and
# e1000_can_receive() says no while it is pending (hw/net/e1000.c; QEMU
# 7.2 here). The hypervisor's last RCTL write, RCTL.EN at the first
# refill, comes about 0.1-0.2 s before the last VM is up, so a ping sent
# at once waits in QEMU with the ARP before it; its replies come in a
# burst about 0.9 s later (docs/amd.md, "QEMU's e1000"). The demo waits
# that long on QEMU beds, so its figures are the path's, not the model's.
QEMU_E1000_RCTL_HOLD_S = 1.0


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


def ping_summary(out):
    """ping's two summary lines in one: packets, then the round trips'
    min/avg/max (docs/performance.md, "End to end")."""
    got = [l.strip() for l in out.splitlines() if "packets transmitted" in l]
    rtt = [l.split("=", 1)[1].strip() for l in out.splitlines()
           if l.startswith("rtt ")]
    if not got:
        return "no answer"
    return got[0] + ("  rtt min/avg/max/mdev %s" % rtt[0] if rtt else "")


def burst(net, stay, bed):
    """Traffic at every VM from the namespace; returns summary lines."""
    lines = []
    if bed == "qemu":
        print("demo: waiting %g s: QEMU's e1000 takes no frame for a second "
              "after RCTL is written (docs/amd.md)" % QEMU_E1000_RCTL_HOLD_S, flush=True)
        time.sleep(QEMU_E1000_RCTL_HOLD_S)
    # A broadcast ARP for every VM: flush the neighbour cache, then the
    # pings below must resolve each MAC again.
    net.exec(["ip", "neigh", "flush", "dev", net.tap])
    for name, ip in DEMO_VMS:
        rc, out = net.exec(["ping", "-c", "3", "-i", "0.3", "-W", "2", ip], timeout=20)
        sizes = [18, 64, 512, 1472]
        ok = udp_echo(net, ip, sizes)
        rc2, neigh = net.exec(["ip", "neigh", "show", ip])
        mac = neigh.split("lladdr")[1].split()[0] if "lladdr" in neigh else "unresolved"
        lines.append("demo: %-6s %s  ARP %s  ping: %s  UDP echo: %d/%d intact" % (
            name, ip, mac, ping_summary(out), ok, len(sizes)))
    finish(net, lines, stay, 2.5, DEMO_VMS[0][1])
    return lines


def finish(net, lines, stay, stats_s, ip):
    """Wait for one more statistics table (every stats_s seconds), print
    the summary, and with --stay keep running until Ctrl-C."""
    time.sleep(stats_s)
    for l in lines:
        print(l, flush=True)
    if stay:
        print("demo: still running. From another terminal, as root:\n"
              "        ip netns exec %s ping %s\n"
              "      Ctrl-C stops the emulator and removes the namespace."
              % (net.ns, ip), flush=True)
        while True:
            time.sleep(3600)


def linux_traffic(net, stay):
    """The Linux demo's traffic from the namespace: ping (ARP first), a
    TCP transfer to linux1's sink (port 9) timed, and the HTTP fetch the
    Linux VMs make between themselves; returns summary lines."""
    lines = []
    for name, _ in LINUX_VMS:
        if not net.wait_serial("^%s: flipvisor-linux: net servers up" % name, 300):
            raise AssertionError("%s never started its servers" % name)
    net.exec(["ip", "neigh", "flush", "dev", net.tap])
    for name, ip in LINUX_VMS + [LINUX_STUB]:
        rc, out = net.exec(["ping", "-c", "3", "-W", "5", ip], timeout=60)
        lines.append("demo: %-6s %s  ping: %s" % (name, ip, ping_summary(out)))
    data = os.urandom(1 << 20)
    s = net.socket(socket.AF_INET, socket.SOCK_STREAM)
    # A small send buffer: what a VM emulated by TCG takes between two
    # NAPI polls (tests/system/test_linux_net.py, SNDBUF).
    s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 64 << 10)
    s.settimeout(300)
    t0 = time.monotonic()
    s.connect((LINUX_VMS[0][1], 9))
    s.sendall(data)
    s.shutdown(socket.SHUT_WR)
    s.recv(1)                   # the sink closes once it has it all
    s.close()
    secs = time.monotonic() - t0
    lines.append("demo: TCP   1 MiB to linux1 in %.1f s: %.0f KiB/s (an emulated CPU: "
                 "docs/linux.md)" % (secs, 1024 / secs))
    if not net.wait_serial(r"^linux1: flipvisor-linux: fetched", 180):
        raise AssertionError("linux1 did not fetch linux2's blob")
    time.sleep(1)
    served = re.search(r"www blob sha256=(\w+)", emu.unwrap(net.serial(), "linux2"))
    fetched = re.search(r"fetched http://\S+ bytes=(\d+) sha256=(\w+)",
                        emu.unwrap(net.serial(), "linux1"))
    same = served and fetched and served.group(1) == fetched.group(2)
    lines.append("demo: HTTP  linux1 GET http://%s/blob from linux2's httpd, VM to VM: "
                 "%s bytes, SHA-256 %s" % (LINUX_VMS[1][1], fetched.group(1) if fetched else "?",
                                           "intact" if same else "DIFFERS"))
    finish(net, lines, stay, 5.5, LINUX_VMS[0][1])
    if not same:
        raise AssertionError("the HTTP fetch between the Linux VMs was not intact")
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
                    help="the Linux demo: two Linux VMs beside a guest-stub, on the "
                         "network with the flipnet driver (ping, TCP, HTTP between them)")
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
    demo = not a.no_net
    if demo and os.geteuid() != 0:
        print("run: the network demo needs root (a network namespace and a TAP); "
              "running without it (--no-net)", flush=True)
        demo = False
    if demo and not a.cfg and not a.linux:
        cfg_text = demo_cfg(a.esp)
    label = bed if bed == "bochs" else "qemu+" + accel
    print("run: bed %s (%s); Ctrl-C stops it" % (label, why), flush=True)
    try:
        if a.linux and demo:
            r = emu.run(bed, esp=a.esp, accel=accel, expect=[], stop=None,
                        timeout=a.timeout, live=True,
                        cfg_text=cfg_text or linux_demo_cfg(True), log_path=a.log,
                        keep=a.keep or None, netns=True,
                        ready=r"^linux2: flipvisor-linux: net servers up",
                        during=lambda net: linux_traffic(net, a.stay),
                        during_background=True, halt=None,
                        fail=[r"\[panic\]", r"^\[vm\] linux\d stopped"])
        elif a.linux:
            r = emu.run(bed, esp=a.esp, accel=accel, live=True,
                        cfg_text=cfg_text or linux_demo_cfg(False), log_path=a.log,
                        keep=a.keep or None, timeout=a.timeout or 900,
                        expect=[r"^linux1: flipvisor-linux: heartbeat 3$",
                                r"^linux2: flipvisor-linux: heartbeat 3$"],
                        fail=[r"\[panic\]", r"^\[vm\] linux\d stopped"])
            print("\nrun: Linux demo %s after %.1f s: %s" % (
                "done" if r.ok else "FAILED", r.elapsed, r.reason), flush=True)
            return 0 if r.ok else 1
        elif demo:
            r = emu.run(bed, esp=a.esp, accel=accel, expect=[], stop=None,
                        timeout=a.timeout, live=True, cfg_text=cfg_text,
                        log_path=a.log, keep=a.keep or None, netns=True,
                        ready=r"^gamma: net: up", during=lambda net: burst(net, a.stay, bed),
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
    if demo and r.reason and "during() failed" in r.reason:
        print("\nrun: demo FAILED after %.1f s: %s" % (r.elapsed, r.reason), flush=True)
        return 1
    if r.exit_status is None:
        print("\nrun: --timeout %g s reached, emulator stopped" % a.timeout, flush=True)
    else:
        print("\nrun: %s after %.1f s" % (r.reason, r.elapsed), flush=True)
    # Reaching --timeout is the normal end; an emulator that quit on its
    # own is reported with its status.
    return 0 if r.exit_status is None or r.exit_status == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
