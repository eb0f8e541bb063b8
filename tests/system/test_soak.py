"""Soak (issue 6, item 5): minutes of mixed traffic in Bochs, and at the
end every frame injected is accounted for.

Five VMs: alpha, beta, gamma are well behaved (alpha also pings beta
through the hypervisor all along: VM-to-VM traffic); delta is a hoarder
(test_mode net_hoard, quota 8: never releases, is revoked); epsilon
floods garbage hypercalls (test_mode hypercall_flood) and never sets up
its ring, so unicast frames for it are 'nosetup' drops. With five MACs
the e1000 is in unicast promiscuous mode (Bochs keeps four receive
addresses), so unknown unicast reaches the software demux.

For FLIPVISOR_SOAK_S seconds (default 60; `make soak` runs 900) the
test drives, in random order: raw pings and UDP echoes of 1..1472 bytes
to the good VMs (each answer checked, with retries), ARP requests for
the VMs (the right MAC must answer) and for nobody, broadcasts, IPv4
and IPv6 multicast, frames for the hoarder and the flooder, unknown
unicast, IEEE 802.1 link-local frames, runts and oversized frames, and
now and then a burst of 40-150 frames back to back, faster than the bed
takes them. Every 2 s it checks each new statistics line: frame
conservation (free + posted + delivered + reclaiming = pool) and the
NIC's receive ring holding exactly the posted frames.

At the end, once the counters settle:
  injected = refused by the kernel + dropped by the TAP + taken by Bochs
  taken by Bochs = NIC rx + Bochs's drops ("device not ready" in bochs.log)
  NIC rx = accepted + unknown + bad_len + no_vm + link_local
so 'unaccounted' = injected - (every one of those) must be 0. Also: the
good VMs hold nothing and gave back all they got (released, or copied
on their copy rings), and their own stacks
saw exactly what the hypervisor delivered; the hoarder holds at most its
quota and the pool's delivered frames are no more than it holds (no
frame leaked); no VM stopped; alpha's pings of beta kept being answered.
It prints the figures as a table (also in the test's result line).
"""

import os
import random
import re
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(HERE)), "tools"))
import nettraffic as nt  # noqa: E402
import test_net as tn  # noqa: E402
import test_hostile_net as hn  # noqa: E402

VMS = hn.VMS                    # alpha .. epsilon, the same MACs and addresses
GOOD = ("alpha", "beta", "gamma")
HOARDER, FLOODER = "delta", "epsilon"
HOSTILE = (HOARDER, FLOODER)
POOL = 64
HOARD_QUOTA = 8
STATS_MS = 1000
DEFAULT_S = 60
PACE_S = 0.003
CHECK_EVERY_S = 2.0

mac, ip = hn.mac, hn.ip


def soak_seconds():
    try:
        return max(10.0, float(os.environ.get("FLIPVISOR_SOAK_S", DEFAULT_S)))
    except ValueError:
        return float(DEFAULT_S)


def config():
    text = ("stats_ms = %d\npool_frames = %d\nreclaim_ms = %d\ndelivery = hybrid\n"
            "copy_threshold = 256\n" % (STATS_MS, POOL, hn.RECLAIM_MS))
    for n in VMS:
        text += "[vm %s]\nmac = %s\nipv4 = %s/24\n" % (n, mac(n), ip(n))
        if n == "alpha":
            text += "ping = %s\n" % ip("beta")
        if n == HOARDER:
            text += "test_mode = net_hoard\nquota_frames = %d\nrx_slots = 16\n" % HOARD_QUOTA
        if n == FLOODER:
            text += "test_mode = hypercall_flood\n"
    return text


