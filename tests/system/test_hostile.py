"""Hostile guests and spies in Bochs (issue 6, items 2 and 3).

Each test boots two well-behaved guest-stub VMs, alpha and gamma (as in
test_net.py: 02:00:00:00:00:01 and :03, 192.168.77.11 and .13), beside
hostile ones (guest-stub test modes, docs/guest-stub.md, "Hostile
modes"), in delivery mode flip, where every frame is a page mapped into
a receive window (the spies register no copy area, so they get every
frame by flip in any mode). Throughout, raw ICMP echoes and UDP echoes
(tools/nettraffic.py) go to alpha and gamma, and every answer must come
back intact. At the end each test checks, from the hypervisor's
statistics (printed every emulated second):

    [stats] refused NAME: hypercalls R of H (nosys a inval b fault c state d) release X
            nosetup Y msr M io I; alive|stopped

that every hostile VM's misbehaviour was refused and counted for it, or
that it alone was stopped with the reason; that frame conservation holds
in every pool line; and that nothing panicked.

hostile_guests_flip, one boot:
  fuzzer   hypercall_fuzz: random hypercalls from a PRNG seeded per VM.
           Its own running counts (calls, refusals by error code) must
           bracket the hypervisor's counts in every table: every call
           counted, every refusal counted under its code.
  abuser   net_abuse: bad releases (not held, double, out of range, bad
           counts and lists), ring indices out of range, sends from
           outside RAM, from the receive window, oversized, spoofed.
           Every check refused with its expected code ("WRONG" fails the
           test); its refusals, spoofs and ring drops counted for it.
  hoarder  net_hoard: never releases: quota drops and revocation.
  spinner  spin_cli: spins with interrupts disabled: it keeps its share
           of the CPU (progress lines), the others keep theirs, and its
           frames are revoked.
  None of them may be stopped: none of them does anything the
  hypervisor cannot refuse.

hostile_spy_flip, one boot, pool of 32 frames so that a released frame
soon carries other traffic: the test floods alpha (the victim) with UDP
frames whose payload is SPY_MARKER_BYTE (0xa7), the only frames that
carry it, and pings and UDP-echoes it with that payload too, while:
  writer    slot_write: writes to its delivered (read-only) slot;
  spystale  spy_stale: reads its slot in the instructions right after
            releasing it, then in a tight loop for 300 ms;
  spylate   spy_released: reads a slot 300 ms after releasing it;
  spyrevoke spy_revoked: holds every slot until some are revoked, then
            reads the oldest 300 ms later.
Each must be stopped on an EPT violation in its receive window, or (if
a slot was readable) report only zero marker words; any
"SAW ANOTHER VM'S BYTES" line fails the test. Only they are stopped.
A stopped spy holds no frame afterwards (np_vm_stop took them back), and
two frames sent to each afterwards are counted drops ('nosetup').
"""

import os
import random
import re
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import test_net as tn  # noqa: E402
from test_net import Fail  # noqa: E402

nt = tn.nt
MARKER = 0xa7
GOOD = ("alpha", "gamma")


def hostile_vm(name, n, mode, **keys):
    """A [vm NAME] section: MAC 02:00:00:00:01:0n, 192.168.77.2n."""
    text = "[vm %s]\nmac = %s\nipv4 = %s/24\ntest_mode = %s\n" % (
        name, hostile_mac(n), hostile_ip(n), mode)
    return text + "".join("%s = %s\n" % kv for kv in keys.items())


def hostile_mac(n):
    return "02:00:00:00:01:%02x" % n


def hostile_ip(n):
    return "192.168.77.%d" % (20 + n)


def config(pool_frames, hostile):
    return ("stats_ms = %d\ndelivery = flip\npool_frames = %d\nreclaim_ms = 50\n" % (
        tn.STATS_MS, pool_frames) + tn.vm("alpha") + tn.vm("gamma") + hostile)


