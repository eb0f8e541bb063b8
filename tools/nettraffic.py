#!/usr/bin/env python3
"""Raw Ethernet frames for the network tests: build them, put them on a
wire through an AF_PACKET socket, and receive and match what comes back.
Standard library only; Linux only (AF_PACKET needs root).

The wire is the TAP device Bochs's e1000 is attached to, inside the
test's network namespace (tools/netns.py, tools/emu.py netns=True). A
frame sent on the TAP from the namespace is what the emulated NIC
receives; a frame the NIC sends arrives on the TAP as an incoming frame.

Library use (sock from emu.NetHandle.socket(), which lives in the
namespace):

    import nettraffic as nt
    w = nt.Wire(net.socket(), net.tap)          # bound to the TAP, ETH_P_ALL
    f = nt.icmp_echo_frame("02:00:00:00:00:01", nt.TESTER_MAC,
                           nt.TESTER_IP, "192.168.77.11", 7, 1, b"hi")
    w.send(f)
    reps = w.collect(nt.is_echo_reply("192.168.77.11", 7, 1), timeout=2, count=1)
    reps[0].icmp_data == b"hi"

Frames are padded to 60 bytes (the Ethernet minimum without FCS) unless
pad=False: runts are made on purpose only.

CLI (run it inside the namespace: ip netns exec NS python3 tools/nettraffic.py ...):

    nettraffic.py ping     --iface IF --dst-mac M --dst-ip A [--count N] [--size N]
    nettraffic.py udp-echo --iface IF --dst-mac M --dst-ip A [--count N] [--size N]
    nettraffic.py burst    --iface IF --dst-mac M [--count N] [--size N] [--interval S]
    nettraffic.py capture  --iface IF [--seconds S]

Common options: --src-mac (default %s), --src-ip (default %s). ping and
udp-echo exit 0 when every request got a matching reply with the payload
intact; burst sends UDP datagrams to the discard port (9).
"""

import argparse
import random
import select
import socket
import struct
import sys
import time
from types import SimpleNamespace

ETH_P_ALL = 0x0003
ETH_P_IP = 0x0800
ETH_P_ARP = 0x0806
ETH_HLEN = 14
ETH_ZLEN = 60            # minimum frame without FCS
ETH_FRAME_MAX = 1514     # maximum untagged frame without FCS

IPPROTO_ICMP = 1
IPPROTO_UDP = 17
ICMP_ECHO_REPLY = 0
ICMP_ECHO = 8
UDP_ECHO_PORT = 7
UDP_DISCARD_PORT = 9

PACKET_HOST = 0
PACKET_BROADCAST = 1
PACKET_MULTICAST = 2
PACKET_OTHERHOST = 3
PACKET_OUTGOING = 4

BCAST = "ff:ff:ff:ff:ff:ff"
# The injector's own identity on the wire: an address nobody in the
# namespace owns, so the namespace's Linux stack never answers for it and
# never takes the guests' replies to it (they go to a MAC the TAP does
# not have: the stack drops them as PACKET_OTHERHOST, a packet socket
# still sees them).
TESTER_MAC = "02:00:00:00:00:fe"
TESTER_IP = "192.168.77.254"

__doc__ = __doc__ % (TESTER_MAC, TESTER_IP)


# --------------------------------------------------------------------------
# addresses

def mac_bytes(m):
    if isinstance(m, (bytes, bytearray)):
        if len(m) != 6:
            raise ValueError("a MAC is 6 bytes, not %d" % len(m))
        return bytes(m)
    parts = m.split(":")
    if len(parts) != 6:
        raise ValueError("bad MAC %r" % m)
    return bytes(int(p, 16) for p in parts)


def mac_str(b):
    return ":".join("%02x" % x for x in b)


def ip_bytes(a):
    if isinstance(a, (bytes, bytearray)):
        return bytes(a)
    return socket.inet_aton(a)


def ip_str(b):
    return socket.inet_ntoa(bytes(b))


# --------------------------------------------------------------------------
# building

def checksum(data):
    """The Internet checksum [RFC 1071] of data, as an int."""
    if len(data) % 2:
        data = bytes(data) + b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


