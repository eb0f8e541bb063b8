#!/usr/bin/env python3
"""`make bench-system`: what the receive path and release cost inside the
running hypervisor, per delivery mode and frame size, in Bochs.

One Bochs boot per mode (flip, copy, hybrid with copy_threshold 256), each
with the default config's three VMs, `stats_ms = 1000` and the e1000 on a
TAP in a private network namespace (tools/emu.py netns=True). In each
boot, from the namespace: COUNT ICMP echo requests to alpha in frames of
64 bytes, then COUNT in frames of 1514 bytes (lengths as the hypervisor
sees them, FCS stripped), one at a time: the next goes once the reply to
the last is back. So Bochs, which takes one frame off the TAP per
emulated millisecond, drops none, and every frame is received, answered
and released on its own, into an empty receive window: the same work,
and the same count, for every frame. After each size, once the
statistics have settled, the hypervisor's cost lines (vmm/net/net_cost.h,
printed after the statistics table):

    [stats] cost: rx R ticks/frame (T ticks / F frames in P passes; last K:
        min A median B max C), release ... ticks/slot (... slots in ...
        calls; ...), path flip, mode hybrid, copy <= 256 B

are differenced against the ones before it. With `clock: sync=none` the
TSC advances one tick per emulated instruction, so the figures are
instruction counts: deterministic, not cycles. The table goes to stdout
(--csv also writes it as CSV).

`make bench-system` boots a build with the invariant checks compiled out
(NET_COST_NO_CHECK): every np_check is a pass over the whole pool and
would be most of what is counted. --esp build/esp measures the ordinary
build, checks included.

Every frame is accounted for: the TAP's count, Bochs's "device not
ready" drops (bochs.log), the NIC's rx count, alpha's rx count and the
replies must all say COUNT; a phase that loses one is marked in the
table and the exit status is 1. Modes the source tree cannot do yet (no
`delivery` key in vmm/config.c, no NET_RX_F_COPY in vmm/net/rx_deliver.c)
are skipped with a note; --modes chooses. Needs root (a network
namespace and a TAP).
"""

import argparse
import csv
import json
import os
import re
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
sys.dont_write_bytecode = True   # no __pycache__ in the source tree
import emu  # noqa: E402
import nettraffic as nt  # noqa: E402

MODES = ("flip", "copy", "hybrid")
HYBRID_THRESHOLD = 256
SIZES = (64, 1514)
COUNT = 200
# (name, requests in flight). "single": the next request goes once the
# reply to the last is back. More in flight hardly batches in this bed
# (Bochs feeds the NIC one frame per emulated millisecond, and a frame's
# work is a fraction of that), so --in-flight N changes little.
REGIMES = (("single", 1),)
REPLY_TIMEOUT_S = 2.0
TARGET = ("alpha", "02:00:00:00:00:01", "192.168.77.11")
STATS_MS = 1000
BOOT_TIMEOUT = 300
PANIC = r"\[panic\]|EXCEPTION"

COST_RE = re.compile(
    r"^\[stats\] cost: rx (\d+) ticks/frame \((\d+) ticks / (\d+) frames in (\d+) passes; "
    r"last (\d+): min (\d+) median (\d+) max (\d+)\), release (\d+) ticks/slot \((\d+) ticks / "
    r"(\d+) slots in (\d+) calls; last (\d+): min (\d+) median (\d+) max (\d+)\), path (\w+), "
    r"mode (\w+)(.*)$")


class Fail(Exception):
    pass


# --------------------------------------------------------------------------
# what the tree can do

def source_has(path, needle):
    try:
        with open(os.path.join(ROOT, path)) as f:
            return needle in f.read()
    except OSError:
        return False


def delivery_key_known():
    return source_has("vmm/config.c", '"delivery"')


def supported_modes():
    """(modes, notes): the delivery modes the source tree implements."""
    if not delivery_key_known():
        return ["flip"], ["the config parser has no 'delivery' key yet: flip only"]
    if not source_has("vmm/net/rx_deliver.c", "NET_RX_F_COPY"):
        return ["flip"], ["vmm/net/rx_deliver.c does not copy yet (no NET_RX_F_COPY): flip only"]
    return list(MODES), []


