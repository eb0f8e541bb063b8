#!/usr/bin/env python3
"""`make test`: cmocka unit binaries first, then the fuzz harnesses, then
the system tests.

Usage: python3 tools/test.py [--unit-only|--fuzz-only|--system-only]
                             [--fuzz-seconds N] [--list] [BINARY...]

BINARY is a cmocka unit binary (test_*) or a libFuzzer harness (fuzz_*).

Unit binaries are run as they are and their output passed through; test
cases are counted from cmocka's summary lines
    [  PASSED  ] N test(s).
    [  FAILED  ] N test(s), listed below:
A binary that exits non-zero (crash, sanitizer abort, ...) without reporting
a failed test, or prints no summary at all, counts as one failed test.

Each fuzz harness build/fuzz/fuzz_NAME counts as one test. It first
replays every input in tests/fuzz/regress/NAME/ (crashes found once,
kept), then fuzzes for --fuzz-seconds (default 10) starting from the seed
corpus tests/fuzz/corpus/NAME/ (plus tests/fuzz/NAME.dict if present).
`make test` starts from the seeds alone each time (build/fuzz/test-corpus);
`make fuzz` keeps what it finds in build/fuzz/corpus/NAME. Either way a
crash, sanitizer report, leak or timeout fails the test and libFuzzer
saves the input as build/fuzz/NAME-crash-* (or -leak-, -timeout-, ...).

System tests live in tests/system/test_*.py. Each module defines a list
TESTS; every entry is a dict (or any object with those attributes) whose
keys are a name plus the keyword arguments of tools/emu.py's run():

    dict(name="qemu_tcg_no_virt",         # unique, [A-Za-z0-9_.-]+
         bed="qemu",                      # "bochs" or "qemu"
         accel="tcg",                     # qemu only: "tcg", "kvm", "auto" (default)
         esp="build/esp",                 # boot media, one of esp= / usb= / pxe=,
                                          #   relative to the repo root (default esp)
         cfg_text="heap_mib = 32\\n",      # replaces flipvisor.cfg (optional)
         expect=[r"^flipvisor \\S+ booting"],   # all must match (re.MULTILINE)
         fail=[r"\\[panic\\]"],            # any match fails the test at once
         stop=r"^flipvisor: halted",      # must match too (optional)
         halt=r"^flipvisor: halted",      # output over: fail now if an expect
                                          #   is missing (this is the default;
                                          #   halt=None waits for the timeout)
         timeout=60,                      # seconds (default 60)
         skip=None,                       # or a string: the reason to skip
         doc="what it checks")            # optional, for humans

Optional emu.run() extras: bochsrc_lines=[...] (bochsrc lines replacing the
ones with the same key), qemu_args=[...] (appended to QEMU's command line),
files={"guests/x.elf": b"..."} (files added to the ESP or PXE copy).
Bochs tests with a wire: netns=True (the e1000 on a TAP in a private
network namespace), tap_addr="A/N" (the namespace's address), ready=REGEX
and during=callable(net): called with an emu.NetHandle once the serial
output matches ready; an exception from it fails the test with its
message (tests/system/test_net.py).
System tests run --jobs at a time (default: FLIPVISOR_TEST_JOBS, else the
CPUs up to 2), each in a child process of its own (test.py --system-one
NAME: its own emulator, namespace and TAP, cleaned up by it), the longest
timeout first so the long Linux boots do not end up last in one lane;
a test's output is printed whole when it ends. --jobs 1 runs them one at
a time in file order, in this process. Each serial log is saved as
build/test-logs/NAME.serial.log. Env FLIPVISOR_TESTS=REGEX selects the unit
binaries (by file name) and system tests (by name) it matches.

The last line printed is "N passed, M failed" (", K skipped" when K > 0);
the exit status is 1 if anything failed or nothing ran, else 0.
"""

import argparse
import importlib.util
import os
import re
import signal
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
sys.dont_write_bytecode = True   # no __pycache__ in the source tree
import emu  # noqa: E402

SYSTEM_DIR = os.path.join(ROOT, "tests", "system")
LOG_DIR = os.path.join(ROOT, "build", "test-logs")
UNIT_TIMEOUT = 300
FUZZ_DIR = os.path.join(ROOT, "build", "fuzz")
FUZZ_SRC = os.path.join(ROOT, "tests", "fuzz")
FUZZ_SLACK = 60                  # seconds past -max_total_time before a kill
FUZZ_DONE_RE = re.compile(r"^#(\d+)\s+DONE\s+cov: (\d+) ft: (\d+).*?exec/s: (\d+)", re.MULTILINE)
TAIL_LINES = 40
HALT = r"^flipvisor: halted"     # default "output is over" marker

