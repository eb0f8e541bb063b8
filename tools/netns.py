#!/usr/bin/env python3
"""A private network namespace for one emulator run, and always its teardown.

Bochs's e1000 with ethmod=tuntap creates its TAP device itself, in the
network namespace it runs in. Run the emulator inside a namespace made for
the run and the TAP, everything sent to it and everything it sends stay
there: no traffic reaches the host's own interfaces.

    with Netns(addr="192.168.77.1/24") as ns:
        proc = ns.popen(["bochs", ...])          # runs inside ns.name
        ns.wait_link(ns.tap, timeout=30)         # Bochs made its TAP
        ns.link_up(ns.tap)                       # up, with ns.addr on it
        rc, out = ns.exec(["ping", "-c", "3", "192.168.77.11"], timeout=10)
        s = ns.socket(socket.AF_PACKET, socket.SOCK_RAW)   # lives in ns
    # here every process it started is killed (by process group) and the
    # namespace is deleted, which also deletes the TAP device

The namespace is named flv-XXXXXXXX and the TAP flvtapXXXXXX (random hex),
so runs side by side never collide. IPv6 is off inside (no router or
multicast listener chatter on the wire). __exit__ runs on exceptions too;
SIGTERM and SIGHUP raise Interrupted inside the with block (main thread
only), so they also end in the teardown. Needs root and iproute2.

CLI:
    netns.py [--addr A/N] [--tap NAME] [--timeout S] -- CMD [ARG...]
        run CMD in a fresh namespace, bring up TAP NAME (default: a unique
        name, exported to CMD as FLV_TAP) once it appears, wait for CMD
        to exit, tear down; the namespace name is exported as FLV_NETNS
    netns.py --list      flv-* namespaces that exist now
    netns.py --cleanup   delete flv-* namespaces no process is left in
"""

import argparse
import ctypes
import os
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time

PREFIX = "flv-"
TAP_PREFIX = "flvtap"
DEFAULT_ADDR = "192.168.77.1/24"
NETNS_DIR = "/run/netns"
CLONE_NEWNET = 0x40000000
GRACE_S = 3.0


class Interrupted(KeyboardInterrupt):
    """SIGTERM or SIGHUP arrived inside a Netns block."""


def _ip(*args, check=True):
    r = subprocess.run(["ip"] + list(args), stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, text=True)
    if check and r.returncode:
        raise RuntimeError("ip %s: %s" % (" ".join(args), r.stdout.strip()))
    return r


def _killpg(pgid, sig):
    try:
        os.killpg(pgid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def _stop(proc):
    """Stop a process started with start_new_session=True, and its group:
    SIGTERM, SIGKILL after a grace period, then reap it."""
    if proc.poll() is None:
        _killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=GRACE_S)
        except subprocess.TimeoutExpired:
            pass
    _killpg(proc.pid, signal.SIGKILL)
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        pass


def list_namespaces():
    r = _ip("netns", "list", check=False)
    return [line.split()[0] for line in r.stdout.splitlines()
            if line.startswith(PREFIX)]


def ns_pids(name):
    r = _ip("netns", "pids", name, check=False)
    return [int(p) for p in r.stdout.split() if p.isdigit()]