_REFUSED = re.compile(
    r"^\[stats\] refused (\S+): hypercalls (\d+) of (\d+) \(nosys (\d+) inval (\d+) "
    r"fault (\d+) state (\d+)\) release (\d+) nosetup (\d+) msr (\d+) io (\d+); "
    r"(alive|stopped)$", re.MULTILINE)
_REFUSED_KEYS = ("refused", "calls", "nosys", "inval", "fault", "state", "release",
                 "nosetup", "msr", "io")


def refused_lines(text, name):
    """[(offset, {refused, calls, nosys, ..., state: alive|stopped})] of VM name."""
    out = []
    for m in _REFUSED.finditer(text):
        if m.group(1) == name:
            d = dict(zip(_REFUSED_KEYS, map(int, m.groups()[1:11])))
            d["vm"] = m.group(12)
            out.append((m.start(), d))
    return out


def last_refused(net, name, after=None, timeout=15.0):
    """The refused counters of VM name: from the first '[stats] refused'
    line printed after serial offset 'after' (that of the table ending
    there: the refused lines follow the table), or the last one when
    'after' is None. Waits for the line while the hypervisor is still
    printing it (a loaded machine can leave a test reading the serial
    in the middle of it)."""
    deadline = time.monotonic() + timeout
    while True:
        r = [x for x in refused_lines(net.serial(), name) if after is None or x[0] >= after]
        if r:
            return r[0][1] if after is not None else r[-1][1]
        if time.monotonic() >= deadline:
            raise Fail("no '[stats] refused %s:' line%s" % (
                name, "" if after is None else " after offset %d" % after))
        time.sleep(0.1)


# A request may be lost before any VM sees it: Bochs drops a frame when
# the NIC has no free descriptor, which the marker flood of the spy test
# makes likely on a loaded machine. Retries absorb that; a wrong answer
# never passes.
TRIES = 6


class GoodTraffic:
    """ICMP and UDP echoes to alpha and gamma; every answer checked.
    payload: a function (size, rng) -> bytes for alpha's payloads."""

    def __init__(self, w, rng, alpha_payload=None):
        self.w, self.rng = w, rng
        self.alpha_payload = alpha_payload
        self.asked = {n: 0 for n in GOOD}
        self.answered = {n: 0 for n in GOOD}
        self.problems = []

    def _echo(self, name, data):
        """One ICMP echo with 'data', up to TRIES tries; True if answered intact."""
        ident = self.rng.randrange(1, 65536)
        p = nt.ask(self.w, nt.icmp_echo_frame(tn.vm_mac(name), nt.TESTER_MAC, nt.TESTER_IP,
                                              tn.vm_ip(name), ident, 1, data),
                   nt.is_echo_reply(tn.vm_ip(name), ident, 1), 1.5, TRIES)
        if not p:
            self.problems.append("%s: no echo reply in %d tries" % (name, TRIES))
            return False
        if p.icmp_data != data or not p.icmp_ok or not p.ip_ok or \
                p.src != tn.vm_mac(name) or p.dst != nt.TESTER_MAC:
            self.problems.append("%s: bad echo reply: %s" % (name, nt.describe(p)))
            return False
        return True

    def _udp(self, name, data):
        sport = self.rng.randrange(20000, 60000)
        p = nt.ask(self.w, nt.udp_frame(tn.vm_mac(name), nt.TESTER_MAC, nt.TESTER_IP,
                                        tn.vm_ip(name), sport, nt.UDP_ECHO_PORT, data),
                   nt.is_udp_reply(tn.vm_ip(name), nt.UDP_ECHO_PORT, sport), 1.5, TRIES)
        if not p:
            self.problems.append("%s: no UDP echo in %d tries (%d bytes)" % (name, TRIES,
                                                                          len(data)))
            return False
        if p.udp_data != data or not p.udp_ok or not p.ip_ok or p.src != tn.vm_mac(name):
            self.problems.append("%s: bad UDP echo: %s" % (name, nt.describe(p)))
            return False
        return True

    def round(self):
        for n in GOOD:
            for kind, size in (("icmp", self.rng.randrange(8, 600)),
                               ("udp", self.rng.randrange(18, 1400))):
                if n == "alpha" and self.alpha_payload:
                    data = self.alpha_payload(size, self.rng)
                else:
                    data = nt.payload(size, self.rng)
                self.asked[n] += 1
                ok = (self._echo if kind == "icmp" else self._udp)(n, data)
                self.answered[n] += ok

    def summary(self):
        return ", ".join("%s %d/%d" % (n, self.answered[n], self.asked[n]) for n in GOOD)


