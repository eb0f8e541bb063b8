"""System tests of the network path in Bochs (issue 4, part 12), once
per delivery mode (issue 5: flip, copy, and hybrid at a copy_threshold
of 128 bytes, so that one run sends short frames by copy and long ones
by flip; docs/datapath.md, "Delivery modes"). A test's name ends in its
mode: net_stack_flip, net_stack_copy, net_stack_hybrid, ...

Every test boots three guest-stub VMs (alpha, beta, gamma: MACs
02:00:00:00:00:0{1,2,3}, addresses 192.168.77.1{1,2,3}/24) with the
e1000 on a TAP device inside a private network namespace
(tools/emu.py netns=True; the namespace is 192.168.77.1/24). Once the
guests are up, a during() callback drives traffic from the namespace,
with the namespace's own Linux stack or with raw frames
(tools/nettraffic.py on an AF_PACKET socket), and judges the result by
the replies on the wire, by the guests' console lines and by the
hypervisor's statistics table, printed every emulated second
(stats_ms = 1000):

    [stats] vm             rx rx_bytes  bcast copied released revoked  quota   ring     tx txdrop spoof
    [stats] alpha           8     6410      1      5        8       0      0      0      3      0     0
    [stats] pool (hybrid, copy <= 128 B): free 4 posted 28 delivered 0 reclaiming 0; flipped 9 copied 15; reclaims 2 revoked 0 invepts 130 scrubbed 18344 B; drops: unknown 0 bad_len 0 no_vm 0
    [stats] nic: rx 205 (errors 0) tx 8 (ring full 0) crc 0 missed 0 no_desc 0 irqs 137

What the bed does to frames before the NIC sees them (Bochs 2.7,
measured; see also ../shared/TESTBED.md):

- Bochs's tuntap module reads one frame from the TAP per 1000 emulated
  microseconds. When the e1000 has no free receive descriptor at that
  moment (the hypervisor's pool is all delivered), Bochs drops the frame
  and logs "device not ready to receive data" in bochs.log: neither the
  NIC nor the hypervisor can count it. The tests count those lines, so
  the accounting stays exact: frames written to the TAP = NIC rx +
  Bochs's drops + frames the NIC's receive filter refused.
- Runts: Linux refuses to send a frame shorter than the 14-byte Ethernet
  header on an AF_PACKET socket (EINVAL). Longer runts go out as they
  are; Bochs pads them to 60 bytes before the NIC ("packet too short").
  So a runt is never a drop in this bed: it is delivered as a 60-byte
  frame to the VM its destination MAC names. A 42-byte ICMP echo request
  (no data) is answered.
- Oversized frames (longer than 1514 bytes): with the TAP's MTU at 1500
  Linux refuses them at send time (EMSGSIZE). With a larger MTU they are
  sent, and Bochs's tuntap reads them into a 1514-byte buffer: the NIC
  receives their first 1514 bytes. The hypervisor then delivers a
  1514-byte frame to the right VM, whose stack drops it (the IPv4 total
  length is longer than the frame).
- Unknown unicast: with three VMs all MACs fit Bochs's four working
  receive-address registers, so the hypervisor programs an exact filter
  ("[e1000] receive filter: 3 unicast MAC(s) exact") and the NIC refuses
  frames for other MACs in hardware: they are neither delivered nor
  counted by the hypervisor. The test checks that no VM got them and the
  NIC's rx count left them out. (With unicast promiscuous mode they
  would be counted in the pool line's "unknown".)
- Multicast is accepted by the NIC (MPE) and, like broadcast, mapped into
  every VM.

The same tests run on the AMD-V bed, QEMU 7.2 TCG with -cpu max and its
e1000 on a TAP (names end in _svm; each in one delivery mode, SVM_MODES).
QEMU's e1000 differs from Bochs's at the edges: it stops reading the TAP
while it has no free receive descriptor (frames wait in the TAP's queue,
no "device not ready" drops), pads runts to 60 bytes like Bochs, and
passes a frame longer than 1522 bytes whole (the hypervisor sets
RCTL.LPE for jumbo frames): at the default mtu of 1500 the hypervisor
drops it, counted in the pool line's 'oversize'. Jumbo frames are
tested on QEMU only (test_net_jumbo.py).

Every test also checks frame conservation in every pool line
(free + posted + delivered + reclaiming = pool_frames) and fails on
"[panic]" (the hypervisor checks its invariants after every transition).
After its own checks, each test checks its last table against its mode
(mode_problems): the pool line names the mode; every ring entry was a
flip or a copy (flipped + copied in the pool line = the VMs' rx); in
flip mode nothing was copied, in copy mode everything was (every guest
registers a copy area), in hybrid mode something was copied and, where
the test sends frames longer than 128 bytes, something was flipped.
"""

import json
import os
import random
import re
import socket
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))), "tools"))
import nettraffic as nt  # noqa: E402

PANIC = r"\[panic\]|EXCEPTION"
NS_IP = "192.168.77.1"
VMS = ("alpha", "beta", "gamma")
STATS_MS = 1000
DEFAULT_POOL = 256      # pool_frames when the config does not say
MODES = ("flip", "copy", "hybrid")
HYBRID_THRESHOLD = 128  # copy_threshold in hybrid mode: pings and ARP copy, long UDP flips


def vm_mac(name):
    return "02:00:00:00:00:%02x" % (VMS.index(name) + 1)


def vm_ip(name):
    return "192.168.77.%d" % (11 + VMS.index(name))


def vm(name, **keys):
    """A [vm NAME] section for one of alpha, beta, gamma, plus keys."""
    text = "[vm %s]\nmac = %s\nipv4 = %s/24\n" % (name, vm_mac(name), vm_ip(name))
    return text + "".join("%s = %s\n" % kv for kv in keys.items())


def config(mode, pool_frames=None, reclaim_ms=None, **per_vm):
    """Globals (stats_ms = 1000 always, delivery = mode, copy_threshold
    in hybrid mode), then alpha, beta, gamma with per_vm[name] = dict of
    keys."""
    g = "stats_ms = %d\ndelivery = %s\n" % (STATS_MS, mode)
    if mode == "hybrid":
        g += "copy_threshold = %d\n" % HYBRID_THRESHOLD
    if pool_frames is not None:
        g += "pool_frames = %d\n" % pool_frames
    if reclaim_ms is not None:
        g += "reclaim_ms = %d\n" % reclaim_ms
    return g + "".join(vm(n, **per_vm.get(n, {})) for n in VMS)


