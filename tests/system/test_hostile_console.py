"""An honest VM beside a console flood, in Bochs (issue 12, finding 2).

hostile_console_flip, one boot: alpha and gamma (honest guest-stubs with
the default quota_frames of 32, as in test_hostile.py) beside 'flooder'
(test_mode console_flood, docs/guest-stub.md): every round it sends 33
broadcast frames, so alpha and gamma sit at their quota and are asked to
reclaim, then makes two HC_CONSOLE_WRITEs of 256 newlines. Printed
synchronously at 115200 baud each write kept the CPU for about 250 ms
inside the flooder's exit; reclaim deadlines ran on wall time, so alpha
and gamma lost slots before they ever ran, touched them reading their
rings, and were stopped.

Throughout, ICMP and UDP echoes go to alpha and gamma. The test checks:
alpha and gamma are never stopped, answer every echo and have nothing
revoked (their deadlines count only their own time); the flooder made
progress (its HC_TEST reports); its console lines beyond its share were
dropped and counted for it alone (the '[stats] console:' line, and the
'[console] flooder: N line(s) dropped' notes in its place), none of
alpha's or gamma's; frame conservation holds; nothing panicked.
"""

import os
import random
import re
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import test_hostile as th  # noqa: E402
import test_net as tn  # noqa: E402
from test_net import Fail  # noqa: E402

nt = tn.nt
POOL = 256
MIN_PROGRESS = 24       # flooder rounds, at the least, before the checks
MIN_ROUNDS = 4          # rounds of echoes to alpha and gamma, at the least
MAX_S = 200

_PROGRESS = re.compile(r"^\[test\] flooder: progress=(\d+)$", re.MULTILINE)
# Whole lines only: the last one may still be on its way.
_CONSOLE = re.compile(r"^\[stats\] console: (\d+) bytes queued; guest lines dropped:(.*)\n",
                      re.MULTILINE)


def progress(text):
    p = _PROGRESS.findall(text)
    return int(p[-1]) if p else 0


def console_drops(text):
    """{name: lines dropped} from the last '[stats] console:' line, or
    None when there is none."""
    m = list(_CONSOLE.finditer(text))
    if not m:
        return None
    words = m[-1].group(2).split()
    return {words[i]: int(words[i + 1]) for i in range(0, len(words) - 1, 2)}


def during_flood(net):
    t0 = time.monotonic()
    tn.wait_up(net, th.GOOD)
    if not net.wait_serial(r"^flooder: flooding the console", timeout=60):
        raise Fail("the flooder never started")
    rng = random.Random(0xc0de)
    w = nt.Wire(net.socket(), net.tap)
    good = th.GoodTraffic(w, rng)
    rounds = 0
    try:
        while rounds < MIN_ROUNDS or progress(net.serial()) < MIN_PROGRESS:
            good.round()
            tn.no_panic(net)
            rounds += 1
            if time.monotonic() - t0 > MAX_S:
                raise Fail("the flooder made %d rounds in %d s" % (progress(net.serial()),
                                                                     MAX_S))
        t = tn.next_table(net, len(net.serial()), timeout=30)
    finally:
        w.close()
    problems = list(good.problems)
    for n in th.GOOD:
        if th.last_refused(net, n, t.end)["vm"] != "alive":
            problems.append("%s is stopped" % n)
        if t.vm[n]["revoked"]:
            problems.append("%s had %d slots revoked" % (n, t.vm[n]["revoked"]))
    # The table's console line follows its refused lines: wait for it
    # (it may still be on its way while they are read).
    m = net.wait_serial(_CONSOLE.pattern, timeout=30, start=t.end)
    drops = console_drops(m.group(0)) if m else None
    text = net.serial()
    if drops is None:
        problems.append("no '[stats] console:' line")
        drops = {}
    if not drops.get("flooder"):
        problems.append("no console line of the flooder dropped: %s" % drops)
    for n in th.GOOD:
        if drops.get(n, -1) != 0:
            problems.append("%s's console lines dropped: %s" % (n, drops))
    if not re.search(r"^\[console\] flooder: \d+ line\(s\) dropped", text, re.MULTILINE):
        problems.append("no '[console] flooder: N line(s) dropped' note")
    problems += ["conservation broken: " + x for x in tn.conservation_problems(text, POOL)]
    tn.no_panic(net)
    if problems:
        raise Fail(tn.problems_report("hostile_console (echoes %s, flooder %d rounds)" % (
            good.summary(), progress(text)), problems, t))
    return ("echoes %s; flooder %d rounds, %d console lines dropped; alpha %d gamma %d "
            "frames, none revoked; %.1f s" % (
                good.summary(), progress(text), drops.get("flooder", 0), t.vm["alpha"]["rx"],
                t.vm["gamma"]["rx"], time.monotonic() - t0))


_BOCHS = th._test(
    "hostile_console_flip",
    "a VM fills alpha's and gamma's quota with broadcasts, then floods the console "
    "with 256-line writes: alpha and gamma keep every slot, answer every echo and "
    "are never stopped; the flood's excess lines are dropped and counted for it",
    during_flood,
    th.config(POOL, th.hostile_vm("flooder", 1, "console_flood")),
    expect=[r"^\[stats\] console: "],
    fail=[r"^\[vm\] flooder stopped"])

# The same on AMD-V (QEMU TCG), where the slices, the reclaim clock and
# the console drain run on the other backend.
TESTS = [_BOCHS,
         dict(_BOCHS, name="hostile_console_flip_svm", bed="qemu", accel="tcg",
              doc=_BOCHS["doc"] + " [AMD-V, QEMU TCG]")]