class Soak:
    def __init__(self, net, rng):
        self.net, self.rng = net, rng
        self.w = nt.Wire(net.socket(), net.tap)
        self.injected = 0           # frames handed to the kernel
        self.refused = 0            # ... that it refused at once
        self.kinds = {}             # what was sent, by kind
        self.answers = {"ping": [0, 0], "udp": [0, 0], "arp": [0, 0]}   # [ok, asked]
        self.problems = []
        self.checked = 0            # serial offset the running checks reached

    def send(self, frame, kind):
        self.injected += 1
        self.kinds[kind] = self.kinds.get(kind, 0) + 1
        if self.w.try_send(frame) is not None:
            self.refused += 1

    # Exchanges whose answer is checked. Each request is a frame
    # injected like the others.
    def ping(self, n):
        data = nt.payload(self.rng.randrange(0, 1400), self.rng)
        ident = self.rng.randrange(1, 65536)
        r = nt.ask(self.w, nt.icmp_echo_frame(mac(n), nt.TESTER_MAC, nt.TESTER_IP, ip(n),
                                              ident, 1, data),
                   nt.is_echo_reply(ip(n), ident, 1), 1.5, 4,
                   send=lambda f: self.send(f, "ping"))
        self.answers["ping"][1] += 1
        if r and r.icmp_data == data and r.src == mac(n) and r.icmp_ok:
            self.answers["ping"][0] += 1
        else:
            self.problems.append("ping %s (%d bytes): %s" % (
                n, len(data), nt.describe(r) if r else "no reply in 4 tries"))

    def udp_echo(self, n):
        data = nt.payload(self.rng.randrange(1, 1473), self.rng)
        sport = self.rng.randrange(20000, 60000)
        r = nt.ask(self.w, nt.udp_frame(mac(n), nt.TESTER_MAC, nt.TESTER_IP, ip(n), sport,
                                        nt.UDP_ECHO_PORT, data),
                   nt.is_udp_reply(ip(n), nt.UDP_ECHO_PORT, sport), 1.5, 4,
                   send=lambda f: self.send(f, "udp echo"))
        self.answers["udp"][1] += 1
        if r and r.udp_data == data and r.udp_ok and r.src == mac(n):
            self.answers["udp"][0] += 1
        else:
            self.problems.append("UDP echo %s (%d bytes): %s" % (
                n, len(data), nt.describe(r) if r else "no reply in 4 tries"))

    def arp(self, n):
        r = nt.ask(self.w, nt.arp_request_frame(nt.TESTER_MAC, nt.TESTER_IP, ip(n)),
                   nt.is_arp_reply(ip(n)), 1.5, 4, send=lambda f: self.send(f, "ARP"))
        self.answers["arp"][1] += 1
        if r and r.arp_sha == mac(n):
            self.answers["arp"][0] += 1
        else:
            self.problems.append("ARP %s: %s" % (n, nt.describe(r) if r else "no reply"))

    # Frames nobody answers.
    def noise(self):
        r = self.rng
        k = r.randrange(9)
        if k == 0:
            self.send(nt.arp_request_frame(nt.TESTER_MAC, nt.TESTER_IP,
                                           "192.168.77.%d" % r.randrange(100, 250)), "broadcast")
        elif k == 1:
            self.send(nt.udp_frame("01:00:5e:00:00:fb", nt.TESTER_MAC, nt.TESTER_IP,
                                   "224.0.0.251", 5353, 5353, nt.payload(r.randrange(1, 400), r)),
                      "IPv4 multicast")
        elif k == 2:
            self.send(hn.eth_raw("33:33:00:00:00:%02x" % r.randrange(1, 256), 0x86dd,
                                 nt.payload(r.randrange(40, 400), r)), "IPv6 multicast")
        elif k == 3:
            self.send(nt.sized_udp_frame(r.randrange(60, 1515), mac(HOARDER), dst_ip=ip(HOARDER)),
                      "to the hoarder")
        elif k == 4:
            self.send(nt.sized_udp_frame(r.randrange(60, 1515), mac(FLOODER),
                                         dst_ip=ip(FLOODER)), "to the flooder")
        elif k == 5:
            self.send(nt.sized_udp_frame(r.randrange(60, 1515), "02:00:00:00:00:%02x" %
                                         r.randrange(0x10, 0xf0)), "unknown unicast")
        elif k == 6:
            self.send(hn.eth_raw("01:80:c2:00:00:%02x" % r.randrange(16), 0x88b5, bytes(46)),
                      "link-local")
        elif k == 7:
            n = r.choice(GOOD)
            self.send(hn.eth_raw(mac(n), 0x88b5, bytes(r.randrange(0, 46))), "runt")
        else:
            n = r.choice(GOOD)
            self.send(nt.sized_udp_frame(r.randrange(1515, 3000), mac(n), dst_ip=ip(n)),
                      "oversized")

    def burst(self):
        r = self.rng
        for i in range(r.randrange(40, 151)):
            n = r.choice(VMS)
            if r.random() < 0.2:
                self.send(nt.arp_request_frame(nt.TESTER_MAC, nt.TESTER_IP, "192.168.77.%d" %
                                               r.randrange(100, 250)), "burst")
            else:
                self.send(nt.sized_udp_frame(r.choice((60, 300, 1000, 1514)), mac(n),
                                             dst_ip=ip(n), sport=50000 + i), "burst")

    def tables_end(self):
        """Where the last complete stats table's nic line ends."""
        text = self.net.serial()
        ends = [m.end() for m in re.finditer(r"^\[stats\] nic: .*\n", text, re.MULTILINE)]
        return text, (ends[-1] if ends else 0)

    def check_lines(self):
        """Conservation and the NIC ring in every stats table completed
        since the last check."""
        text, end = self.tables_end()
        new = text[self.checked:end]
        bad = hn.ring_problems(new, POOL) if "[stats] pool" in new else []
        self.checked = max(self.checked, end)
        if bad:
            raise tn.Fail("during the soak: %s" % "; ".join(bad[:5]))
        tn.no_panic(self.net)