def bench_cfg(esp, mode):
    """The ESP's own config (three VMs) with stats_ms and the mode first,
    and those keys taken out of its globals (a key may appear once)."""
    with open(os.path.join(esp, "flipvisor.cfg")) as f:
        text = f.read()
    keys = {"stats_ms": STATS_MS}
    if delivery_key_known():
        keys["delivery"] = mode
        if mode == "hybrid":
            keys["copy_threshold"] = HYBRID_THRESHOLD
    kept, in_globals = [], True
    for line in text.splitlines(True):
        if line.lstrip().startswith("["):
            in_globals = False
        key = line.split("=", 1)[0].strip()
        if in_globals and "=" in line and key in keys:
            continue
        kept.append(line)
    return "".join("%s = %s\n" % kv for kv in keys.items()) + "".join(kept)


# --------------------------------------------------------------------------
# the statistics, as printed

class Block:
    """One statistics print: the NIC's rx, the VMs' rows, the cost lines
    (path -> dict); end: serial offset just past it."""

    def __init__(self):
        self.nic_rx, self.vms, self.cost, self.end, self.lines = None, {}, {}, 0, []

    def key(self):
        return (self.nic_rx, tuple(sorted((n, tuple(sorted(r.items())))
                                          for n, r in self.vms.items())),
                tuple(sorted((p, c["rx_ticks"], c["rel_ticks"]) for p, c in self.cost.items())))


def parse_cost(m):
    g = m.groups()
    n = list(map(int, g[:16]))
    return dict(rx_avg=n[0], rx_ticks=n[1], rx_frames=n[2], rx_passes=n[3],
                rx_recent=n[4], rx_min=n[5], rx_median=n[6], rx_max=n[7],
                rel_avg=n[8], rel_ticks=n[9], rel_slots=n[10], rel_calls=n[11],
                rel_recent=n[12], rel_min=n[13], rel_median=n[14], rel_max=n[15],
                path=g[16], mode=g[17], rest=g[18])


def complete_blocks(text, start=0):
    """Every statistics print that begins at or after 'start' and is
    complete: some other line, or the next print, follows it."""
    out, cur, cols = [], None, None
    pos = start
    for line in text[start:].splitlines(keepends=True):
        pos += len(line)
        if not line.endswith("\n"):
            break
        body = line.rstrip("\n")
        if body.startswith("[stats] vm "):
            if cur is not None:
                out.append(cur)
            cur, cols = Block(), body.split()[2:]
            cur.lines.append(body)
            cur.end = pos
            continue
        if cur is None:
            continue
        if not body.startswith("[stats] "):
            out.append(cur)
            cur = None
            continue
        cur.lines.append(body)
        cur.end = pos
        words = body.split()[1:]
        m = re.match(r"^\[stats\] nic: rx (\d+)", body)
        c = COST_RE.match(body)
        if m:
            cur.nic_rx = int(m.group(1))
        elif c:
            d = parse_cost(c)
            cur.cost[d["path"]] = d
        elif len(words) == len(cols) + 1 and all(w.isdigit() for w in words[1:]):
            cur.vms[words[0]] = dict(zip(cols, map(int, words[1:])))
    return [b for b in out if b.nic_rx is not None and b.vms]


def settled_block(net, start, timeout=60.0):
    """Two prints in a row after 'start' that agree on every counter:
    everything sent has been taken, delivered, released and counted."""
    deadline = time.monotonic() + timeout
    prev = None
    while True:
        blocks = complete_blocks(net.serial(), start)
        for b in blocks:
            if prev is not None and b.key() == prev.key():
                return b
            prev = b
            start = b.end
        m = re.search(r"^.*(%s).*$" % PANIC, net.serial(), re.MULTILINE)
        if m:
            raise Fail("the hypervisor panicked: %s" % m.group(0))
        if time.monotonic() >= deadline:
            raise Fail("statistics still moving (or none printed) after %g s" % timeout)
        time.sleep(0.2)


def bochs_drops(net):
    return net.emulator_log().count("device not ready to receive data")


def tap_tx(net):
    rc, out = net.exec(["ip", "-s", "-j", "link", "show", "dev", net.tap])
    if rc != 0:
        raise Fail("ip -s link show %s: %s" % (net.tap, out))
    st = json.loads(out)[0]["stats64"]["tx"]
    return st["packets"], st["dropped"]


# --------------------------------------------------------------------------
# one boot

def delta(before, after):
    """Per path: what the phase between two prints added."""
    out = {}
    for p, a in after.cost.items():
        b = before.cost.get(p, {})
        d = {k: a[k] - b.get(k, 0) for k in ("rx_ticks", "rx_frames", "rx_passes",
                                             "rel_ticks", "rel_slots", "rel_calls")}
        if d["rx_frames"] or d["rel_slots"]:
            d.update(rx_median=a["rx_median"], rel_median=a["rel_median"],
                     rx_recent=a["rx_recent"], rel_recent=a["rel_recent"], mode=a["mode"],
                     checks_off="invariant checks off" in a["rest"])
            out[p] = d
    return out