class Fail(AssertionError):
    pass


# --------------------------------------------------------------------------
# the hypervisor's statistics table

class Table:
    """One complete [stats] table: vm[name][column], pool[key], nic[key];
    end: offset in the serial text just past it; text: its lines."""

    def __init__(self):
        self.vm, self.pool, self.nic, self.end, self.lines = {}, {}, {}, 0, []
        self.mode = None

    @property
    def text(self):
        return "\n".join(self.lines)

    def key(self):
        """What must not change while nothing happens on the wire."""
        return (tuple(sorted((n, tuple(sorted(r.items()))) for n, r in self.vm.items())),
                self.nic.get("rx"), self.nic.get("tx"), self.pool.get("unknown"),
                self.pool.get("bad_len"), self.pool.get("no_vm"), self.pool.get("revoked"))

    def accounted(self, name):
        """Frames the hypervisor delivered to or dropped for VM name."""
        r = self.vm[name]
        return r["rx"] + r["quota"] + r["ring"]


_LINE = re.compile(r"^\[stats\] (.*)$", re.MULTILINE)


def parse_tables(text, start=0):
    """Every complete table that starts at or after offset 'start'."""
    out, cur, cols = [], None, None
    # Complete lines only: the serial log may end in the middle of a line
    # the hypervisor is still printing ('$' would match there too).
    text = text[:text.rfind("\n") + 1]
    for m in _LINE.finditer(text, start):
        body = m.group(1)
        words = body.split()
        if words[:2] == ["vm", "rx"]:
            cur, cols = Table(), words[1:]
            cur.lines.append(m.group(0))
            continue
        if cur is None:
            continue
        cur.lines.append(m.group(0))
        if body.startswith("pool"):
            cur.pool = {k: int(v) for k, v in re.findall(r"([a-z_]+):? (\d+)", body)}
            m = re.match(r"pool \((\w+)", body)
            cur.mode = m.group(1) if m else None
        elif body.startswith("nic:"):
            d = {k: int(v) for k, v in re.findall(r"([a-z_]+) (\d+)", body)}
            d["rx_errors"] = d.pop("errors", 0)
            d["tx_ring_full"] = d.pop("full", 0)
            cur.nic = d
            cur.end = m.end()
            if cur.pool and cur.vm:
                out.append(cur)
            cur = None
        elif len(words) == len(cols) + 1 and all(w.isdigit() for w in words[1:]):
            cur.vm[words[0]] = dict(zip(cols, map(int, words[1:])))
        else:
            cur = None      # not a table we understand: skip it
    return out


def conservation_problems(text, pool_frames):
    """Pool lines whose counts (free, posted, delivered, reclaiming and
    received: a multi-page frame's pages waiting for its last) do not add
    up to pool_frames."""
    bad = []
    for m in re.finditer(r"^\[stats\] pool \([^)]*\): free (\d+) posted (\d+) delivered (\d+) "
                         r"reclaiming (\d+)(?: received (\d+))?;.*$", text, re.MULTILINE):
        if sum(int(x) for x in m.groups() if x is not None) != pool_frames:
            bad.append(m.group(0))
    return bad


def no_panic(net):
    m = re.search(r"^.*(\[panic\]|EXCEPTION).*$", net.serial(), re.MULTILINE)
    if m:
        raise Fail("the hypervisor panicked: %s" % m.group(0))


def next_table(net, start, timeout=20.0):
    """The first complete table after serial offset 'start'."""
    deadline = time.monotonic() + timeout
    while True:
        t = parse_tables(net.serial(), start)
        if t:
            return t[0]
        no_panic(net)
        if time.monotonic() >= deadline:
            raise Fail("no complete [stats] table within %g s after offset %d" % (timeout, start))
        time.sleep(0.1)


def given_back(r):
    """What VM row 'r' has given back: released, revoked, and copied. The
    guest-stub's normal mode registers its copy area as a copy ring
    (NET_COPY_RING, docs/hypercalls.md): a copy comes back as the guest's
    cons passes it, never by release. Not for net_hoard, whose copies are
    released (or revoked) like slots."""
    return r["released"] + r["revoked"] + r["copied"]


def settled_table(net, start=None, timeout=45.0):
    """Wait until two tables in a row after 'start' (default: now) agree
    on every counter that traffic moves: everything sent has been taken
    and counted. Returns the later one."""
    start = len(net.serial()) if start is None else start
    deadline = time.monotonic() + timeout
    prev = next_table(net, start, timeout)
    while True:
        t = next_table(net, prev.end, max(1.0, deadline - time.monotonic()))
        if t.key() == prev.key():
            return t
        if time.monotonic() >= deadline:
            raise Fail("statistics still moving after %g s:\n%s\n%s" % (timeout, prev.text, t.text))
        prev = t


def guest_net_line(net, name, start):
    """The last 'net rx=...' counters line of VM name after 'start'."""
    rx = re.compile(r"^%s: net rx=(\d+) arp=(\d+) icmp=(\d+) udp=(\d+) drop=(\d+) held=(\d+)"
                    r"(?: dirty=(\d+))?(?: copied=(\d+))?$" % name, re.MULTILINE)
    ms = list(rx.finditer(net.serial(), start))
    if not ms:
        return None
    g = ms[-1].groups()
    keys = ("rx", "arp", "icmp", "udp", "drop", "held", "dirty", "copied")
    return {k: int(v) for k, v in zip(keys, g) if v is not None}


def wait_guest_net_lines(net, start, timeout=30.0):
    """Wait for a counters line from every VM after 'start'."""
    deadline = time.monotonic() + timeout
    while True:
        lines = {n: guest_net_line(net, n, start) for n in VMS}
        if all(lines.values()):
            return lines
        if time.monotonic() >= deadline:
            raise Fail("no 'net rx=' line after offset %d from %s" % (
                start, ", ".join(n for n, l in lines.items() if not l)))
        time.sleep(0.2)