TEST_KEYS = {"name", "bed", "accel", "esp", "usb", "pxe", "cfg_text", "files", "expect",
             "fail", "stop", "halt", "timeout", "skip", "doc", "bochsrc_lines", "qemu_args",
             "netns", "tap_addr", "ready", "during"}
RUN_KEYS = TEST_KEYS - {"name", "skip", "doc"}

PASSED_RE = re.compile(r"^\[  PASSED  \] (\d+) test\(s\)\.", re.MULTILINE)
FAILED_RE = re.compile(r"^\[  FAILED  \] (\d+) test\(s\), listed below:", re.MULTILINE)


def say(*a):
    print(*a, flush=True)


# --------------------------------------------------------------------------
# unit tests

def run_unit(path):
    """Run one cmocka binary, passing its output through. -> (passed, failed)"""
    name = os.path.basename(path)
    say("unit: %s" % name)
    env = dict(os.environ, CMOCKA_MESSAGE_OUTPUT="STDOUT")
    try:
        proc = subprocess.Popen([os.path.abspath(path)], cwd=ROOT, env=env,
                                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, start_new_session=True)
    except OSError as e:
        say("unit: %s ... FAIL: cannot run: %s" % (name, e))
        return 0, 1
    timed_out = []

    def watchdog():
        timed_out.append(True)
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except OSError:
            pass
    timer = threading.Timer(UNIT_TIMEOUT, watchdog)
    timer.start()
    out = []
    try:
        for line in iter(proc.stdout.readline, b""):
            sys.stdout.buffer.write(line)
            sys.stdout.buffer.flush()
            out.append(line.decode("utf-8", "replace"))
        rc = proc.wait()
    finally:
        timer.cancel()
        if proc.poll() is None:
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except OSError:
                pass
            proc.wait()
    text = "".join(out)
    passed = sum(int(n) for n in PASSED_RE.findall(text))
    failed = sum(int(n) for n in FAILED_RE.findall(text))
    why = ""
    if timed_out:
        why = "killed after %d s" % UNIT_TIMEOUT
    elif rc < 0:
        why = "died of signal %d" % -rc
    elif rc != 0 and failed == 0:
        why = "exit status %d without a failed test reported" % rc
    elif passed == 0 and failed == 0:
        why = "no cmocka summary line"
    if why and failed == 0:
        failed = 1
    say("unit: %s ... %d passed, %d failed%s" % (name, passed, failed, " (%s)" % why if why else ""))
    return passed, failed


# --------------------------------------------------------------------------
# fuzz harnesses (libFuzzer)

def _run_quiet(cmd, timeout):
    """Run cmd, output captured. -> (rc or None on timeout, text)"""
    try:
        proc = subprocess.Popen(cmd, cwd=ROOT, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, start_new_session=True)
    except OSError as e:
        return -1, "cannot run: %s" % e
    try:
        out, _ = proc.communicate(timeout=timeout)
        return proc.returncode, out.decode("utf-8", "replace")
    except subprocess.TimeoutExpired:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except OSError:
            pass
        out, _ = proc.communicate()
        return None, out.decode("utf-8", "replace")


FUZZ_ERROR_RE = re.compile(r"check failed|runtime error|ERROR:|panic|Test unit written")


def _fuzz_fail(name, why, text):
    """Say why, then the report from its first error line (the harness's
    message, the sanitizer's) rather than libFuzzer's stack tail."""
    say("fuzz: %s ... FAIL: %s" % (name, why))
    lines = text.rstrip("\n").split("\n")
    first = next((i for i, l in enumerate(lines) if FUZZ_ERROR_RE.search(l)), None)
    shown = lines[first:first + 24] if first is not None else _tail(text, TAIL_LINES)
    for line in shown:
        say("  | " + line)
    return "fail"


def _artifacts(target, since):
    return sorted(os.path.relpath(os.path.join(FUZZ_DIR, f), ROOT) for f in os.listdir(FUZZ_DIR)
                  if f.startswith(target + "-") and os.path.getmtime(os.path.join(FUZZ_DIR, f)) >= since)