def echo_frames(size, ident, seqs):
    """ICMP echo requests to the target, each 'size' bytes long."""
    name, mac, ip = TARGET
    data = bytes(1 + i % 255 for i in range(size - 42))   # 14 + 20 + 8 bytes of headers
    return [nt.icmp_echo_frame(mac, nt.TESTER_MAC, nt.TESTER_IP, ip, ident, s, data)
            for s in seqs]


def run_phase(w, size, in_flight, ident):
    """COUNT echo requests of 'size' bytes, 'in_flight' at a time: the
    next group goes once every reply of the last is back (or after a
    timeout: that request was lost). Returns how many were answered."""
    name, mac, ip = TARGET
    answered = 0
    for first in range(0, COUNT, in_flight):
        seqs = list(range(first, min(first + in_flight, COUNT)))
        for f in echo_frames(size, ident, seqs):
            w.send(f)
        is_reply = nt.is_echo_reply(ip, ident)
        got = w.collect(lambda p: is_reply(p) and p.icmp_seq in seqs, REPLY_TIMEOUT_S,
                        count=len(seqs))
        answered += len({p.icmp_seq for p in got})
    return answered


def during(net, mode, regimes):
    name, mac, ip = TARGET
    w = nt.Wire(net.socket(), net.tap)
    results = []
    try:
        base = settled_block(net, 0)
        ident = 0x100
        for regime, in_flight in regimes:
            for size in SIZES:
                ident += 1
                d0, (t0, td0) = bochs_drops(net), tap_tx(net)
                answered = run_phase(w, size, in_flight, ident)
                after = settled_block(net, len(net.serial()))
                w.drain()
                d1, (t1, td1) = bochs_drops(net), tap_tx(net)
                nic = after.nic_rx - base.nic_rx
                got = after.vms[name]["rx"] - base.vms[name]["rx"]
                lost = []
                if t1 - t0 != COUNT or td1 != td0:
                    lost.append("TAP sent %d, dropped %d" % (t1 - t0, td1 - td0))
                if d1 != d0:
                    lost.append("Bochs dropped %d (device not ready)" % (d1 - d0))
                if nic != COUNT or got != COUNT or answered != COUNT:
                    lost.append("NIC rx %d, %s rx %d, answered %d, sent %d" % (
                        nic, name, got, answered, COUNT))
                results.append(dict(mode=mode, size=size, regime=regime,
                                    paths=delta(base, after), lost=lost))
                base = after
    finally:
        w.close()
    return results


def boot(esp, mode, live, regimes):
    t0 = time.monotonic()
    r = emu.run("bochs", esp=esp, cfg_text=bench_cfg(esp, mode), netns=True,
                ready=r"^gamma: net: up slots=", during=lambda net: during(net, mode, regimes),
                expect=[r"^\[stats\] cost: "],
                fail=[PANIC, r"\bstopped\b", r"^\[cfg\] flipvisor\.cfg:\d+: "],
                timeout=BOOT_TIMEOUT, live=live)
    if not r.ok or r.during_result is None:
        raise Fail("%s: %s" % (mode, r.reason))
    return r.during_result, time.monotonic() - t0


# --------------------------------------------------------------------------
# the table

def rows_of(results):
    """One row per (mode, size, path) that the phase used."""
    rows = []
    for res in results:
        for p, d in sorted(res["paths"].items(), key=lambda kv: -kv[1]["rx_frames"]):
            if not d["rx_frames"]:
                continue
            rx = d["rx_ticks"] / d["rx_frames"]
            rel = d["rel_ticks"] / d["rel_slots"] if d["rel_slots"] else 0.0
            rows.append(dict(mode=res["mode"], size=res["size"], regime=res["regime"], path=p,
                             frames=d["rx_frames"], passes=d["rx_passes"],
                             slots=d["rel_slots"], calls=d["rel_calls"],
                             rx=rx, release=rel,
                             total=(d["rx_ticks"] + d["rel_ticks"]) / d["rx_frames"],
                             rx_median=d["rx_median"], rel_median=d["rel_median"],
                             checks_off=d["checks_off"],
                             lost="; ".join(res["lost"])))
    return rows