# --------------------------------------------------------------------------
# the bed

def wait_up(net, names=VMS, timeout=60.0):
    for n in names:
        if not net.wait_serial(r"^%s: net: up slots=\d+$" % n, timeout=timeout):
            raise Fail("%s never printed 'net: up'" % n)


def bochs_drops(net):
    """Frames Bochs took from the TAP and threw away because the NIC had
    no free receive descriptor (never seen by the NIC)."""
    return net.emulator_log().count("device not ready to receive data")


def tap_counters(net):
    """The TAP's own counters, from the namespace's side: tx = frames the
    namespace wrote towards Bochs."""
    rc, out = net.exec(["ip", "-s", "-j", "link", "show", "dev", net.tap])
    if rc != 0:
        raise Fail("ip -s link show %s: %s" % (net.tap, out))
    st = json.loads(out)[0]["stats64"]
    return dict(tx=st["tx"]["packets"], tx_dropped=st["tx"]["dropped"],
                rx=st["rx"]["packets"], rx_dropped=st["rx"]["dropped"])


def filter_exact(net):
    return re.search(r"^\[e1000\] receive filter: \d+ unicast MAC\(s\) exact$",
                     net.serial(), re.MULTILINE) is not None


def problems_report(title, problems, *tables):
    msg = "%s:\n  - %s" % (title, "\n  - ".join(problems))
    for t in tables:
        if t is not None:
            msg += "\n" + t.text
    return msg


# --------------------------------------------------------------------------
# (a) the namespace's own network stack

UDP_SIZES = [18, 64, 512, 1024, 1472]


def during_stack(net):
    """Ping, ARP and UDP echo from the namespace's Linux stack."""
    t0 = time.monotonic()
    wait_up(net)
    rng = random.Random(0x5eed)
    problems = []

    # ping -c 3, retried for loss; 3 replies wanted in at most 3 runs.
    for n in VMS:
        got, runs = 0, []
        for _ in range(3):
            rc, out = net.exec(["ping", "-n", "-c", "3", "-i", "0.2", "-W", "2", vm_ip(n)],
                               timeout=20)
            m = re.search(r"(\d+) received", out or "")
            got += int(m.group(1)) if m else 0
            runs.append(out.strip().splitlines()[-2:] if out else ["(no output)"])
            if got >= 3:
                break
        if got < 3:
            problems.append("ping %s: %d replies in %d runs: %s" % (vm_ip(n), got, len(runs), runs))

    # ARP: each VM's MAC as configured.
    rc, out = net.exec(["ip", "-j", "neigh", "show", "dev", net.tap])
    neigh = {e.get("dst"): e for e in json.loads(out or "[]")} if rc == 0 else {}
    for n in VMS:
        e = neigh.get(vm_ip(n))
        if not e:
            problems.append("ip neigh: no entry for %s (%s)" % (vm_ip(n), out.strip()))
        elif e.get("lladdr") != vm_mac(n):
            problems.append("ip neigh: %s is at %s, configured %s" % (vm_ip(n), e.get("lladdr"),
                                                                      vm_mac(n)))
        elif set(e.get("state", [])) & {"FAILED", "INCOMPLETE"}:
            problems.append("ip neigh: %s state %s" % (vm_ip(n), e.get("state")))

    # UDP echo, port 7, from a socket of the namespace's stack.
    s = net.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((NS_IP, 0))
    sizes = UDP_SIZES + sorted(rng.randrange(19, 1472) for _ in range(4))
    echoed = 0
    try:
        for n in VMS:
            sent = {}          # payload -> size, every datagram sent to n
            for size in sizes:
                data = nt.payload(size, rng)
                sent[data] = size
                ok = False
                for attempt in range(3):
                    s.sendto(data, (vm_ip(n), 7))
                    deadline = time.monotonic() + 2.0
                    while time.monotonic() < deadline:
                        s.settimeout(max(0.01, deadline - time.monotonic()))
                        try:
                            reply, addr = s.recvfrom(4096)
                        except socket.timeout:
                            break
                        if addr != (vm_ip(n), 7):
                            problems.append("UDP echo %s size %d: a reply from %s:%d" % (
                                vm_ip(n), size, addr[0], addr[1]))
                            continue
                        if reply == data:
                            ok = True
                            break
                        if reply not in sent:     # a late duplicate is harmless
                            problems.append("UDP echo %s size %d: a reply of %d bytes matching "
                                            "nothing sent" % (vm_ip(n), size, len(reply)))
                    if ok:
                        break
                if ok:
                    echoed += 1
                else:
                    problems.append("UDP echo %s size %d: no intact reply in 3 tries"
                                    % (vm_ip(n), size))
    finally:
        s.close()

    t = settled_table(net)
    bad = conservation_problems(net.serial(), DEFAULT_POOL)
    problems += ["conservation broken: " + b for b in bad]
    for n in VMS:
        r = t.vm.get(n)
        if not r or r["rx"] < 3 + len(sizes) or r["tx"] < 3 + len(sizes):
            problems.append("%s: rx/tx in the table below %d" % (n, 3 + len(sizes)))
    no_panic(net)
    if problems:
        raise Fail(problems_report("net_stack", problems, t))
    return "pings ok, %d UDP echoes intact, %.1f s" % (echoed, time.monotonic() - t0)


# --------------------------------------------------------------------------
# (b) raw frames: every frame delivered to exactly the right VMs or counted

INJECT_POOL = 32
UNKNOWN_MACS = ("02:00:00:00:00:77", "02:00:00:01:00:01")
MCAST_MAC = "01:00:5e:00:00:fb"       # IPv4 multicast 224.0.0.251
OVERSIZE = 1600
PACE_S = 0.004


def delivered_len(n):
    """What the NIC delivers for an n-byte frame sent on the TAP."""
    return min(max(n, 60), 1514)