def quiet_table(net, busy=(), timeout=45.0):
    """tn.settled_table, but the rows of the VMs in 'busy' (which never
    stop making calls: their tx, spoof and drop counts keep moving) and
    the pool's flip count are left out of the comparison."""
    def key(t):
        return (tuple(sorted((n, tuple(sorted(r.items()))) for n, r in t.vm.items()
                             if n not in busy)), t.nic.get("rx"), t.pool.get("revoked"))
    deadline = time.monotonic() + timeout
    prev = tn.next_table(net, len(net.serial()), timeout)
    while True:
        t = tn.next_table(net, prev.end, max(2.0, deadline - time.monotonic()))
        if key(t) == key(prev):
            return t
        if time.monotonic() >= deadline:
            raise Fail("statistics still moving after %g s:\n%s\n%s" % (timeout, prev.text,
                                                                          t.text))
        prev = t


def good_vms_problems(net, t):
    p = []
    for n in GOOD:
        r = t.vm[n]
        if r["quota"] or r["ring"]:
            p.append("%s had drops: quota %d ring %d" % (n, r["quota"], r["ring"]))
        if last_refused(net, n, t.end)["vm"] != "alive":
            p.append("%s is stopped" % n)
    return p


def common_problems(net, t, pool):
    p = good_vms_problems(net, t)
    p += ["conservation broken: " + x for x in tn.conservation_problems(net.serial(), pool)]
    tn.no_panic(net)
    return p


# --------------------------------------------------------------------------
# hostile_guests: fuzzer, abuser, hoarder, spinner

GUESTS_POOL = 256
GUESTS_ROUNDS = 12      # at least; then until guests_done()
GUESTS_MAX_S = 150
FUZZ = re.compile(r"^fuzzer: fuzz: calls (\d+) refused (\d+) \(nosys (\d+) inval (\d+) "
                  r"fault (\d+) state (\d+) nodev (\d+) other (\d+)\)", re.MULTILINE)
ABUSE_ROUND = re.compile(r"^abuser: abuse: round (\d+): (\d+) refused as expected, (\d+) wrong, "
                         r"(\d+) frames, (\d+) spoofs$", re.MULTILINE)
ABUSE_CHECKS = (
    "release of 0 slots", "release of 65 slots", "release list outside RAM",
    "release list across the end of RAM", "release of slot nr_slots",
    "release of slot 0x7fff", "release of copy buffer nr_slots",
    "release of a slot not delivered", "release of a copy buffer never filled",
    "send from the receive window", "release of one slot twice in one list",
    "release of a held slot with a bad one", "release of a held slot", "double release",
    "send from outside RAM", "send across the end of RAM", "send wrapping around 2^64",
    "send of 1515 bytes", "send of 2^40 bytes", "send of 13 bytes",
    "send with another station's source MAC", "send with a broadcast source MAC",
    "send with a zero source MAC", "send to our own MAC")