def eth(dst, src, ethertype, payload=b"", pad=True):
    """An Ethernet II frame, without FCS, padded with zeros to 60 bytes
    unless pad=False."""
    f = mac_bytes(dst) + mac_bytes(src) + struct.pack("!H", ethertype) + bytes(payload)
    if pad and len(f) < ETH_ZLEN:
        f += bytes(ETH_ZLEN - len(f))
    return f


def arp(op, sha, spa, tha, tpa):
    """An ARP packet for Ethernet and IPv4 [RFC 826]: op 1 request, 2 reply."""
    return struct.pack("!HHBBH", 1, ETH_P_IP, 6, 4, op) + mac_bytes(sha) + \
        ip_bytes(spa) + mac_bytes(tha) + ip_bytes(tpa)


def arp_request_frame(src_mac, src_ip, target_ip, dst=BCAST):
    return eth(dst, src_mac, ETH_P_ARP,
               arp(1, src_mac, src_ip, "00:00:00:00:00:00", target_ip))


def ipv4(src, dst, proto, payload, ident=0, ttl=64, df=True, tos=0):
    """A 20-byte IPv4 header with a correct checksum, then payload."""
    total = 20 + len(payload)
    hdr = struct.pack("!BBHHHBBH4s4s", 0x45, tos, total, ident & 0xffff,
                      0x4000 if df else 0, ttl, proto, 0, ip_bytes(src), ip_bytes(dst))
    c = checksum(hdr)
    return hdr[:10] + struct.pack("!H", c) + hdr[12:] + bytes(payload)


def icmp_echo(ident, seq, data=b"", reply=False):
    typ = ICMP_ECHO_REPLY if reply else ICMP_ECHO
    msg = struct.pack("!BBHHH", typ, 0, 0, ident & 0xffff, seq & 0xffff) + bytes(data)
    c = checksum(msg)
    return msg[:2] + struct.pack("!H", c) + msg[4:]


def udp(src_ip, dst_ip, sport, dport, data, with_checksum=True):
    n = 8 + len(data)
    seg = struct.pack("!HHHH", sport, dport, n, 0) + bytes(data)
    if with_checksum:
        pseudo = ip_bytes(src_ip) + ip_bytes(dst_ip) + struct.pack("!BBH", 0, IPPROTO_UDP, n)
        c = checksum(pseudo + seg) or 0xffff
        seg = seg[:6] + struct.pack("!H", c) + seg[8:]
    return seg


def icmp_echo_frame(dst_mac, src_mac, src_ip, dst_ip, ident, seq, data=b"", pad=True):
    return eth(dst_mac, src_mac, ETH_P_IP,
               ipv4(src_ip, dst_ip, IPPROTO_ICMP, icmp_echo(ident, seq, data), ident=seq),
               pad=pad)


def udp_frame(dst_mac, src_mac, src_ip, dst_ip, sport, dport, data, pad=True):
    return eth(dst_mac, src_mac, ETH_P_IP,
               ipv4(src_ip, dst_ip, IPPROTO_UDP, udp(src_ip, dst_ip, sport, dport, data)),
               pad=pad)


def sized_udp_frame(length, dst_mac, src_mac=TESTER_MAC, src_ip=TESTER_IP,
                    dst_ip="192.168.77.11", dport=UDP_DISCARD_PORT, sport=40000,
                    fill=None):
    """A UDP frame of exactly 'length' bytes (>= 42) with a non-zero
    payload (fill byte, or a counting pattern with no zero byte)."""
    n = length - (ETH_HLEN + 20 + 8)
    if n < 0:
        raise ValueError("a UDP frame is at least 42 bytes")
    data = bytes([fill]) * n if fill is not None else bytes(1 + i % 255 for i in range(n))
    f = udp_frame(dst_mac, src_mac, src_ip, dst_ip, sport, dport, data, pad=False)
    assert len(f) == length
    return f


def payload(n, rng=random):
    """n random bytes."""
    return bytes(rng.getrandbits(8) for _ in range(n))


# --------------------------------------------------------------------------
# parsing