def during_inject(net):
    """Counted drops here are the hypervisor's: per VM 'quota' and 'ring'
    (its copy refused), in the pool line 'unknown', 'bad_len', 'no_vm'.
    Bochs's own drops (bochs.log) and the NIC's filter are outside it and
    are accounted for from bochs.log and the filter mode (module doc).

    Before the accounting starts: a frame shorter than a header and an
    oversized one at MTU 1500, which the kernel refuses (reported in the
    result); then the TAP's MTU goes to 2000 so oversized frames reach
    Bochs. Phase 1 sends 8 shuffled rounds, each with, for every VM: an
    ICMP echo with random data, a 42-byte echo runt, a UDP datagram to the
    discard port of 60..1514 bytes, a 20-byte runt of an unknown
    EtherType and a 1600-byte datagram; plus an ARP broadcast, a
    multicast datagram and two frames for unknown MACs; 4 ms apart. It
    checks the NIC's rx count, each VM's delivered+dropped count, group
    count and bytes, the pool's drops, that every echo was answered once
    by its VM with its data and nothing else came back, and that each
    guest's stack took what the hypervisor delivered. Phase 2 sends 200
    frames back to back to beta, then 100 broadcasts: each VM's
    delivered+dropped frames must equal what the NIC received for it."""
    t0 = time.monotonic()
    wait_up(net)
    rng = random.Random(0xb0b)
    problems = []
    w = nt.Wire(net.socket(), net.tap)
    exact = filter_exact(net)

    # Oversized frames need a TAP MTU above 1500 (see the module doc).
    refused = {}
    e = w.try_send(nt.sized_udp_frame(OVERSIZE, vm_mac("alpha"), dst_ip=vm_ip("alpha")))
    refused["oversize at MTU 1500"] = repr(e)
    rc, out = net.exec(["ip", "link", "set", "dev", net.tap, "mtu", "2000"])
    if rc != 0:
        raise Fail("cannot raise the TAP's MTU: %s" % out)
    e = w.try_send(b"\x02\0\0\0\0\x01\x02\0\0\0")         # 10 bytes: below a header
    refused["10-byte runt"] = repr(e)
    w.drain()     # whatever went out is in the settled table below

    table0 = settled_table(net)
    drops0 = bochs_drops(net)
    tap0 = tap_counters(net)

    # ---- phase 1: interleaved, paced well under the bed's ceiling -------
    uni = {n: [] for n in VMS}        # lengths of unicast frames per VM, as sent
    group = []                        # broadcast and multicast lengths
    unknown = 0
    oversize = 0                      # dropped by the hypervisor on QEMU (module doc)
    whole_oversize = net.bed != "bochs"
    echoes = {}                       # (ident, seq) -> (vm, data)
    frames = []
    for rnd in range(8):
        batch = []
        for n in VMS:
            ident = 0x100 + VMS.index(n)
            data = nt.payload(rng.randrange(16, 400), rng)
            batch.append((n, nt.icmp_echo_frame(vm_mac(n), nt.TESTER_MAC, nt.TESTER_IP,
                                                vm_ip(n), ident, rnd, data)))
            echoes[(ident, rnd)] = (n, data)
            runt_ident = 0x200 + VMS.index(n)     # a 42-byte echo: answered
            batch.append((n, nt.icmp_echo_frame(vm_mac(n), nt.TESTER_MAC, nt.TESTER_IP,
                                                vm_ip(n), runt_ident, rnd, b"", pad=False)))
            echoes[(runt_ident, rnd)] = (n, b"")
            batch.append((n, nt.sized_udp_frame(rng.randrange(60, 1515), vm_mac(n),
                                                dst_ip=vm_ip(n))))
            batch.append((n, nt.eth(vm_mac(n), nt.TESTER_MAC, 0x88b5,
                                    bytes([rnd + 1]) * 6, pad=False)))   # 20-byte runt
            batch.append(("!" if whole_oversize else n,
                          nt.sized_udp_frame(OVERSIZE, vm_mac(n), dst_ip=vm_ip(n))))
        batch.append(("*", nt.arp_request_frame(nt.TESTER_MAC, nt.TESTER_IP, "192.168.77.250")))
        batch.append(("*", nt.udp_frame(MCAST_MAC, nt.TESTER_MAC, nt.TESTER_IP, "224.0.0.251",
                                        5353, 5353, nt.payload(30, rng))))
        for mac in UNKNOWN_MACS:
            batch.append(("?", nt.sized_udp_frame(rng.randrange(60, 600), mac)))
        rng.shuffle(batch)
        frames += batch
    seen = []
    for who, f in frames:
        w.send(f)
        if who == "*":
            group.append(len(f))
        elif who == "?":
            unknown += 1
        elif who == "!":
            oversize += 1
        else:
            uni[who].append(len(f))
        time.sleep(PACE_S)
        seen += w.drain()

    table1 = settled_table(net)
    seen += w.drain()
    drops1 = bochs_drops(net) - drops0
    tap1 = tap_counters(net)
    sent1 = len(frames)

    # The wire: tx counted by the TAP = what we sent; what Bochs dropped.
    if tap1["tx"] - tap0["tx"] != sent1 or tap1["tx_dropped"] != tap0["tx_dropped"]:
        problems.append("TAP counted %d frames out (%d dropped), we sent %d" % (
            tap1["tx"] - tap0["tx"], tap1["tx_dropped"] - tap0["tx_dropped"], sent1))
    # Bochs drops before the NIC's filter, so a frame for an unknown MAC
    # may be among its drops: then the filter did not see it.
    nic_rx = table1.nic["rx"] - table0.nic["rx"]
    lo = sent1 - drops1 - (unknown if exact else 0)
    hi = lo + (min(drops1, unknown) if exact else 0)
    if not lo <= nic_rx <= hi:
        problems.append("phase 1: the NIC received %d frames; sent %d, %d to unknown MACs "
                        "(filtered by the NIC: %s), %d oversized (whole on QEMU), "
                        "%d dropped by Bochs: expected %d..%d" % (
                            nic_rx, sent1, unknown, exact, oversize, drops1, lo, hi))
    for n in VMS:
        want = len(uni[n]) + len(group)
        got = table1.accounted(n) - table0.accounted(n)
        bc = table1.vm[n]["bcast"] - table0.vm[n]["bcast"]
        nbytes = table1.vm[n]["rx_bytes"] - table0.vm[n]["rx_bytes"]
        want_bytes = sum(map(delivered_len, uni[n] + group))
        if not (want - drops1 <= got <= want):
            problems.append("phase 1: %s: delivered+dropped %d, sent to it %d (%d unicast, %d "
                            "group; Bochs dropped %d in all)" % (n, got, want, len(uni[n]),
                                                                 len(group), drops1))
        if drops1 == 0 and (bc != len(group) or nbytes != want_bytes):
            problems.append("phase 1: %s: %d group frames and %d bytes delivered, want %d and "
                            "%d" % (n, bc, nbytes, len(group), want_bytes))
    for k in ("unknown", "bad_len", "no_vm", "oversize"):
        d = table1.pool[k] - table0.pool[k]
        if k == "unknown" and not exact:    # unicast promiscuous: counted here
            ok = unknown - drops1 <= d <= unknown
        elif k == "oversize":               # longer than mtu 1500 allows
            ok = d == oversize
        else:
            ok = d == 0
        if not ok:
            problems.append("phase 1: pool drops %s went up by %d" % (k, d))

    # Replies: every echo answered once, by the VM it was sent to, intact;
    # nothing else came from the VMs (unknown MACs, group frames, discard
    # datagrams and runts of other types are all dropped silently).
    answered = {}
    for p in seen:
        if p.pkttype == nt.PACKET_OUTGOING:
            continue
        if p.icmp_type == nt.ICMP_ECHO_REPLY and (p.icmp_id, p.icmp_seq) in echoes:
            n, data = echoes[(p.icmp_id, p.icmp_seq)]
            if (p.src, p.ip_src, p.dst, p.ip_dst) != (vm_mac(n), vm_ip(n), nt.TESTER_MAC,
                                                      nt.TESTER_IP):
                problems.append("echo for %s answered as %s" % (n, nt.describe(p)))
            elif p.icmp_data != data or not p.icmp_ok or not p.ip_ok:
                problems.append("echo for %s: bad reply %s" % (n, nt.describe(p)))
            answered[(p.icmp_id, p.icmp_seq)] = answered.get((p.icmp_id, p.icmp_seq), 0) + 1
        else:
            problems.append("unexpected frame from the NIC: %s" % nt.describe(p))
    dup = [k for k, c in answered.items() if c > 1]
    missing = [k for k in echoes if k not in answered]
    if dup:
        problems.append("echoes answered more than once: %s" % dup)
    if len(missing) > drops1:
        problems.append("%d echo requests never answered (Bochs dropped only %d frames): %s" % (
            len(missing), drops1, missing[:10]))

    # The guests saw what the hypervisor delivered, and hold nothing.
    lines = wait_guest_net_lines(net, table1.end)
    for n in VMS:
        g, r = lines[n], table1.vm[n]
        if g["rx"] != r["rx"] or g["held"] != 0:
            problems.append("%s: its stack took %d frames (held %d), the hypervisor delivered "
                            "%d" % (n, g["rx"], g["held"], r["rx"]))
        if g.get("copied") is not None and g["copied"] != r["copied"]:
            problems.append("%s: it read %d frames from copy buffers, the hypervisor copied "
                            "%d" % (n, g["copied"], r["copied"]))
        if given_back(r) != r["rx"]:
            problems.append("%s: released %d, copied %d, of %d" % (
                n, r["released"], r["copied"], r["rx"]))

    # ---- phase 2: bursts larger than the pool -------------------------
    bursts = [("beta", [nt.sized_udp_frame(60, vm_mac("beta"), dst_ip=vm_ip("beta"),
                                           sport=41000 + i) for i in range(200)]),
              ("*", [nt.arp_request_frame(nt.TESTER_MAC, nt.TESTER_IP, "192.168.77.%d" % (100 + i))
                     for i in range(100)])]
    before = table1
    burst_notes = []
    for target, burst in bursts:
        d0 = bochs_drops(net)
        for f in burst:
            w.send(f)
        after = settled_table(net)
        w.drain()
        d = bochs_drops(net) - d0
        nic_rx = after.nic["rx"] - before.nic["rx"]
        what = "burst of %d to %s" % (len(burst), "every VM" if target == "*" else target)
        if nic_rx != len(burst) - d:
            problems.append("%s: the NIC received %d, sent %d, Bochs dropped %d" % (
                what, nic_rx, len(burst), d))
        for n in VMS:
            got = after.accounted(n) - before.accounted(n)
            want = nic_rx if target in ("*", n) else 0
            if got != want:
                problems.append("%s: %s delivered+dropped %d, want %d (NIC rx %d)" % (
                    what, n, got, want, nic_rx))
            if target == "*" and after.vm[n]["bcast"] - before.vm[n]["bcast"] != \
                    after.vm[n]["rx"] - before.vm[n]["rx"]:
                problems.append("%s: %s got non-broadcast frames" % (what, n))
        for k in ("unknown", "bad_len"):
            if after.pool[k] != before.pool[k]:
                problems.append("%s: pool drops %s moved" % (what, k))
        burst_notes.append("%s: NIC %d, Bochs dropped %d, %s" % (
            what, nic_rx, d, ", ".join("%s rx %d quota %d ring %d" % (
                n, after.vm[n]["rx"] - before.vm[n]["rx"],
                after.vm[n]["quota"] - before.vm[n]["quota"],
                after.vm[n]["ring"] - before.vm[n]["ring"]) for n in VMS)))
        before = after

    # ---- the whole run ----------------------------------------------------
    end = before
    tap2 = tap_counters(net)
    total_drops = bochs_drops(net)
    filtered = unknown if exact else 0     # oversized ones reach the NIC (LPE)
    out = tap2["tx"] - tap2["tx_dropped"]
    if not end.nic["rx"] + total_drops + filtered - min(total_drops, filtered) <= out <= \
            end.nic["rx"] + total_drops + filtered:
        problems.append("over the run: the TAP sent %d (%d dropped), the NIC received %d, "
                        "Bochs dropped %d, the NIC filtered up to %d" % (
                            tap2["tx"], tap2["tx_dropped"], end.nic["rx"], total_drops,
                            filtered))
    bad = conservation_problems(net.serial(), INJECT_POOL)
    problems += ["conservation broken: " + b for b in bad]
    for n in VMS:
        if given_back(end.vm[n]) != end.vm[n]["rx"]:
            problems.append("%s holds frames at the end: %s" % (n, end.vm[n]))
    if end.pool["delivered"] or end.pool["reclaiming"]:
        problems.append("frames still delivered/reclaiming at the end")
    no_panic(net)
    w.close()
    if problems:
        raise Fail(problems_report("net_inject (refused at send: %s; %s)" % (
            refused, "; ".join(burst_notes)), problems, table0, table1, end))
    return ("%d frames interleaved (%d unknown-MAC, %d group); %s; Bochs dropped %d in all; "
            "at send time: %s; %.1f s" % (
                sent1, unknown, len(group), "; ".join(burst_notes), total_drops,
                ", ".join("%s %s" % (k, "sent" if v == "None" else "refused " + v)
                          for k, v in refused.items()), time.monotonic() - t0))