def run_fuzz(path, seconds, keep_corpus):
    """Replay the regression inputs, then fuzz for 'seconds'. -> "pass" | "fail" """
    name = os.path.basename(path)
    target = name[len("fuzz_"):] if name.startswith("fuzz_") else name
    binary = os.path.abspath(path)
    regress = os.path.join(FUZZ_SRC, "regress", target)
    seeds = os.path.join(FUZZ_SRC, "corpus", target)
    started = time.time()
    os.makedirs(FUZZ_DIR, exist_ok=True)

    inputs = sorted(os.path.join(regress, f) for f in os.listdir(regress)) if os.path.isdir(regress) else []
    if inputs:
        rc, text = _run_quiet([binary, "-runs=1"] + inputs, UNIT_TIMEOUT)
        if rc != 0:
            return _fuzz_fail(name, "a regression input in %s crashes it again" % os.path.relpath(regress, ROOT),
                              text)

    if keep_corpus:
        corpus = os.path.join(FUZZ_DIR, "corpus", target)
    else:
        corpus = os.path.join(FUZZ_DIR, "test-corpus", target)
        if os.path.isdir(corpus):
            for f in os.listdir(corpus):
                os.unlink(os.path.join(corpus, f))
    os.makedirs(corpus, exist_ok=True)
    cmd = [binary, "-max_total_time=%d" % seconds, "-timeout=10", "-rss_limit_mb=2048",
           "-max_len=8192", "-print_final_stats=1",
           "-artifact_prefix=%s/%s-" % (FUZZ_DIR, target)]
    d = os.path.join(FUZZ_SRC, target + ".dict")
    if os.path.isfile(d):
        cmd.append("-dict=" + d)
    cmd.append(corpus)
    if os.path.isdir(seeds):
        cmd.append(seeds)
    rc, text = _run_quiet(cmd, seconds + FUZZ_SLACK)
    found = _artifacts(target, started)
    if rc is None:
        return _fuzz_fail(name, "still running %d s past its time limit" % FUZZ_SLACK, text)
    if rc != 0 or found:
        return _fuzz_fail(name, "exit status %d; input saved as %s" % (rc, ", ".join(found) or "(none)"), text)
    m = FUZZ_DONE_RE.findall(text)
    if not m:
        return _fuzz_fail(name, "no final DONE line from libFuzzer", text)
    runs, cov, ft, eps = m[-1]
    say("fuzz: %s ... PASS (%d regression inputs, %s runs in %.0f s, %s exec/s, cov %s, ft %s, corpus %d)" % (
        name, len(inputs), runs, time.time() - started, eps, cov, ft, len(os.listdir(corpus))))
    return "pass"


# --------------------------------------------------------------------------
# system tests

def _as_dict(t):
    if isinstance(t, dict):
        return dict(t)
    return {k: v for k, v in vars(t).items() if not k.startswith("_")}


def load_system_tests():
    """-> (tests, errors): tests as dicts in file order, errors as
    (name, message) for modules or entries that cannot be used."""
    tests, errors, seen = [], [], set()
    if not os.path.isdir(SYSTEM_DIR):
        return tests, errors
    for fn in sorted(os.listdir(SYSTEM_DIR)):
        if not (fn.startswith("test_") and fn.endswith(".py")):
            continue
        path = os.path.join(SYSTEM_DIR, fn)
        modname = "flipvisor_system_" + fn[:-3]
        try:
            spec = importlib.util.spec_from_file_location(modname, path)
            mod = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(mod)
            entries = list(getattr(mod, "TESTS"))
        except Exception as e:  # a broken module is a failed test, not a crash
            errors.append((fn, "cannot load: %s: %s" % (type(e).__name__, e)))
            continue
        for i, entry in enumerate(entries):
            t = _as_dict(entry)
            name = t.get("name") or "%s[%d]" % (fn, i)
            bad = sorted(set(t) - TEST_KEYS)
            if bad:
                errors.append((name, "%s: unknown key(s) %s" % (fn, ", ".join(bad))))
                continue
            if not re.fullmatch(r"[A-Za-z0-9_.-]+", str(t.get("name", ""))):
                errors.append((name, "%s: entry %d needs a name of [A-Za-z0-9_.-]" % (fn, i)))
                continue
            if t.get("bed") not in emu.BEDS:
                errors.append((name, "%s: bed must be one of %s" % (fn, ", ".join(emu.BEDS))))
                continue
            if name in seen:
                errors.append((name, "%s: duplicate test name" % fn))
                continue
            seen.add(name)
            t["_file"] = fn
            tests.append(t)
    return tests, errors


def _tail(text, n):
    lines = text.rstrip("\n").split("\n") if text.strip() else []
    return lines[-n:]