def wire_key(net, t):
    """What only the wire moves: alpha's pings of beta never stop, so the
    VMs' own rows never settle."""
    return (t.nic["rx"], tuple(t.pool[k] for k in hn.FRAME_CAUSES), tn.bochs_drops(net),
            tn.tap_counters(net)["tx"])


def settled_wire(net, timeout=90.0):
    """The first table after two in a row with the same wire_key: every
    frame injected has been taken and counted."""
    deadline = time.monotonic() + timeout
    prev = tn.next_table(net, len(net.serial()))
    pk = wire_key(net, prev)
    while True:
        t = tn.next_table(net, prev.end, max(1.0, deadline - time.monotonic()))
        k = wire_key(net, t)
        if k == pk:
            return t
        if time.monotonic() >= deadline:
            raise tn.Fail("the wire's counters still moving after %g s: %s then %s" % (
                timeout, pk, k))
        prev, pk = t, k


def stack_problems(net, n, start):
    """VM n's own 'net rx=' line against the hypervisor's tables printed
    just before and just after it (alpha and beta trade pings all along,
    so their counts move between tables): the stack saw what was
    delivered, and held nothing a table later."""
    text = net.serial()
    ms = list(re.finditer(r"^%s: net rx=(\d+) .*held=(\d+)" % n, text[start:], re.MULTILINE))
    for m in reversed(ms):
        at = start + m.start()
        before = [t for t in tn.parse_tables(text, start) if t.end <= at]
        after = tn.parse_tables(text, start + m.end())
        if not before or not after:
            continue
        rx = int(m.group(1))
        lo, hi = before[-1].vm[n]["rx"], after[0].vm[n]["rx"]
        if not lo <= rx <= hi:
            return ["%s: its stack took %d frames; the hypervisor had delivered %d..%d" % (
                n, rx, lo, hi)]
        return []
    return ["%s: no 'net rx=' line between two tables after the soak" % n]


def table(rows):
    w = max(len(r[0]) for r in rows)
    return "\n".join("  %-*s %10s" % (w, a, b) for a, b in rows)