class Netns:
    """A uniquely named network namespace with a TAP name reserved in it.
    Use as a context manager; see the module docstring."""

    def __init__(self, addr=DEFAULT_ADDR, tap=None, name=None, handle_signals=True):
        self.handle_signals = handle_signals    # False: the caller does
        self.name = name or PREFIX + secrets.token_hex(4)
        self.tap = tap or TAP_PREFIX + secrets.token_hex(3)
        if len(self.tap) > 15:
            raise ValueError("TAP name %r longer than 15 characters" % self.tap)
        self.addr = addr
        self.procs = []
        self.created = False
        self._old_signals = {}

    # -- lifetime ----------------------------------------------------------

    def __enter__(self):
        if self.handle_signals and threading.current_thread() is threading.main_thread():
            for s in (signal.SIGTERM, signal.SIGHUP):
                self._old_signals[s] = signal.signal(s, self._raise)
        try:
            _ip("netns", "add", self.name)
            self.created = True
            _ip("-n", self.name, "link", "set", "lo", "up")
            rc, out = self.exec(["sysctl", "-qw",
                                 "net.ipv6.conf.all.disable_ipv6=1",
                                 "net.ipv6.conf.default.disable_ipv6=1"])
            if rc:
                raise RuntimeError("disabling IPv6 in %s: %s" % (self.name, out))
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    @staticmethod
    def _raise(signum, frame):
        raise Interrupted("signal %d" % signum)

    def close(self):
        """Kill what we started, then delete the namespace (and with it the
        TAP). Safe to call twice."""
        try:
            for p in self.procs:
                _stop(p)
            self.procs = []
            if self.created:
                # Whatever is still inside is ours: the namespace was made
                # for this run. Kill it by pid, or the namespace (and the
                # TAP) would outlive its name.
                for _ in range(3):
                    pids = ns_pids(self.name)
                    if not pids:
                        break
                    for pid in pids:
                        try:
                            os.kill(pid, signal.SIGKILL)
                        except ProcessLookupError:
                            pass
                    time.sleep(0.2)
                _ip("netns", "del", self.name, check=False)
                self.created = False
        finally:
            for s, h in self._old_signals.items():
                signal.signal(s, h)
            self._old_signals = {}

    # -- running things inside ---------------------------------------------

    def argv(self, argv):
        """argv prefixed so that it runs inside the namespace."""
        return ["ip", "netns", "exec", self.name] + list(argv)

    def popen(self, argv, **kw):
        """Start argv inside the namespace in its own session (so its whole
        process group can be killed); stopped at teardown."""
        kw.setdefault("start_new_session", True)
        p = subprocess.Popen(self.argv(argv), **kw)
        self.procs.append(p)
        return p

    def exec(self, argv, timeout=10, input=None):
        """Run argv inside the namespace; (returncode, stdout + stderr).
        On timeout its process group is killed and returncode is None."""
        p = subprocess.Popen(self.argv(argv), stdin=subprocess.PIPE if input is not None
                             else subprocess.DEVNULL, stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, start_new_session=True,
                             text=True)
        try:
            out, _ = p.communicate(input, timeout=timeout)
            return p.returncode, out
        except subprocess.TimeoutExpired:
            _stop(p)
            out, _ = p.communicate()
            return None, out
        except BaseException:
            _stop(p)
            raise

    def socket(self, family=socket.AF_PACKET, type=socket.SOCK_RAW, proto=0):
        """A socket that lives in the namespace: created by a helper thread
        that joined it (setns acts on the calling thread only)."""
        box = {}

        def make():
            try:
                libc = ctypes.CDLL(None, use_errno=True)
                fd = os.open(os.path.join(NETNS_DIR, self.name), os.O_RDONLY)
                try:
                    if libc.setns(fd, CLONE_NEWNET):
                        e = ctypes.get_errno()
                        raise OSError(e, "setns: %s" % os.strerror(e))
                finally:
                    os.close(fd)
                box["s"] = socket.socket(family, type, proto)
            except BaseException as e:      # handed to the caller
                box["e"] = e

        t = threading.Thread(target=make)
        t.start()
        t.join()
        if "e" in box:
            raise box["e"]
        return box["s"]

    # -- the TAP -----------------------------------------------------------

    def has_link(self, dev):
        return _ip("-n", self.name, "link", "show", "dev", dev,
                   check=False).returncode == 0

    def wait_link(self, dev, timeout=30.0, alive=None):
        """Wait until 'dev' exists in the namespace; False on timeout or
        when alive() says the process that should create it is gone."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.has_link(dev):
                return True
            if alive is not None and not alive():
                return False
            time.sleep(0.1)
        return False

    def link_up(self, dev, addr=None):
        """Put addr (default self.addr) on dev and bring it up."""
        _ip("-n", self.name, "addr", "add", addr or self.addr, "dev", dev)
        _ip("-n", self.name, "link", "set", dev, "up")


def main(argv=None):
    ap = argparse.ArgumentParser(prog="netns.py", description=__doc__.split("\n")[0])
    ap.add_argument("--addr", default=DEFAULT_ADDR, help="IPv4 address/prefix for the TAP")
    ap.add_argument("--tap", help="TAP device name (default: unique)")
    ap.add_argument("--timeout", type=float, default=30.0,
                    help="seconds to wait for the TAP to appear")
    ap.add_argument("--list", action="store_true", help="list flv-* namespaces")
    ap.add_argument("--cleanup", action="store_true",
                    help="delete flv-* namespaces with no process left in them")
    ap.add_argument("cmd", nargs=argparse.REMAINDER)
    a = ap.parse_args(argv)

    if a.list or a.cleanup:
        for n in list_namespaces():
            pids = ns_pids(n)
            if a.cleanup and not pids:
                _ip("netns", "del", n, check=False)
                print("deleted %s" % n)
            else:
                print("%s%s" % (n, "  (pids %s)" % " ".join(map(str, pids)) if pids else ""))
        return 0
    cmd = a.cmd[1:] if a.cmd[:1] == ["--"] else a.cmd
    if not cmd:
        ap.error("no command given")
    try:
        with Netns(addr=a.addr, tap=a.tap) as ns:
            env = dict(os.environ, FLV_NETNS=ns.name, FLV_TAP=ns.tap)
            p = ns.popen(cmd, env=env)
            print("netns: %s, TAP %s, %s" % (ns.name, ns.tap, ns.addr), file=sys.stderr)
            if ns.wait_link(ns.tap, a.timeout, alive=lambda: p.poll() is None):
                ns.link_up(ns.tap)
                print("netns: %s up" % ns.tap, file=sys.stderr)
            elif p.poll() is None:
                print("netns: no %s after %g s" % (ns.tap, a.timeout), file=sys.stderr)
            return p.wait()
    except KeyboardInterrupt:
        print("\nnetns: interrupted; torn down", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