def run_system(t):
    """-> "pass" | "fail" | "skip" """
    name = t["name"]
    sys.stdout.write("system: %s ... " % name)
    sys.stdout.flush()
    if t.get("skip"):
        say("SKIP: %s" % t["skip"])
        return "skip"
    kw = {k: v for k, v in t.items() if k in RUN_KEYS}
    for media in ("esp", "usb", "pxe"):
        if kw.get(media):
            kw[media] = os.path.join(ROOT, kw[media])
    kw.setdefault("timeout", 60)
    kw.setdefault("halt", HALT)
    if isinstance(kw.get("expect"), str):
        kw["expect"] = [kw["expect"]]
    if isinstance(kw.get("fail"), str):
        kw["fail"] = [kw["fail"]]
    log_path = os.path.join(LOG_DIR, name + ".serial.log")
    try:
        os.unlink(log_path)
    except FileNotFoundError:
        pass
    try:
        r = emu.run(log_path=log_path, **kw)
    except (ValueError, FileNotFoundError, OSError, TypeError) as e:
        say("FAIL: %s" % e)
        return "fail"
    if r.ok:
        say("PASS (%.1f s)" % r.elapsed)
        if r.during_result is not None:
            say("  during: %s" % (r.during_result,))
        return "pass"
    say("FAIL: %s (%s, %.1f s)" % (r.reason, r.bed, r.elapsed))
    tail = _tail(r.serial_text, TAIL_LINES)
    if tail:
        say("  --- last %d serial lines (%s) ---" % (len(tail), os.path.relpath(log_path, ROOT)))
        for line in tail:
            say("  | " + line)
    else:
        say("  (no serial output)")
    return "fail"


# Exit status of test.py --system-one, by verdict.
ONE_STATUS = {"pass": 0, "fail": 1, "skip": 3}
ONE_VERDICT = {rc: v for v, rc in ONE_STATUS.items()}
ONE_INTERRUPTED = 130


def default_jobs():
    """FLIPVISOR_TEST_JOBS, else one lane per CPU, at most 2: each emulator
    keeps a CPU busy, and the tests' deadlines were set with one emulator
    per CPU (docs/testing.md, "Running the tests")."""
    env = os.environ.get("FLIPVISOR_TEST_JOBS", "")
    if env:
        return int(env)
    return max(1, min(2, os.cpu_count() or 1))


def run_system_lanes(tests, jobs, done):
    """Run the tests in up to 'jobs' children at once, longest timeout
    first, each child's output printed whole when it ends, then
    done(name, verdict) called. On KeyboardInterrupt, or SIGTERM or
    SIGHUP to this process, every running child gets SIGTERM (it stops its
    emulator and removes its namespace) and is waited for; then the
    interrupt goes on to the caller."""
    queue = sorted(tests, key=lambda t: -t.get("timeout", 60))  # stable
    lock = threading.Lock()
    stop = threading.Event()
    running = {}

    def lane():
        while True:
            with lock:
                if stop.is_set() or not queue:
                    return
                t = queue.pop(0)
                argv = [sys.executable, os.path.abspath(__file__), "--system-one", t["name"]]
                # A session of its own: a Ctrl-C on the terminal reaches
                # this process alone, which passes one SIGTERM on.
                proc = subprocess.Popen(argv, cwd=ROOT, stdin=subprocess.DEVNULL,
                                        stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                        start_new_session=True)
                running[t["name"]] = proc
            out, _ = proc.communicate()
            rc = proc.returncode
            verdict = ONE_VERDICT.get(rc, "fail")
            with lock:
                del running[t["name"]]
                sys.stdout.buffer.write(out)
                if stop.is_set() and rc == ONE_INTERRUPTED:
                    verdict = None      # the caller counts the interrupt
                elif rc not in ONE_VERDICT:
                    sys.stdout.buffer.write(b"system: %s ... FAIL: test.py --system-one "
                                            b"exit status %d\n" % (t["name"].encode(), rc))
                sys.stdout.buffer.flush()
                if verdict:
                    done(t["name"], verdict)

    def _raise(signum, frame):
        raise emu.Interrupted("signal %d" % signum)
    old = {s: signal.signal(s, _raise) for s in (signal.SIGTERM, signal.SIGHUP)}
    threads = [threading.Thread(target=lane, daemon=True) for _ in range(jobs)]
    try:
        for th in threads:
            th.start()
        for th in threads:
            while th.is_alive():
                th.join(0.5)
    except BaseException:
        with lock:
            stop.set()
            for proc in running.values():
                if proc.poll() is None:
                    proc.send_signal(signal.SIGTERM)
        for th in threads:
            th.join()
        raise KeyboardInterrupt
    finally:
        for s, h in old.items():
            signal.signal(s, h)


# --------------------------------------------------------------------------