def print_table(rows, out=sys.stdout):
    flip = {(r["size"], r["regime"]): r for r in rows
            if r["mode"] == "flip" and r["path"] == "flip"}
    hdr = ("mode", "size", "regime", "path", "rx instr/frame", "release instr/slot",
           "total instr/frame", "rx vs flip", "release vs flip", "total vs flip",
           "rx med", "rel med", "frames/pass", "slots/call")
    fmt = "%-7s %5s %-6s %-5s %14s %18s %17s %10s %15s %13s %7s %7s %11s %10s"
    print(fmt % hdr, file=out)
    for r in rows:
        f = flip.get((r["size"], r["regime"]))

        def ratio(k):
            return "%.2f" % (r[k] / f[k]) if f and f[k] else "-"
        print(fmt % (r["mode"], r["size"], r["regime"], r["path"], "%.0f" % r["rx"], "%.0f" % r["release"],
                     "%.0f" % r["total"], ratio("rx"), ratio("release"), ratio("total"),
                     r["rx_median"], r["rel_median"], "%.2f" % (r["frames"] / r["passes"]),
                     "%.2f" % (r["slots"] / r["calls"]) if r["calls"] else "-"), file=out)
        if r["lost"]:
            print("        ^ frames lost in this phase: %s" % r["lost"], file=out)


def main(argv=None):
    ap = argparse.ArgumentParser(prog="bench_system.py", description=__doc__.split("\n\n")[0])
    ap.add_argument("--esp", default=emu.DEFAULT_ESP, metavar="DIR",
                    help="ESP to boot (make bench-system: build/bench-system/esp)")
    ap.add_argument("--modes", metavar="M,M", help="comma-separated, of %s (default: every "
                    "mode the tree implements)" % ", ".join(MODES))
    ap.add_argument("--csv", metavar="PATH", help="also write the rows as CSV")
    ap.add_argument("--in-flight", type=int, default=1, metavar="N",
                    help="echo requests in flight at a time (default 1)")
    ap.add_argument("--live", action="store_true", help="echo the serial output")
    a = ap.parse_args(argv)

    if os.geteuid() != 0:
        print("bench_system: needs root (a network namespace and a TAP)", file=sys.stderr)
        return 2
    if not os.path.isfile(os.path.join(a.esp, "EFI", "BOOT", "BOOTX64.EFI")):
        print("bench_system: %s/EFI/BOOT/BOOTX64.EFI is missing" % a.esp, file=sys.stderr)
        return 2
    modes, notes = supported_modes()
    if a.modes:
        want = [m.strip() for m in a.modes.split(",") if m.strip()]
        bad = [m for m in want if m not in MODES]
        if bad:
            ap.error("unknown mode(s): %s" % ", ".join(bad))
        notes += ["%s asked for, but the tree cannot do it yet" % m for m in want
                  if m not in modes]
        modes = want
    for n in notes:
        print("bench_system: note: %s" % n, flush=True)

    t_all = time.monotonic()
    results, times = [], []
    for mode in modes:
        print("bench_system: booting with delivery = %s ..." % mode, flush=True)
        try:
            res, secs = boot(a.esp, mode, a.live, REGIMES if a.in_flight == 1 else
                             (("x%d" % a.in_flight, a.in_flight),))
        except Fail as e:
            print("bench_system: FAIL: %s" % e, file=sys.stderr)
            return 1
        except KeyboardInterrupt:
            print("\nbench_system: interrupted; emulator stopped", file=sys.stderr)
            return 130
        results += res
        times.append("%s %.0f s" % (mode, secs))
    rows = rows_of(results)
    checks = {r["checks_off"] for r in rows}
    print()
    print("In-system cost under Bochs: TSC ticks = emulated instructions (not cycles); "
          "%d ICMP echo requests per size to %s; invariant checks %s" % (
              COUNT, TARGET[0], "off" if checks == {True} else
              "on" if checks == {False} else "mixed"))
    print_table(rows)
    for r in rows:
        mode_path = {"flip": "flip", "copy": "copy"}.get(r["mode"])
        if r["mode"] == "hybrid":
            mode_path = "copy" if r["size"] <= HYBRID_THRESHOLD else "flip"
        if r["path"] != mode_path:
            print("note: %s at %d bytes went by %s, not %s" % (r["mode"], r["size"],
                                                              r["path"], mode_path))
    print("run time: %.0f s (%s)" % (time.monotonic() - t_all, ", ".join(times)))
    if a.csv:
        with open(a.csv, "w", newline="") as f:
            cw = csv.DictWriter(f, fieldnames=list(rows[0].keys()) if rows else ["mode"])
            cw.writeheader()
            cw.writerows(rows)
    lost = any(r["lost"] for r in rows)
    return 1 if lost or not rows else 0


if __name__ == "__main__":
    sys.exit(main())
