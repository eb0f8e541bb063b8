"""Jumbo frames (issue 16, item 4) on the AMD-V bed, QEMU 7.2 TCG: its
e1000 passes frames longer than 1514 bytes from the TAP (Bochs's tuntap
cuts them at 1514, ../shared/TESTBED.md), spread over several 4 KiB
receive descriptors. One test per delivery mode: net_jumbo_flip_svm,
net_jumbo_copy_svm, net_jumbo_hybrid_svm.

The config sets mtu = 9000; the namespace raises its TAP's MTU to 9000.
The namespace's Linux stack then pings alpha with 8000 bytes of data,
not fragmented (ping -M do: one 8042-byte frame each way), and sends
UDP datagrams of 8000 random bytes to each VM's echo port, which must
come back intact. The hypervisor's table must show the frames received
in several pages (the pool line's 'multi_page'), taken by flip in flip
mode and by copy in copy mode (in_mode, test_net.py), no drop for
length, and conservation in every pool line, counting the pages of a
frame waiting for its last descriptor ('received').
"""

import os
import random
import re
import socket
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(HERE)), "tools"))
import nettraffic as nt  # noqa: E402
import test_net as tn  # noqa: E402

MTU = 9000
PAYLOAD = 8000          # ICMP and UDP data bytes: an 8042-byte frame
PINGS = 3
UDP_ECHOES = 2          # per VM


def udp_echo(sock, ip, data, problems):
    """One datagram to ip:7, up to 3 tries: whether it came back intact."""
    for _ in range(3):
        sock.sendto(data, (ip, 7))
        deadline = time.monotonic() + 3.0
        while time.monotonic() < deadline:
            sock.settimeout(max(0.01, deadline - time.monotonic()))
            try:
                reply, addr = sock.recvfrom(16384)
            except socket.timeout:
                break
            if addr == (ip, 7) and reply == data:
                return True
            if addr != (ip, 7) or len(reply) != len(data):
                problems.append("UDP echo %s: a reply of %d bytes from %s" % (
                    ip, len(reply), addr))
    return False


def during_jumbo(net):
    t0 = time.monotonic()
    tn.wait_up(net)
    problems = []
    rc, out = net.exec(["ip", "link", "set", "dev", net.tap, "mtu", str(MTU)])
    if rc != 0:
        raise tn.Fail("cannot raise the TAP's MTU to %d: %s" % (MTU, out))
    t_before = tn.settled_table(net)

    # Ping alpha, not fragmented: the request and the reply are one frame.
    got = 0
    for _ in range(3):
        rc, out = net.exec(["ping", "-n", "-c", str(PINGS), "-i", "0.3", "-W", "3",
                            "-M", "do", "-s", str(PAYLOAD), tn.vm_ip("alpha")], timeout=30)
        m = re.search(r"(\d+) received", out or "")
        got += int(m.group(1)) if m else 0
        if got >= PINGS:
            break
    if got < PINGS:
        problems.append("ping -s %d alpha: %d replies: %s" % (
            PAYLOAD, got, (out or "").strip().splitlines()[-2:]))

    # UDP echo of 8000 bytes from each VM.
    rng = random.Random(0x9000)
    s = net.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((tn.NS_IP, 0))
    echoed = 0
    try:
        for n in tn.VMS:
            for _ in range(UDP_ECHOES):
                if udp_echo(s, tn.vm_ip(n), nt.payload(PAYLOAD, rng), problems):
                    echoed += 1
                else:
                    problems.append("UDP echo %s: no intact %d-byte reply in 3 tries" % (
                        n, PAYLOAD))
    finally:
        s.close()

    t = tn.settled_table(net)
    jumbo = t.pool.get("multi_page", 0) - t_before.pool.get("multi_page", 0)
    want = PINGS + UDP_ECHOES * len(tn.VMS)
    if jumbo < want:
        problems.append("pool: %d multi-page frames accepted, at least %d sent" % (jumbo, want))
    for k in ("bad_len", "oversize"):
        if t.pool.get(k, 0) != t_before.pool.get(k, 0):
            problems.append("pool: %s drops went up by %d" % (
                k, t.pool.get(k, 0) - t_before.pool.get(k, 0)))
    problems += ["conservation broken: " + b
                 for b in tn.conservation_problems(net.serial(), tn.DEFAULT_POOL)]
    tn.no_panic(net)
    if problems:
        raise tn.Fail(tn.problems_report("net_jumbo", problems, t_before, t))
    return "%d of %d jumbo pings, %d UDP echoes of %d bytes intact, %d multi-page frames, " \
        "%.1f s" % (got, PINGS, echoed, PAYLOAD, jumbo, time.monotonic() - t0)


def _test(mode):
    t = tn._net_test("net_jumbo", mode,
                     "jumbo frames at mtu 9000: ping -s %d -M do alpha and UDP echoes of %d "
                     "bytes from every VM, intact; received in several pages" % (
                         PAYLOAD, PAYLOAD),
                     during_jumbo, "mtu = %d\n" % MTU + tn.config(mode), timeout=240,
                     expect=[r"^\[net\] mtu %d: frames of up to %d bytes" % (MTU, MTU + 18),
                             r"^alpha: net: mtu %d$" % MTU])
    return tn._svm(t)


TESTS = [_test(mode) for mode in tn.MODES]