def during(net):
    t_start = time.monotonic()
    seconds = soak_seconds()
    tn.wait_up(net, GOOD + (HOARDER,))
    if not net.wait_serial(r"^%s: hoarding receive slots$" % HOARDER, timeout=30):
        raise tn.Fail("%s never started hoarding" % HOARDER)
    if not net.wait_serial(r"^%s: flooding garbage hypercalls$" % FLOODER, timeout=30):
        raise tn.Fail("%s never started flooding" % FLOODER)
    exact = tn.filter_exact(net)
    rng = random.Random(int(os.environ.get("FLIPVISOR_SOAK_SEED", "0x50a6"), 0))
    s = Soak(net, rng)
    rc, out = net.exec(["ip", "link", "set", "dev", net.tap, "mtu", "3000"])
    if rc != 0:
        raise tn.Fail("cannot raise the TAP's MTU: %s" % out)
    t0 = settled_wire(net)
    s.w.drain()
    d0, tap0 = tn.bochs_drops(net), tn.tap_counters(net)
    ping0 = tn.PING_OK.findall(net.serial())
    s.checked = s.tables_end()[1]
    end_at = time.monotonic() + seconds
    next_check = time.monotonic() + CHECK_EVERY_S
    rounds = 0
    while time.monotonic() < end_at:
        rounds += 1
        k = rng.random()
        n = rng.choice(GOOD)
        if k < 0.25:
            s.ping(n)
        elif k < 0.5:
            s.udp_echo(n)
        elif k < 0.55:
            s.arp(n)
        elif k < 0.58:
            s.burst()
            time.sleep(0.3)         # let the bed drain before the next answer is due
        else:
            for _ in range(rng.randrange(1, 6)):
                s.noise()
                time.sleep(PACE_S)
        s.w.drain()
        if time.monotonic() >= next_check:
            s.check_lines()
            next_check = time.monotonic() + CHECK_EVERY_S
    t1 = settled_wire(net)
    s.w.drain()
    s.check_lines()
    drops = tn.bochs_drops(net) - d0
    tap1 = tn.tap_counters(net)
    took = tap1["tx"] - tap0["tx"]
    tap_drop = tap1["tx_dropped"] - tap0["tx_dropped"]
    d = {k: t1.pool[k] - t0.pool[k] for k in hn.FRAME_CAUSES}
    nic = t1.nic["rx"] - t0.nic["rx"]
    filtered = took - nic - drops if exact else 0     # by the NIC's exact filter
    problems = s.problems

    unaccounted = s.injected - (s.refused + tap_drop + drops + filtered + sum(d.values()))
    if took + tap_drop != s.injected - s.refused:
        problems.append("the kernel took %d frames, the TAP passed %d and dropped %d" % (
            s.injected - s.refused, took, tap_drop))
    if nic + drops + filtered != took:
        problems.append("the TAP passed %d, NIC rx %d, Bochs dropped %d" % (took, nic, drops))
    if sum(d.values()) != nic:
        problems.append("NIC rx %d, its causes %d" % (nic, sum(d.values())))
    if unaccounted:
        problems.append("%d frames unaccounted for" % unaccounted)

    # Nothing leaked, nobody but the hostile stopped.
    if not net.wait_serial(r"^gamma: net rx=", timeout=30, start=t1.end):
        problems.append("no 'net rx=' line from gamma after the soak")
    for _ in range(6):      # a few tables: one in which alpha and beta hold nothing
        tn.next_table(net, len(net.serial()))
    text = net.serial()
    tables = [t for t in tn.parse_tables(text, t1.end)]
    end = tables[-1]
    for n in GOOD:
        problems += stack_problems(net, n, t1.end)
        if not any(tn.given_back(t.vm[n]) == t.vm[n]["rx"] for t in tables):
            problems.append("%s held frames in every table after the soak: %s" % (
                n, ["%d+%d+%d/%d" % (t.vm[n]["released"], t.vm[n]["revoked"],
                                     t.vm[n]["copied"], t.vm[n]["rx"])
                    for t in tables]))
        # Quota drops are allowed: a burst may fill a good VM's quota
        # before it runs; they are counted, and in the table.
        for k in ("ring", "nosetup", "maperr"):
            if end.vm[n][k]:
                problems.append("%s had %d %s drops" % (n, end.vm[n][k], k))
    h = end.vm[HOARDER]
    held = h["rx"] - h["revoked"]
    if held > HOARD_QUOTA or h["released"]:
        problems.append("%s holds %d (quota %d), released %d" % (HOARDER, held, HOARD_QUOTA,
                                                                 h["released"]))
    if end.pool["delivered"] > held or end.pool["reclaiming"]:
        problems.append("pool: %d delivered, %d reclaiming, but only %s holds anything (%d)" % (
            end.pool["delivered"], end.pool["reclaiming"], HOARDER, held))
    if end.vm[FLOODER]["rx"] or not end.vm[FLOODER]["nosetup"]:
        problems.append("%s (no ring) got %d frames, %d nosetup drops" % (
            FLOODER, end.vm[FLOODER]["rx"], end.vm[FLOODER]["nosetup"]))
    stopped = re.findall(r"^\[vm\] (\S+) stopped", net.serial(), re.MULTILINE)
    if stopped:
        problems.append("stopped: %s" % stopped)
    ping1 = tn.PING_OK.findall(net.serial())
    if not ping1 or (ping0 and int(ping1[-1]) <= int(ping0[-1])):
        problems.append("alpha's pings of beta stopped being answered (ping_ok %s -> %s)" % (
            ping0[-1:], ping1[-1:]))
    problems += hn.ring_problems(net.serial(), POOL)
    tn.no_panic(net)
    s.w.close()

    rows = [("seconds of traffic", "%.0f" % seconds), ("injected", s.injected),
            ("  refused by the kernel", s.refused), ("  dropped by the TAP", tap_drop),
            ("  dropped by Bochs (no descriptor)", drops),
            ("  refused by the NIC's filter", filtered), ("  received by the NIC", nic)]
    rows += [("    %s" % k, d[k]) for k in hn.FRAME_CAUSES]
    rows += [("unaccounted", unaccounted)]
    for n in VMS:
        r0, r1 = t0.vm[n], end.vm[n]
        rows.append(("%s rx / quota / ring / nosetup drops / revoked" % n,
                     "/".join(str(r1[k] - r0[k])
                              for k in ("rx", "quota", "ring", "nosetup", "revoked"))))
    rows += [
             ("answered of asked: ping, UDP echo, ARP", " ".join(
                 "%d/%d" % tuple(s.answers[k]) for k in ("ping", "udp", "arp"))),
             ("alpha->beta ping_ok", ping1[-1] if ping1 else "-")]
    text = table(rows)
    print("soak figures:\n" + text, flush=True)
    kinds = ", ".join("%s %d" % kv for kv in sorted(s.kinds.items()))
    if problems:
        raise tn.Fail(tn.problems_report("soak (%s)\n%s" % (kinds, text), problems[:30], t0,
                                         end))
    return "%.0f s, %d rounds, injected %d (%s), unaccounted 0; %.1f s" % (
        seconds, rounds, s.injected, kinds, time.monotonic() - t_start)


TESTS = [dict(
    name="net_soak", bed="bochs", esp="build/esp", netns=True, cfg_text=config(),
    doc="mixed traffic to five VMs (a hoarder and a hypercall flooder among them) for "
        "FLIPVISOR_SOAK_S seconds: conservation in every stats line, every injected frame "
        "accounted for, nothing leaked, no VM stopped",
    ready=r"^%s: net: up slots=" % HOARDER, during=during,
    expect=[r"^\[stats\] pool \("],
    fail=[tn.PANIC, r"\bstopped\b", r"HC_NET_SETUP refused"],
    timeout=soak_seconds() + 240)]