HOSTILE_GUESTS = (hostile_vm("fuzzer", 1, "hypercall_fuzz") +
                  # Never near its quota: it must not lose a slot it
                  # abuses to revocation (it reads one between refusals).
                  hostile_vm("abuser", 2, "net_abuse", quota_frames=128, rx_slots=128) +
                  hostile_vm("hoarder", 3, "net_hoard", quota_frames=8, rx_slots=16) +
                  hostile_vm("spinner", 4, "spin_cli", quota_frames=8, rx_slots=16))


def guests_progress(text):
    """(abuser rounds reported, fuzzer lines, spinner progress lines)."""
    rounds = [int(m.group(1)) for m in ABUSE_ROUND.finditer(text)]
    return (max(rounds, default=0), len(FUZZ.findall(text)),
            len(re.findall(r"^spinner: spin_cli: progress \d+$", text, re.MULTILINE)))


def guests_done(text):
    """Enough of every hostile guest's work for the checks: the abuser
    through 12 rounds (both kinds of garbage ring, frames each round),
    the fuzzer's counts printed 4 times, the spinner scheduled 6 times."""
    rounds, fuzz, spins = guests_progress(text)
    return rounds >= 12 and fuzz >= 4 and spins >= 6


def fuzz_problems(text):
    """The fuzzer's own counts must bracket the hypervisor's in every
    table: a guest line flushed before a table was counted before it
    (calls + 1: HC_GET_IDENTITY came first), a line after it carries
    counts taken no earlier than the table's (the guest makes no
    hypercall while it prints)."""
    lines = [(m.start(), tuple(map(int, m.groups()))) for m in FUZZ.finditer(text)]
    tables = refused_lines(text, "fuzzer")
    p, checked = [], 0
    for off, hv in tables:
        before = [g for o, g in lines if o < off]
        after = [g for o, g in lines if o > off]
        if not before or not after:
            continue
        lo, hi = before[-1], after[0]
        checked += 1
        for i, key in enumerate(("calls", "refused", "nosys", "inval", "fault", "state")):
            want_lo, want_hi = lo[i], hi[i]
            if key == "calls":
                want_lo, want_hi = want_lo + 1, want_hi + 1
            if not want_lo <= hv[key] <= want_hi:
                p.append("fuzzer %s: the hypervisor counted %d, the guest %d before and %d "
                         "after" % (key, hv[key], want_lo, want_hi))
        if lo[6] or lo[7] or hi[6] or hi[7]:
            p.append("fuzzer got HC_E_NODEV or an unknown code: %s" % (hi,))
    if checked == 0:
        p.append("no table between two fuzzer lines (%d lines, %d tables)" % (
            len(lines), len(tables)))
    return p, checked


def abuse_problems(net, text, t):
    p = []
    for name in ABUSE_CHECKS:
        if not re.search(r"^abuser: abuse: %s: (refused|accepted) as expected" % re.escape(name),
                         text, re.MULTILINE):
            p.append("abuser: check '%s' never passed" % name)
    wrong = re.findall(r"^abuser: .*WRONG.*$", text, re.MULTILINE)
    if wrong:
        p.append("abuser: %d wrong answers: %s" % (len(wrong), wrong[:4]))
    rounds = [(m.start(), tuple(map(int, m.groups()))) for m in ABUSE_ROUND.finditer(text)]
    tables = refused_lines(text, "abuser")
    checked = 0
    for off, hv in tables:
        before = [g for o, g in rounds if o < off]
        after = [g for o, g in rounds if o > off]
        if not before or not after:
            continue
        checked += 1
        if not before[-1][1] <= hv["refused"] <= after[0][1]:
            p.append("abuser: the hypervisor counted %d refusals, the guest %d before and %d "
                     "after" % (hv["refused"], before[-1][1], after[0][1]))
    if not checked:
        p.append("abuser: no table between two round lines")
    r, a = last_refused(net, "abuser", t.end), t.vm["abuser"]
    for k in ("inval", "fault", "state", "release"):
        if not r[k]:
            p.append("abuser: no %s refusal counted: %s" % (k, r))
    if not a["spoof"]:
        p.append("abuser: no spoofed send counted")
    if not a["ring"]:
        p.append("abuser: no frame dropped for its garbage ring indices")
    if not a["released"]:
        p.append("abuser: none of its good releases was taken")
    return p, checked