def parse(frame, pkttype=None):
    """A frame as a SimpleNamespace: dst, src (MAC strings), ethertype,
    len, pkttype; then, when present and well-formed, arp_op, arp_sha,
    arp_spa, arp_tha, arp_tpa; ip_src, ip_dst, ip_proto, ip_ok (header
    checksum); icmp_type, icmp_id, icmp_seq, icmp_data, icmp_ok; udp_sport,
    udp_dport, udp_data, udp_ok (checksum, or none sent). Missing layers
    leave their fields None."""
    p = SimpleNamespace(raw=bytes(frame), len=len(frame), pkttype=pkttype,
                        dst=None, src=None, ethertype=None,
                        arp_op=None, arp_sha=None, arp_spa=None, arp_tha=None, arp_tpa=None,
                        ip_src=None, ip_dst=None, ip_proto=None, ip_ok=None,
                        icmp_type=None, icmp_id=None, icmp_seq=None, icmp_data=None, icmp_ok=None,
                        udp_sport=None, udp_dport=None, udp_data=None, udp_ok=None)
    if len(frame) < ETH_HLEN:
        return p
    p.dst = mac_str(frame[0:6])
    p.src = mac_str(frame[6:12])
    p.ethertype = struct.unpack("!H", frame[12:14])[0]
    body = frame[ETH_HLEN:]
    if p.ethertype == ETH_P_ARP and len(body) >= 28:
        htype, ptype, hl, pl, op = struct.unpack("!HHBBH", body[:8])
        if (htype, ptype, hl, pl) == (1, ETH_P_IP, 6, 4):
            p.arp_op = op
            p.arp_sha = mac_str(body[8:14])
            p.arp_spa = ip_str(body[14:18])
            p.arp_tha = mac_str(body[18:24])
            p.arp_tpa = ip_str(body[24:28])
    elif p.ethertype == ETH_P_IP and len(body) >= 20:
        vihl = body[0]
        ihl = (vihl & 0xf) * 4
        total = struct.unpack("!H", body[2:4])[0]
        if vihl >> 4 != 4 or ihl < 20 or total < ihl or total > len(body):
            return p
        p.ip_ok = checksum(body[:ihl]) == 0
        p.ip_proto = body[9]
        p.ip_src = ip_str(body[12:16])
        p.ip_dst = ip_str(body[16:20])
        l4 = body[ihl:total]
        if p.ip_proto == IPPROTO_ICMP and len(l4) >= 8:
            p.icmp_type = l4[0]
            p.icmp_id, p.icmp_seq = struct.unpack("!HH", l4[4:8])
            p.icmp_data = bytes(l4[8:])
            p.icmp_ok = checksum(l4) == 0
        elif p.ip_proto == IPPROTO_UDP and len(l4) >= 8:
            sport, dport, n, c = struct.unpack("!HHHH", l4[:8])
            if 8 <= n <= len(l4):
                p.udp_sport, p.udp_dport = sport, dport
                p.udp_data = bytes(l4[8:n])
                if c == 0:
                    p.udp_ok = True
                else:
                    pseudo = body[12:20] + struct.pack("!BBH", 0, IPPROTO_UDP, n)
                    p.udp_ok = checksum(pseudo + bytes(l4[:n])) == 0
    return p


def describe(p):
    """One line about a parsed frame, for logs."""
    s = "%s > %s len %d" % (p.src, p.dst, p.len)
    if p.arp_op:
        s += " ARP %s %s(%s) -> %s" % ({1: "who-has", 2: "reply"}.get(p.arp_op, p.arp_op),
                                       p.arp_spa, p.arp_sha, p.arp_tpa)
    elif p.icmp_type is not None:
        s += " ICMP %s > %s type %d id %d seq %d data %d" % (
            p.ip_src, p.ip_dst, p.icmp_type, p.icmp_id, p.icmp_seq, len(p.icmp_data))
    elif p.udp_sport is not None:
        s += " UDP %s:%d > %s:%d data %d" % (p.ip_src, p.udp_sport, p.ip_dst, p.udp_dport,
                                             len(p.udp_data))
    elif p.ethertype is not None:
        s += " type 0x%04x" % p.ethertype
    if p.pkttype == PACKET_OUTGOING:
        s += " (sent)"
    return s


# matchers: callables on a parsed frame