# --------------------------------------------------------------------------
# (c) a VM that never releases

HOARD_POOL = 32
HOARD_QUOTA = 8
HOARD_SLOTS = 16


def during_hoard(net):
    t0 = time.monotonic()
    wait_up(net)
    if not net.wait_serial(r"^beta: hoarding receive slots$", timeout=30):
        raise Fail("beta never started hoarding")
    rng = random.Random(0x40a4d)
    problems = []
    w = nt.Wire(net.socket(), net.tap)
    start = len(net.serial())
    pings = {n: [0, 0] for n in ("alpha", "gamma")}     # answered, asked
    sent_beta = sent_bcast = 0
    for rnd in range(6):
        # A burst at beta (and broadcasts, which beta takes too) ...
        for i in range(60):
            w.send(nt.sized_udp_frame(rng.randrange(60, 1000), vm_mac("beta"),
                                      dst_ip=vm_ip("beta")))
            sent_beta += 1
            if i % 4 == 0:
                w.send(nt.arp_request_frame(nt.TESTER_MAC, nt.TESTER_IP, "192.168.77.%d" %
                                            (100 + i)))
                sent_bcast += 1
        # ... while alpha and gamma must keep answering.
        for n in pings:
            ok, pr = nt.echo_ping(w, vm_mac(n), vm_ip(n), count=3, size=rng.randrange(8, 600),
                                  timeout=1.5, retries=3, rng=rng)
            pings[n][0] += ok
            pings[n][1] += 3
            problems += ["round %d: %s: %s" % (rnd, n, p) for p in pr]
        no_panic(net)
    t = settled_table(net)
    b = t.vm["beta"]
    if b["quota"] == 0:
        problems.append("beta was never held to its quota (quota drops 0)")
    if b["revoked"] == 0:
        problems.append("beta was never revoked (revoked 0)")
    if t.pool["reclaims"] == 0:
        problems.append("no reclaim event in the pool line")
    if b["released"] != 0:
        problems.append("beta, which never releases, has released %d" % b["released"])
    if b["rx"] - b["revoked"] > HOARD_QUOTA:
        problems.append("beta holds %d frames, quota %d" % (b["rx"] - b["revoked"], HOARD_QUOTA))
    for n in pings:
        r = t.vm[n]
        if r["quota"] or r["ring"]:
            problems.append("%s had drops: quota %d ring %d" % (n, r["quota"], r["ring"]))
    if b["revoked"] and not re.search(r"^beta: hoard: ignoring reclaim$", net.serial(),
                                      re.MULTILINE):
        problems.append("beta was revoked without a reclaim interrupt it noticed")
    problems += ["conservation broken: " + x for x in conservation_problems(net.serial(),
                                                                            HOARD_POOL)]
    no_panic(net)
    w.close()
    if problems:
        raise Fail(problems_report("net_hoard (sent beta %d unicast, %d broadcasts; echo "
                                   "answered %s; Bochs dropped %d)" % (
                                       sent_beta, sent_bcast, pings, bochs_drops(net)),
                                   problems, t))
    return ("beta: quota drops %d, revoked %d; reclaims %d; alpha/gamma answered %s; %.1f s" % (
        b["quota"], b["revoked"], t.pool["reclaims"], pings, time.monotonic() - t0))