def during_guests(net):
    t0 = time.monotonic()
    tn.wait_up(net, GOOD)
    for pat in (r"^fuzzer: fuzzing hypercalls, seed 0x[0-9a-f]+$",
                r"^abuser: abusing the network hypercalls$",
                r"^hoarder: hoarding receive slots$",
                r"^spinner: spinning with interrupts disabled$"):
        if not net.wait_serial(pat, timeout=60):
            raise Fail("never saw %r" % pat)
    rng = random.Random(0x4057)
    w = nt.Wire(net.socket(), net.tap)
    good = GoodTraffic(w, rng)
    sent = {n: 0 for n in ("abuser", "hoarder", "spinner")}
    try:
        rnd = 0
        while True:
            for i in range(4):
                for k, n in enumerate(sent):
                    if n == "abuser" and i >= 2:
                        continue
                    w.send(nt.sized_udp_frame(rng.randrange(60, 1000), hostile_mac(2 + k),
                                              dst_ip=hostile_ip(2 + k)))
                    sent[n] += 1
            w.send(nt.arp_request_frame(nt.TESTER_MAC, nt.TESTER_IP, "192.168.77.%d" %
                                        (100 + rnd % 100)))
            good.round()
            tn.no_panic(net)
            rnd += 1
            if rnd >= GUESTS_ROUNDS and guests_done(net.serial()):
                break
            if time.monotonic() - t0 > GUESTS_MAX_S:
                raise Fail("the hostile guests made too little progress in %d s: %s" % (
                    GUESTS_MAX_S, guests_progress(net.serial())))
        t = quiet_table(net, busy=("fuzzer", "abuser"))
    finally:
        w.close()
    text = net.serial()
    problems = list(good.problems)
    problems += common_problems(net, t, GUESTS_POOL)
    fp, fchecked = fuzz_problems(text)
    problems += fp
    ap, achecked = abuse_problems(net, text, t)
    problems += ap
    for n in ("fuzzer", "abuser", "hoarder", "spinner"):
        if last_refused(net, n, t.end)["vm"] != "alive":
            problems.append("%s was stopped: nothing it did needs that" % n)
    fz = last_refused(net, "fuzzer", t.end)
    if fz["refused"] < 1000:
        problems.append("fuzzer: only %d refusals counted" % fz["refused"])
    for n in ("hoarder", "spinner"):
        r = t.vm[n]
        if not r["quota"] or not r["revoked"] or r["released"]:
            problems.append("%s: quota %d revoked %d released %d: want quota drops and "
                            "revocations, no release" % (n, r["quota"], r["revoked"],
                                                         r["released"]))
    progress = [int(x) for x in re.findall(r"^spinner: spin_cli: progress (\d+)$", text,
                                           re.MULTILINE)]
    if len(progress) < 5:
        problems.append("spinner printed %d progress lines: not scheduled?" % len(progress))
    if problems:
        raise Fail(tn.problems_report("hostile_guests (echoes answered %s; Bochs dropped %d)" % (
            good.summary(), tn.bochs_drops(net)), problems, t))
    return ("echoes %s; fuzzer %d calls, %d refused (nosys %d inval %d fault %d state %d), "
            "bracketed in %d tables; abuser %d refused (%d in tables checked), spoof %d ring "
            "drops %d; hoarder quota %d revoked %d; spinner %d progress lines, revoked %d; "
            "%.1f s" % (good.summary(), fz["calls"], fz["refused"], fz["nosys"], fz["inval"],
                        fz["fault"], fz["state"], fchecked, last_refused(net, "abuser", t.end)["refused"],
                        achecked, t.vm["abuser"]["spoof"], t.vm["abuser"]["ring"],
                        t.vm["hoarder"]["quota"], t.vm["hoarder"]["revoked"], len(progress),
                        t.vm["spinner"]["revoked"], time.monotonic() - t0))