def main(argv=None):
    ap = argparse.ArgumentParser(prog="test.py", description="Run flipvisor's unit and system tests.")
    only = ap.add_mutually_exclusive_group()
    only.add_argument("--unit-only", action="store_true")
    only.add_argument("--fuzz-only", action="store_true")
    only.add_argument("--system-only", action="store_true")
    ap.add_argument("--fuzz-seconds", type=int, default=10, metavar="N",
                    help="how long each fuzz harness runs (default 10)")
    ap.add_argument("--list", action="store_true", help="list the system tests and exit")
    ap.add_argument("--jobs", type=int, default=None, metavar="N",
                    help="system tests run at once (default FLIPVISOR_TEST_JOBS, else "
                         "the CPUs up to 2)")
    ap.add_argument("--system-one", metavar="NAME", help=argparse.SUPPRESS)
    ap.add_argument("units", nargs="*", metavar="BINARY")
    a = ap.parse_args(argv)

    sel = os.environ.get("FLIPVISOR_TESTS", "")
    try:
        sel_re = re.compile(sel) if sel else None
    except re.error as e:
        print("test: bad FLIPVISOR_TESTS regex %r: %s" % (sel, e), file=sys.stderr)
        return 2

    def selected(name):
        return sel_re is None or sel_re.search(name) is not None

    if a.system_one:
        tests, _ = load_system_tests()
        t = [t for t in tests if t["name"] == a.system_one]
        if not t:
            say("system: %s ... FAIL: no such test" % a.system_one)
            return ONE_STATUS["fail"]
        try:
            return ONE_STATUS[run_system(t[0])]
        except KeyboardInterrupt:
            say("interrupted (emulator stopped)")
            return ONE_INTERRUPTED
    try:
        jobs = a.jobs if a.jobs is not None else default_jobs()
    except ValueError:
        jobs = 0
    if jobs < 1:
        print("test: --jobs and FLIPVISOR_TEST_JOBS take a number from 1 up",
              file=sys.stderr)
        return 2

    fuzzers = [u for u in a.units if os.path.basename(u).startswith("fuzz_")]
    units = [u for u in a.units if u not in fuzzers]
    tests, errors = ([], []) if a.unit_only or a.fuzz_only else load_system_tests()
    if a.list:
        for t in tests:
            say("%-20s %-6s %-5s %s" % (t["name"], t["bed"], t.get("accel", "auto") if t["bed"] == "qemu" else "",
                                        t["_file"]))
        for name, msg in errors:
            say("%-20s BROKEN: %s" % (name, msg))
        return 0

    passed = failed = skipped = 0
    failures = []  # names, repeated just above the last line (CI shows only a tail)

    def count(name, v):
        nonlocal passed, failed, skipped
        if v == "pass":
            passed += 1
        elif v == "fail":
            failed += 1
            failures.append(name)
        else:
            skipped += 1
    try:
        if not a.system_only and not a.fuzz_only:
            for u in units:
                if not selected(os.path.basename(u)):
                    continue
                p, f = run_unit(u)
                passed += p
                failed += f
                if f:
                    failures.append(os.path.basename(u))
        if not a.system_only and not a.unit_only:
            for u in fuzzers:
                if not selected(os.path.basename(u)):
                    continue
                if run_fuzz(u, a.fuzz_seconds, keep_corpus=a.fuzz_only) == "pass":
                    passed += 1
                else:
                    failed += 1
                    failures.append(os.path.basename(u))
        if not a.unit_only and not a.fuzz_only:
            for name, msg in errors:
                if selected(name):
                    say("system: %s ... FAIL: %s" % (name, msg))
                    failed += 1
                    failures.append(name)
            os.makedirs(LOG_DIR, exist_ok=True)
            mine = [t for t in tests if selected(t["name"])]
            for t in mine:
                if jobs == 1 or t.get("skip"):
                    count(t["name"], run_system(t))
            if jobs > 1:
                run_system_lanes([t for t in mine if not t.get("skip")], jobs, count)
    except KeyboardInterrupt:
        say("\ntest: interrupted (emulator stopped)")
        if failures:
            say("test: failed: %s" % " ".join(failures))
        say("%d passed, %d failed" % (passed, failed + 1))
        return 130

    if passed + failed == 0:
        say("test: no test ran%s" % (" (FLIPVISOR_TESTS=%r matched nothing)" % sel if sel else ""))
    if failures:
        say("test: failed: %s (logs in %s)" % (" ".join(failures), LOG_DIR))
    say("%d passed, %d failed%s" % (passed, failed, ", %d skipped" % skipped if skipped else ""))
    return 1 if failed or passed + failed == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