# --------------------------------------------------------------------------
# (d) VM to VM: alpha pings beta through the hypervisor

PING_OK = re.compile(r"^\[test\] alpha: ping_ok=(\d+)$", re.MULTILINE)


def during_vm_to_vm(net):
    """Runs from alpha's up line on, so the wire is watched before alpha
    starts its ping (its ARP broadcast for beta may show; echoes must
    not)."""
    t0 = time.monotonic()
    w = nt.Wire(net.socket(), net.tap)
    seen = []
    stop = threading.Event()

    def watch():
        while not stop.is_set():
            p = w.recv(0.2)
            if p is not None:
                seen.append(p)
    th = threading.Thread(target=watch, daemon=True)
    th.start()
    problems = []
    m = m2 = None
    try:
        wait_up(net)
        m = net.wait_serial(r"^\[test\] alpha: ping_ok=([3-9]|[1-9]\d+)$", timeout=120)
        if not m:
            problems.append("no '[test] alpha: ping_ok=N' with N >= 3 in 120 s (last: %s)" %
                            PING_OK.findall(net.serial())[-1:])
        else:
            # Watch on while alpha goes on pinging: a later report must
            # count more replies. Meanwhile a positive control: an echo
            # to gamma, whose reply the watcher must see.
            w.send(nt.icmp_echo_frame(vm_mac("gamma"), nt.TESTER_MAC, nt.TESTER_IP,
                                      vm_ip("gamma"), 0x7e57, 1, b"control"))
            m2 = net.wait_serial(PING_OK.pattern, timeout=30, start=m.end())
            if not m2 or int(m2.group(1)) <= int(m.group(1)):
                problems.append("ping_ok did not grow while the wire was watched: %s then %s" %
                                (m.group(0), m2.group(0) if m2 else None))
        if not re.search(r"^alpha: ping 192\.168\.77\.12: reply seq=\d+$", net.serial(),
                         re.MULTILINE):
            problems.append("no 'alpha: ping 192.168.77.12: reply seq=' line")
        # The ping goes on: the counters never settle; any later table.
        t = next_table(net, len(net.serial()))
    finally:
        stop.set()
        th.join()
        w.close()
    ips = {vm_ip("alpha"), vm_ip("beta")}
    on_wire = [p for p in seen if p.icmp_type in (nt.ICMP_ECHO, nt.ICMP_ECHO_REPLY) and
               {p.ip_src, p.ip_dst} == ips]
    if on_wire:
        problems.append("%d ICMP echo frames between .11 and .12 on the wire, e.g. %s" % (
            len(on_wire), nt.describe(on_wire[0])))
    if m2 and not any(p.icmp_type == nt.ICMP_ECHO_REPLY and p.icmp_id == 0x7e57 and
                      p.ip_src == vm_ip("gamma") for p in seen):
        problems.append("the watcher never saw gamma's reply to the control echo: it proves "
                        "nothing")
    arps = [p for p in seen if p.arp_op is not None and p.pkttype != nt.PACKET_OUTGOING]
    if t.vm["alpha"]["tx"] < 3 or t.vm["beta"]["rx"] < 3:
        problems.append("alpha tx %d, beta rx %d: fewer than 3 frames each way" % (
            t.vm["alpha"]["tx"], t.vm["beta"]["rx"]))
    problems += ["conservation broken: " + x for x in conservation_problems(net.serial(),
                                                                            DEFAULT_POOL)]
    no_panic(net)
    if problems:
        raise Fail(problems_report("net_vm_to_vm (%d frames seen on the wire: %s)" % (
            len(seen), "; ".join(nt.describe(p) for p in seen[:8])), problems, t))
    return ("ping_ok %s -> %s while watched; %d frame(s) from the NIC seen (the control "
            "echo's reply, %d ARP), no echo between the VMs; alpha tx %d, nic tx %d; %.1f s" % (
                m.group(1), m2.group(1), len(seen), len(arps), t.vm["alpha"]["tx"],
                t.nic["tx"], time.monotonic() - t0))