# --------------------------------------------------------------------------
# hostile_spy: the victim's frames never reach a spy

SPY_POOL = 32
SPIES = ("writer", "spystale", "spylate", "spyrevoke")
SPY_GUESTS = (hostile_vm("writer", 1, "slot_write") +
              hostile_vm("spystale", 2, "spy_stale") +
              hostile_vm("spylate", 3, "spy_released") +
              hostile_vm("spyrevoke", 4, "spy_revoked", quota_frames=4, rx_slots=8))
WINDOW_STOP = (r"^\[vm\] %s stopped: EPT violation at GPA 0x800[0-9a-f]{5} \(%s\): "
               r"(wrote to|touched) receive slot \d+")


def marker_payload(size, rng):
    return bytes([MARKER]) * size


def victim_flood(w, stop, counts):
    """Marker frames to alpha, 10 ms apart, until 'stop' is set: with a
    pool of 32 a released frame carries one of them within a second,
    and the NIC keeps free descriptors for everyone else."""
    rng = random.Random(0xa7)
    while not stop.is_set():
        w.send(nt.sized_udp_frame(rng.randrange(200, 1515), tn.vm_mac("alpha"),
                                  dst_ip=tn.vm_ip("alpha"), fill=MARKER))
        counts[0] += 1
        time.sleep(0.010)