def is_echo_reply(src_ip, ident, seq=None, dst_ip=None):
    def m(p):
        return (p.pkttype != PACKET_OUTGOING and p.icmp_type == ICMP_ECHO_REPLY and
                p.ip_src == src_ip and p.icmp_id == ident and
                (seq is None or p.icmp_seq == seq) and (dst_ip is None or p.ip_dst == dst_ip))
    return m


def is_udp_reply(src_ip, sport, dport=None):
    def m(p):
        return (p.pkttype != PACKET_OUTGOING and p.udp_sport == sport and p.ip_src == src_ip and
                (dport is None or p.udp_dport == dport))
    return m


def is_arp_reply(spa):
    def m(p):
        return p.pkttype != PACKET_OUTGOING and p.arp_op == 2 and p.arp_spa == spa
    return m


# --------------------------------------------------------------------------
# the wire

class Wire:
    """An AF_PACKET socket bound to one interface, seeing every frame on
    it in both directions (ETH_P_ALL; frames it or the host sent come back
    with pkttype PACKET_OUTGOING). sock: an AF_PACKET SOCK_RAW socket
    created in the right namespace, or None to make one here."""

    def __init__(self, sock=None, iface=None):
        if sock is None:
            sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
        self.sock = sock
        self.iface = iface
        sock.bind((iface, ETH_P_ALL))
        try:   # room for a long burst of replies
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
        except OSError:
            pass
        self.sock.setblocking(False)
        self.sent = 0
        self.send_errors = []

    def close(self):
        self.sock.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    def send(self, frame):
        """Send one frame; raises OSError when the kernel refuses it."""
        while True:
            try:
                n = self.sock.send(frame)
                break
            except BlockingIOError:
                select.select([], [self.sock], [], 1.0)
        self.sent += 1
        return n

    def try_send(self, frame):
        """Send one frame; the OSError instead of raising it (None: sent)."""
        try:
            self.send(frame)
            return None
        except OSError as e:
            self.send_errors.append(e)
            return e

    def send_paced(self, frames, interval):
        """Send frames 'interval' seconds apart (wall clock)."""
        t = time.monotonic()
        for f in frames:
            self.send(f)
            t += interval
            d = t - time.monotonic()
            if d > 0:
                time.sleep(d)

    def recv(self, timeout=0.0):
        """The next frame as parsed, or None after timeout seconds."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                data, addr = self.sock.recvfrom(65536)
                return parse(data, addr[2])
            except BlockingIOError:
                pass
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            select.select([self.sock], [], [], left)

    def drain(self):
        """Every frame waiting now, parsed."""
        out = []
        while True:
            p = self.recv(0)
            if p is None:
                return out
            out.append(p)

    def collect(self, match, timeout, count=None, seen=None):
        """Frames for which match(p) is true, until 'count' of them or
        'timeout' seconds; every frame read is appended to 'seen' when
        given (a list)."""
        got = []
        deadline = time.monotonic() + timeout
        while count is None or len(got) < count:
            p = self.recv(max(0.0, deadline - time.monotonic()))
            if p is None:
                break
            if seen is not None:
                seen.append(p)
            if match(p):
                got.append(p)
        return got


def ask(w, frame, match, timeout, tries, send=None):
    """Send 'frame' (with send(frame), default w.send) until a packet
    matching 'match' arrives within 'timeout' seconds, at most 'tries'
    times; -> that packet, or None."""
    send = send or w.send
    for _ in range(tries):
        send(frame)
        r = w.collect(match, timeout, count=1)
        if r:
            return r[0]
    return None


def echo_ping(w, dst_mac, dst_ip, count=3, size=56, src_mac=TESTER_MAC, src_ip=TESTER_IP,
              ident=None, timeout=2.0, retries=2, rng=random):
    """Raw ICMP echo: count requests with random payloads, each retried
    up to 'retries' times; -> (answered, problems) where problems lists
    what went wrong (no reply, wrong payload)."""
    ident = rng.randrange(1, 65536) if ident is None else ident
    ok, problems = 0, []
    for seq in range(1, count + 1):
        data = payload(size, rng)
        r = ask(w, icmp_echo_frame(dst_mac, src_mac, src_ip, dst_ip, ident, seq, data),
                is_echo_reply(dst_ip, ident, seq), timeout, retries + 1)
        if not r:
            problems.append("seq %d: no reply in %d tries" % (seq, retries + 1))
        elif r.icmp_data != data or not r.icmp_ok or not r.ip_ok:
            problems.append("seq %d: bad reply: %s" % (seq, describe(r)))
        elif r.dst != mac_str(mac_bytes(src_mac)) or r.src != mac_str(mac_bytes(dst_mac)):
            problems.append("seq %d: reply from/to the wrong MAC: %s" % (seq, describe(r)))
        else:
            ok += 1
    return ok, problems


def udp_echo(w, dst_mac, dst_ip, sizes, src_mac=TESTER_MAC, src_ip=TESTER_IP,
             timeout=2.0, retries=2, rng=random):
    """Raw UDP echo to port 7 for each size; -> (answered, problems)."""
    ok, problems = 0, []
    for size in sizes:
        sport = rng.randrange(20000, 60000)
        data = payload(size, rng)
        r = ask(w, udp_frame(dst_mac, src_mac, src_ip, dst_ip, sport, UDP_ECHO_PORT, data),
                is_udp_reply(dst_ip, UDP_ECHO_PORT, sport), timeout, retries + 1)
        if not r:
            problems.append("size %d: no reply in %d tries" % (size, retries + 1))
        elif r.udp_data != data or not r.udp_ok or not r.ip_ok:
            problems.append("size %d: bad reply: %s" % (size, describe(r)))
        else:
            ok += 1
    return ok, problems


# --------------------------------------------------------------------------
# CLI

def main(argv=None):
    ap = argparse.ArgumentParser(prog="nettraffic.py",
                                 description="Raw-frame injection and checks on one interface.")
    sub = ap.add_subparsers(dest="cmd", required=True)

    def common(p, dst=True):
        p.add_argument("--iface", required=True)
        p.add_argument("--src-mac", default=TESTER_MAC)
        p.add_argument("--src-ip", default=TESTER_IP)
        if dst:
            p.add_argument("--dst-mac", required=True)
            p.add_argument("--dst-ip", default=None)
        return p

    p = common(sub.add_parser("ping", help="raw ICMP echo, replies checked"))
    p.add_argument("--count", type=int, default=3)
    p.add_argument("--size", type=int, default=56)
    p = common(sub.add_parser("udp-echo", help="raw UDP echo to port 7, replies checked"))
    p.add_argument("--count", type=int, default=3)
    p.add_argument("--size", type=int, default=64)
    p = common(sub.add_parser("burst", help="UDP datagrams to the discard port"))
    p.add_argument("--count", type=int, default=100)
    p.add_argument("--size", type=int, default=60, help="frame length in bytes")
    p.add_argument("--interval", type=float, default=0.0, help="seconds between frames")
    p = common(sub.add_parser("capture", help="print the frames seen"), dst=False)
    p.add_argument("--seconds", type=float, default=5.0)
    a = ap.parse_args(argv)

    with Wire(None, a.iface) as w:
        if a.cmd in ("ping", "udp-echo"):
            if not a.dst_ip:
                ap.error("--dst-ip is needed")
            if a.cmd == "ping":
                ok, problems = echo_ping(w, a.dst_mac, a.dst_ip, a.count, a.size,
                                         a.src_mac, a.src_ip)
            else:
                ok, problems = udp_echo(w, a.dst_mac, a.dst_ip, [a.size] * a.count,
                                        a.src_mac, a.src_ip)
            for line in problems:
                print(line)
            print("%s %s: %d/%d answered" % (a.cmd, a.dst_ip, ok, a.count))
            return 0 if ok == a.count else 1
        if a.cmd == "burst":
            f = sized_udp_frame(a.size, a.dst_mac, a.src_mac, a.src_ip,
                                a.dst_ip or "192.168.77.11")
            if a.interval:
                w.send_paced([f] * a.count, a.interval)
            else:
                for _ in range(a.count):
                    w.send(f)
            print("burst: %d frames of %d bytes to %s" % (a.count, len(f), a.dst_mac))
            return 0
        deadline = time.monotonic() + a.seconds
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return 0
            p = w.recv(left)
            if p is not None:
                print(describe(p), flush=True)


if __name__ == "__main__":
    sys.exit(main())