# --------------------------------------------------------------------------
# (e) scrub: a short frame after a long one shows only zeros past its end

SCRUB_POOL = 16
SCRUB_FRAMES = 72
LONG, SHORT = 1400, 60


def scrub_sequence(n, rng):
    """n frame kinds, "L" or "S", about half each, in random order. Not a
    plain L,S,L,S: the NIC's ring reuses a released page a fixed number
    of frames later (the posted count, 14 with this pool: even), so with
    a period of two every short frame would land on a page that last held
    a short one and a missing scrub would go unseen."""
    kinds = ["L"] * (n // 2) + ["S"] * (n - n // 2)
    rng.shuffle(kinds)
    return kinds


def during_scrub(net):
    t0 = time.monotonic()
    wait_up(net)
    problems = []
    rng = random.Random(0x5c2b)
    w = nt.Wire(net.socket(), net.tap)
    base = settled_table(net)
    rx = {n: base.vm[n]["rx"] for n in VMS}
    scrubbed0 = base.pool["scrubbed"]
    nbytes = 0
    last = base
    kinds = scrub_sequence(SCRUB_FRAMES, rng)
    for i, kind in enumerate(kinds):
        a = VMS[i % 3]          # each frame to another VM than the one before
        if kind == "L":         # non-zero from its first payload byte to its last
            f = nt.sized_udp_frame(LONG, vm_mac(a), dst_ip=vm_ip(a), fill=0xa5 + i % 16)
        else:
            f = nt.sized_udp_frame(SHORT, vm_mac(a), dst_ip=vm_ip(a), fill=0x11)
        w.send(f)
        rx[a] += 1
        nbytes += len(f)
        # The next frame only once this one is given back, as the
        # statistics say (released, or copied: a copied frame's page is
        # FREE at once): its page is then back in the pool for the NIC
        # to reuse.
        deadline = time.monotonic() + 20
        while True:
            t = next_table(net, last.end, timeout=20)
            last = t
            if given_back(t.vm[a]) >= rx[a]:
                break
            if time.monotonic() >= deadline:
                raise Fail(problems_report("frame %d: %s never released it (rx wanted %d)" % (
                    i, a, rx[a]), [], t))
        w.drain()
    end = settled_table(net)
    after = end.end
    # A report from each VM made after the last frame was taken.
    for n in VMS:
        m = net.wait_serial(r"^\[test\] %s: dirty=(\d+)$" % n, timeout=30, start=after)
        if not m:
            problems.append("no '[test] %s: dirty=N' report after the traffic" % n)
        elif m.group(1) != "0":
            problems.append(m.group(0))
    dirty = re.findall(r"^.*dirty=[1-9].*$", net.serial(), re.MULTILINE)
    if dirty:
        problems.append("%d lines report dirty frames, the first: %s" % (
            len(dirty), "; ".join(dirty[:4])))
    for n in VMS:
        if end.vm[n]["rx"] != rx[n] or given_back(end.vm[n]) != rx[n]:
            problems.append("%s: rx %d released %d copied %d, sent %d" % (
                n, end.vm[n]["rx"], end.vm[n]["released"],
                end.vm[n]["copied"], rx[n]))
    # The scrub rule zeroes only the stale tail past a frame, when a page
    # is mapped into a VM that did not see it: a short frame flipped onto
    # a long one's page zeroes its tail, a copied frame zeroes nothing.
    scrubbed = end.pool["scrubbed"] - scrubbed0
    flipped = end.pool.get("flipped", 0) - base.pool.get("flipped", 0)
    if flipped >= SCRUB_FRAMES and not scrubbed:
        problems.append("flipped %d frames, short after long, and scrubbed nothing" % flipped)
    if scrubbed > nbytes:
        problems.append("scrubbed %d bytes for %d bytes of frames" % (scrubbed, nbytes))
    problems += ["conservation broken: " + x for x in conservation_problems(net.serial(),
                                                                            SCRUB_POOL)]
    no_panic(net)
    w.close()
    if problems:
        raise Fail(problems_report("net_scrub (Bochs dropped %d)" % bochs_drops(net),
                                   problems, base, end))
    return "%d frames (%d long, %d short), every VM dirty=0; %.1f s" % (
        SCRUB_FRAMES, kinds.count("L"), kinds.count("S"), time.monotonic() - t0)


# --------------------------------------------------------------------------

def mode_problems(t, mode, flips=True):
    """What table t says against delivery mode 'mode' (module doc).
    flips: the test sends frames longer than HYBRID_THRESHOLD."""
    p = []
    rx = sum(r["rx"] for r in t.vm.values())
    copied = sum(r["copied"] for r in t.vm.values())
    if t.mode != mode:
        p.append("the pool line says mode %r, the config %r" % (t.mode, mode))
    if t.pool.get("flipped", 0) + t.pool.get("copied", 0) != rx or \
            t.pool.get("copied") != copied:
        p.append("pool line flipped %s + copied %s, the VMs rx %d copied %d" % (
            t.pool.get("flipped"), t.pool.get("copied"), rx, copied))
    if mode == "flip" and copied:
        p.append("flip mode copied %d frames" % copied)
    if mode == "copy":
        p += ["%s: copied %d of rx %d in copy mode" % (n, r["copied"], r["rx"])
              for n, r in t.vm.items() if r["copied"] != r["rx"]]
    if mode == "hybrid":
        if not copied:
            p.append("hybrid mode copied nothing (copy_threshold %d)" % HYBRID_THRESHOLD)
        if flips and copied == rx:
            p.append("hybrid mode flipped nothing, with frames over %d bytes sent" %
                     HYBRID_THRESHOLD)
    return p


def in_mode(during, mode, flips=True):
    """during(net), then its last table checked against the mode."""
    def run(net):
        result = during(net)
        tables = parse_tables(net.serial())
        if not tables:
            raise Fail("no complete [stats] table to check the mode against")
        t = tables[-1]
        problems = mode_problems(t, mode, flips)
        if problems:
            raise Fail(problems_report("delivery %s" % mode, problems, t))
        return "%s; %s: flipped %d copied %d" % (result, mode, t.pool["flipped"],
                                                 t.pool["copied"])
    return run


# The AMD-V bed (QEMU TCG, -cpu max) runs each test in one delivery mode
# only, to keep `make test` short; together they cover all three.
SVM_MODES = {"net_stack": "hybrid", "net_inject": "flip", "net_hoard": "copy",
             "net_vm_to_vm": "copy", "net_scrub": "hybrid"}


def _net_test(name, mode, doc, during, cfg_text, timeout=240, expect=(), fail=(),
              ready=r"^gamma: net: up slots=", flips=True):
    return dict(name="%s_%s" % (name, mode), bed="bochs", esp="build/esp",
                doc="%s (delivery %s)" % (doc, mode), cfg_text=cfg_text, netns=True,
                ready=ready, during=in_mode(during, mode, flips),
                expect=[r"^\[net\] delivery %s\b" % mode, r"^\[stats\] pool \("] +
                list(expect),
                fail=[PANIC, r"\bstopped\b", r"HC_NET_SETUP refused",
                      r"copy buffer written past"] + list(fail),
                timeout=timeout)


def _tests(mode):
    return [
        _net_test("net_stack", mode,
                  "the namespace's Linux stack pings each VM, resolves each VM's configured "
                  "MAC by ARP, and gets UDP echoes of 18..1472 random bytes back intact from "
                  "the right VM",
                  during_stack, config(mode), timeout=180),

        _net_test("net_inject", mode,
                  "raw frames: interleaved unicast, broadcast, multicast, unknown-MAC, runt "
                  "and oversized frames, then bursts larger than the pool: every frame that "
                  "reached the NIC is delivered to exactly the right VMs or counted as a "
                  "drop; conservation holds",
                  during_inject, config(mode, pool_frames=INJECT_POOL), timeout=240),

        _net_test("net_hoard", mode,
                  "beta never releases (quota 8, 16 slots, pool 32, reclaim 50 ms): it is "
                  "held to its quota and revoked while alpha and gamma keep answering",
                  during_hoard,
                  config(mode, pool_frames=HOARD_POOL, reclaim_ms=50,
                         beta=dict(test_mode="net_hoard", quota_frames=HOARD_QUOTA,
                                   rx_slots=HOARD_SLOTS)),
                  timeout=240, fail=[r"alpha: .*refused", r"gamma: .*refused"]),

        # Its frames may all be short: hybrid need not flip any.
        _net_test("net_vm_to_vm", mode,
                  "alpha pings beta (config 'ping'): replies come back through the "
                  "hypervisor and no echo between them appears on the wire",
                  during_vm_to_vm, config(mode, alpha=dict(ping="192.168.77.12")),
                  timeout=200, ready=r"^alpha: up mac=", flips=False),

        _net_test("net_scrub", mode,
                  "with a 16-frame pool, a short frame delivered after a long one to another "
                  "VM shows only zero bytes past its length: every VM reports dirty=0",
                  during_scrub, config(mode, pool_frames=SCRUB_POOL), timeout=240,
                  fail=[r"dirty=[1-9]"]),
    ]


def _svm(t):
    """The same test on QEMU TCG with AMD-V: name suffixed _svm. QEMU runs
    in real time, so net_scrub, which waits for one statistics table per
    frame, gets a table every 200 ms instead of every second."""
    cfg = t["cfg_text"]
    if t["name"].startswith("net_scrub_"):
        cfg = cfg.replace("stats_ms = %d\n" % STATS_MS, "stats_ms = 200\n")
    # q35's MADT overrides IRQ 11 (level, active high): the NIC's interrupt
    # is routed by it, and it fires.
    expect = list(t["expect"]) + [
        r"^\[e1000\] interrupts: INTA# line \d+ -> I/O APIC pin \d+ \(MADT override\)",
        r"^\[stats\] nic: .* irqs [1-9]"]
    return dict(t, name=t["name"] + "_svm", bed="qemu", accel="tcg", cfg_text=cfg,
                expect=expect, doc=t["doc"] + " [AMD-V, QEMU TCG]")


TESTS = [t for mode in MODES for t in _tests(mode)] + \
    [_svm(t) for mode in MODES for t in _tests(mode)
     if SVM_MODES[t["name"][:-len(mode) - 1]] == mode]