def during_spy(net):
    t0 = time.monotonic()
    tn.wait_up(net, GOOD)
    for n in SPIES:
        if not net.wait_serial(r"^%s: net: up slots=\d+ \(no copy area\)$" % n, timeout=60):
            raise Fail("%s never printed 'net: up'" % n)
    rng = random.Random(0x5b1)
    w = nt.Wire(net.socket(), net.tap)
    flood_w = nt.Wire(net.socket(), net.tap)
    good = GoodTraffic(w, rng, alpha_payload=marker_payload)
    stop, flooded = threading.Event(), [0]
    flood = threading.Thread(target=victim_flood, args=(flood_w, stop, flooded), daemon=True)
    problems = []
    outcome = {}

    def spy_frame(n, k=1):
        for _ in range(k):
            w.send(nt.sized_udp_frame(rng.randrange(60, 1000), hostile_mac(1 + SPIES.index(n)),
                                      dst_ip=hostile_ip(1 + SPIES.index(n)), fill=0x11))

    def settle(n, timeout=30):
        """Wait for n's stop line or its 'readable' report, with good
        traffic meanwhile."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            text = net.serial()
            m = re.search(r"^\[vm\] %s stopped: .*$" % n, text, re.MULTILINE)
            if m:
                outcome[n] = m.group(0)
                return
            m = re.search(r"^%s: spy: slot \d+ readable .*$" % n, text, re.MULTILINE)
            if m:
                outcome[n] = m.group(0)
                return
            good.round()
            tn.no_panic(net)
        problems.append("%s: neither stopped nor reported a read in %d s" % (n, timeout))

    try:
        flood.start()
        good.round()
        spy_frame("writer")
        settle("writer")
        spy_frame("spystale")
        settle("spystale")
        spy_frame("spylate")
        settle("spylate")
        spy_frame("spyrevoke", 5)       # quota 4: one over, so it is asked, then revoked
        settle("spyrevoke")
        # A stopped VM gets nothing more: each of these is a counted drop.
        drops0 = tn.bochs_drops(net)
        for n in SPIES:
            if n in outcome and "stopped" in outcome[n]:
                spy_frame(n, 2)
        good.round()
    finally:
        stop.set()
        flood.join()
        flood_w.close()
    t = tn.settled_table(net, timeout=60)
    w.close()
    text = net.serial()
    problems += good.problems
    problems += common_problems(net, t, SPY_POOL)
    saw = re.findall(r"^.*SAW ANOTHER VM'S BYTES.*$", text, re.MULTILINE)
    if saw:
        problems.append("a spy read the victim's bytes: %s" % saw[:4])
    if re.search(r"STILL RUNNING", text):
        problems.append("writer wrote to a read-only slot and went on")
    for n in SPIES:
        o = outcome.get(n, "")
        stopped = re.match(WINDOW_STOP % (n, "w" if n == "writer" else "r"), o)
        readable = re.match(r"^%s: spy: slot \d+ readable .*: 0 marker words" % n, o)
        if not stopped and not readable:
            problems.append("%s: %s" % (n, o or "no outcome"))
    late_drops = tn.bochs_drops(net) - drops0
    for n in SPIES:
        if "stopped" not in outcome.get(n, ""):
            continue
        r, ref = t.vm[n], last_refused(net, n, t.end)
        if r["rx"] != r["released"] + r["revoked"]:
            problems.append("%s still holds frames after its stop: %s" % (n, r))
        if not re.search(r"^\[net\] %s: stopped; \d+ receive slot" % n, text, re.MULTILINE):
            problems.append("%s: no '[net] %s: stopped; N receive slot(s) ... taken back'" % (
                n, n))
        if not 2 - late_drops <= ref["nosetup"] <= 2:
            problems.append("%s: %d frames for it after its stop counted as drops, sent 2 "
                            "(Bochs dropped %d)" % (n, ref["nosetup"], late_drops))
    others = [l for l in re.findall(r"^\[vm\] (\S+) stopped", text, re.MULTILINE)
              if l not in SPIES]
    if others:
        problems.append("stopped besides the spies: %s" % others)
    if t.vm["alpha"]["rx"] < flooded[0] // 2:
        problems.append("alpha got %d frames of the %d marker frames sent" % (
            t.vm["alpha"]["rx"], flooded[0]))
    if problems:
        raise Fail(tn.problems_report("hostile_spy (echoes answered %s; %d marker frames to "
                                      "alpha; Bochs dropped %d)" % (
                                          good.summary(), flooded[0], tn.bochs_drops(net)),
                                      problems, t))
    return ("echoes %s; %d marker frames to alpha; %s; %.1f s" % (
        good.summary(), flooded[0], "; ".join("%s: %s" % (n, outcome[n]) for n in SPIES),
        time.monotonic() - t0))


def _test(name, doc, during, cfg_text, expect=(), fail=(), timeout=240):
    return dict(name=name, bed="bochs", esp="build/esp", doc=doc + " (delivery flip)",
                cfg_text=cfg_text, netns=True, ready=r"^gamma: net: up slots=",
                during=during,
                expect=[r"^\[net\] delivery flip\b", r"^\[stats\] refused alpha: "] + list(expect),
                fail=[tn.PANIC, r"^\[vm\] (alpha|gamma) stopped", r"^(alpha|gamma): .*refused",
                      r"SAW ANOTHER VM'S BYTES", r"STILL RUNNING"] + list(fail),
                timeout=timeout)


TESTS = [
    _test("hostile_guests_flip",
          "random hypercalls, bad releases, ring indices and sends, a hoarder and a guest "
          "spinning with interrupts off: each refused and counted for that VM, none stopped, "
          "while alpha and gamma answer every echo",
          during_guests, config(GUESTS_POOL, HOSTILE_GUESTS),
          fail=[r"^\[vm\] (fuzzer|abuser|hoarder|spinner) stopped", r"^abuser: .*WRONG"]),
    _test("hostile_spy_flip",
          "a write to a read-only slot, and spies reading their slots right after a "
          "release, later, and after revocation, while alpha gets marker frames: each spy "
          "is stopped or sees zeros, never a marker byte",
          during_spy, config(SPY_POOL, SPY_GUESTS)),
]
