#!/usr/bin/env python3
"""Write the seed corpora of the binary-input harnesses into
tests/fuzz/corpus/{frame,ring,hypercall,image,linux_boot,exit}/ (config's seeds are plain
config files, kept by hand). Each seed encodes typical traffic in the
harness's own input format (see the comment at the top of each
tests/fuzz/fuzz_*.c): ARP, IPv4/ICMP, UDP, broadcast, IPv4 and IPv6
multicast, runts, minimum and maximum lengths, a bad descriptor.

Usage: python3 tests/fuzz/seeds.py   (rewrites the files; they are
committed, so this only needs running when a format changes)."""

import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))

BCAST = bytes([0xff] * 6)
MCAST4 = bytes([0x01, 0x00, 0x5e, 0x00, 0x00, 0xfb])
MCAST6 = bytes([0x33, 0x33, 0x00, 0x00, 0x00, 0x01])
OUTSIDE = bytes([0x52, 0x54, 0x00, 0x12, 0x34, 0x56])


def vm_mac(v):
    return bytes([0x02, 0, 0, 0, 0, v + 1])


def arp_request(src, sip, tip):
    return (BCAST + src + b"\x08\x06" + struct.pack(">HHBBH", 1, 0x0800, 6, 4, 1) +
            src + bytes(sip) + bytes(6) + bytes(tip))


def arp_reply(dst, src, sip, tip):
    return (dst + src + b"\x08\x06" + struct.pack(">HHBBH", 1, 0x0800, 6, 4, 2) +
            src + bytes(sip) + dst + bytes(tip))


def ipv4(dst, src, proto, payload, sip, dip):
    hdr = struct.pack(">BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), 1, 0, 64, proto, 0,
                      bytes(sip), bytes(dip))
    s = sum(struct.unpack(">10H", hdr))
    s = (s & 0xffff) + (s >> 16)
    s = (s & 0xffff) + (s >> 16)
    hdr = hdr[:10] + struct.pack(">H", ~s & 0xffff) + hdr[12:]
    return dst + src + b"\x08\x00" + hdr + payload


def icmp_echo(dst, src, sip, dip):
    return ipv4(dst, src, 1, b"\x08\x00\x00\x00\x12\x34\x00\x01" + bytes(range(56)), sip, dip)


def udp(dst, src, sip, dip, n):
    return ipv4(dst, src, 17, struct.pack(">HHHH", 5000, 7, 8 + n, 0) + bytes(n), sip, dip)


A = [192, 168, 77, 11]
B = [192, 168, 77, 12]
H = [192, 168, 77, 1]

FRAMES = {
    "arp_request": arp_request(OUTSIDE, H, A),
    "arp_reply": arp_reply(vm_mac(0), OUTSIDE, H, A),
    "icmp_echo": icmp_echo(vm_mac(1), OUTSIDE, H, B),
    "udp_bcast": udp(BCAST, OUTSIDE, H, [192, 168, 77, 255], 32),
    "udp_mcast4": udp(MCAST4, OUTSIDE, H, [224, 0, 0, 251], 40),
    "mcast6": MCAST6 + OUTSIDE + b"\x86\xdd" + bytes(40),
    "runt": vm_mac(0) + OUTSIDE[:4],
    "min60": vm_mac(2) + OUTSIDE + b"\x08\x00" + bytes(46),
    "max1514": udp(vm_mac(1), OUTSIDE, H, B, 1472),
    "big2048": vm_mac(0) + OUTSIDE + b"\x08\x00" + bytes(2034),
    "unknown": udp(bytes([2, 0, 0, 0, 0, 0x99]), OUTSIDE, H, [192, 168, 77, 99], 16),
}


def write(target, name, data):
    d = os.path.join(HERE, "corpus", target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def u16(n):
    return struct.pack("<H", n)


# --- fuzz_frame: mode byte, then (selector, length, bytes) per frame -----
def frame_rx(f, length=None):
    return bytes([0x1c]) + u16(len(f) if length is None else length) + f


def frame_tx(sender, f):
    # bit 7: transmit; (sel >> 2) & 7 == 7: the input's own destination.
    return bytes([0x9c | sender, 0]) + u16(len(f)) + f


def frame_seeds():
    # mode byte: flip; copy; hybrid copying up to 500 bytes
    for mode, mname in ((0, "flip"), (1, "copy"), (77, "hybrid")):
        for name, f in FRAMES.items():
            write("frame", "%s_%s" % (mname, name), bytes([mode]) + frame_rx(f))
    write("frame", "bad_descriptor", bytes([2]) + frame_rx(FRAMES["arp_request"], 0xffff))
    write("frame", "tx_mix", bytes([2]) + frame_tx(0, icmp_echo(vm_mac(1), vm_mac(0), A, B)) +
          frame_tx(1, arp_request(vm_mac(1), B, A)) + frame_tx(2, udp(MCAST4, vm_mac(2), B, A, 8)) +
          frame_tx(0, udp(OUTSIDE, vm_mac(0), A, H, 64)))


# --- fuzz_ring: world header, then operations --------------------------
def ring_world(mode, vms, frames=64, nic_cap=32, low_wm=16):
    # frames, nic_cap, low_wm, grace 1+16*4, mode, threshold 200,
    # tx_reserve 4, then per VM: slots byte, flags, quota byte.
    # frames byte: < 128 gives 16 + b % 32, else 16 + (b - 128) * 304 / 127
    fb = frames - 16 if frames < 48 else 128 + (frames - 16) * 127 // 304
    h = bytes([fb, nic_cap - 1, low_wm, 4, mode]) + u16(200) + bytes([4, len(vms) - 1])
    for slots, flags, quota in vms:
        # slots byte: < 240 gives 1 + b % 32, else 512 - (b - 240)
        sb = slots - 1 if slots <= 32 else 240 + 512 - slots
        h += bytes([sb, flags, quota - 1])
    return h


def ring_rx(vm, f, length=None):
    # op 0; destination kind 0 with k / 6 = vm; length; bytes
    return bytes([0, vm * 6]) + u16(len(f) if length is None else length) + f[:2048]


def ring_seeds():
    world = ring_world(2, [(8, 4, 8), (8, 0, 4), (16, 1, 16)])
    ops = b""
    for f in ("arp_reply", "icmp_echo", "min60", "big2048"):
        ops += ring_rx(0, FRAMES[f])
    ops += bytes([1])                               # rx_end
    ops += bytes([6, 0])                            # vm0 reads its ring
    ops += bytes([2, 0, 3, 0, 1, 2])                # vm0 releases 3 it holds
    ops += bytes([3, 1, 0]) + u16(60) + bytes([4]) + bytes(60)   # vm1 sends
    ops += bytes([4]) + u16(5000)                   # tick: revocation
    ops += bytes([5, 0, 10]) + struct.pack("<I", 0xfffffff0)     # cons scribbled
    write("ring", "mixed", world + ops)
    write("ring", "flood", ring_world(0, [(4, 0, 2)]) + ring_rx(0, FRAMES["arp_reply"]) * 40 +
          bytes([1, 4]) + u16(60000))
    # The pool runs low: 16 frames, watermark 8, two VMs of quota 8 that
    # hold what they get; reclaim interrupts, then revocation.
    low = ring_world(0, [(8, 0, 8), (8, 0, 8)], frames=16, nic_cap=8, low_wm=8)
    for i in range(12):
        low += ring_rx(i % 2, FRAMES["icmp_echo"] if i % 3 else FRAMES["big2048"][:1200])
        if i % 4 == 3:
            low += bytes([1])
    write("ring", "pool_low", low + bytes([1, 4]) + u16(100) + bytes([4]) + u16(60000) + bytes([1]))
    # A flood at a VM that releases what it holds (it knows its slots)
    # but never reads its ring: the ring fills before the quota.
    f = FRAMES["min60"]
    rel = bytes([2, 0, 64]) + bytes(range(64))
    write("ring", "flood_ring_full", ring_world(1, [(512, 0, 256)], frames=320, nic_cap=256) +
          bytes([9, 199, 0]) + u16(len(f)) + f + rel + rel +
          bytes([9, 99, 0]) + u16(len(f)) + f + bytes([1]))
    # The bad descriptor last: its 2048 bytes take the rest of the input.
    write("ring", "runts", ring_world(1, [(8, 4, 8)]) + ring_rx(0, FRAMES["runt"]) +
          ring_rx(0, FRAMES["min60"], 13) + bytes([1]) + ring_rx(0, FRAMES["arp_reply"], 0xffff))


# --- fuzz_hypercall: world header, then operations ----------------------
LAST = "last"     # the address of the last list op_list wrote


def hc(vm, nr, *args):
    # op 0: hypercall; each argument as selector 0 (a raw u64) or 0x87
    # (the last list's address); HC_NET_SEND takes one more byte: < 200
    # puts the sender's own MAC in the frame.
    b = bytes([0, vm, nr])
    for a in (list(args) + [0, 0, 0])[:3]:
        b += bytes([0x87]) if a == LAST else bytes([0]) + struct.pack("<Q", a)
    if nr == 8:
        b += bytes([0])
    return b


def hc_seeds():
    # hybrid up to 512 bytes, 32 frames, 2 VMs of 8 slots, quota 4
    world = bytes([35, 16, 5, 1, 7, 3, 7, 3])
    setup = hc(0, 6, 0x10000, 0x20000) + hc(1, 6, 0x10000, 0)
    rx = bytes([5, 2])                              # 3 frames
    for f in ("arp_reply", "icmp_echo", "udp_bcast"):
        fr = FRAMES[f]
        rx += bytes([255]) + u16(len(fr)) + fr
    # the guest writes a release list of what it holds at 0x30000 (op 4)
    lst = bytes([4, 0]) + struct.pack("<I", 0x30000) + bytes([2, 0, 1])
    release = hc(0, 7, LAST, 2)
    frame = icmp_echo(vm_mac(1), vm_mac(0), A, B)
    write_frame = bytes([3, 0]) + struct.pack("<I", 0x40000) + bytes([len(frame)]) + frame
    send = hc(0, 8, 0x40000, len(frame))
    write("hypercall", "net", world + setup + rx + lst + release + write_frame + send +
          hc(0, 9, 0x50000) + bytes([6]) + u16(200))
    # flip: every frame remapped; the guest releases window slots
    flip = bytes([0, 16, 5, 1, 7, 3, 7, 3]) + setup + rx + lst + release + \
        bytes([8, 0, 0]) + u16(0) + bytes([8, 1, 2]) + u16(64)
    write("hypercall", "flip", flip)
    # page exchange: VM 0 sets up for exchange and posts 4 pages (op 9
    # writes the list: per entry a byte < 220 and a page number; slot i),
    # VM 1 keeps the window; frames to VM 0 flip into its pages, a
    # broadcast is copied; VM 0 reads its stats, detaches, posts again
    plist = bytes([9, 0]) + struct.pack("<I", 0x30000) + bytes([4])
    for i in range(4):
        plist += bytes([0]) + u16(0x40 + i)
    rx_x = bytes([5, 2])                            # 3 frames
    for f in ("icmp_echo", "arp_reply", "udp_bcast"):
        fr = FRAMES[f]
        rx_x += bytes([0 if f != "udp_bcast" else 255]) + u16(len(fr)) + fr
    xchg = bytes([0, 16, 5, 1, 7, 3, 7, 3]) + hc(0, 10, 0x10000) + plist + \
        hc(0, 11, LAST, 4) + hc(1, 6, 0x10000, 0) + rx_x + hc(0, 9, 0x50000) + \
        hc(0, 12) + hc(0, 10, 0x11000) + plist + hc(0, 11, LAST, 4) + rx_x
    write("hypercall", "xchg", xchg)
    write("hypercall", "basic", world + hc(0, 1, 0x1000) + hc(1, 2, 0x100000, 16) +
          hc(0, 3) + hc(1, 4, 5000000) + hc(0, 5, 1, 2, 42) + hc(0, 5, 2, 0x40) + hc(1, 99, 1, 2, 3))
    write("hypercall", "faults", world + hc(0, 1, 0x1ffff0) + hc(0, 2, 0x1fffff, 2) +
          hc(0, 6, 0x80000000) + hc(0, 7, 0, 65) + hc(0, 8, 0x1ffff0, 1514) + hc(0, 9, 2 << 20))


def elf64(entry, phdrs, body_at=0x1000, body=b""):
    """An ELF64 x86-64 executable: header, program headers (type, offset,
    vaddr, filesz, memsz), then 'body' at file offset 'body_at'."""
    ph = b"".join(struct.pack("<IIQQQQQQ", t, 5, off, va, va, fs, ms, 0x1000)
                  for t, off, va, fs, ms in phdrs)
    eh = (b"\x7fELF" + bytes([2, 1, 1]) + bytes(9) +
          struct.pack("<HHIQQQIHHHHHH", 2, 62, 1, entry, 64, 0, 0, 64, 56,
                      len(phdrs), 64, 0, 0))
    f = eh + ph
    return f + bytes(body_at - len(f)) + body


def image_seeds():
    # input: one byte for the RAM (2 << n MiB), then the file
    code = bytes([0xfa, 0xf4, 0xeb, 0xfc])          # cli; hlt; jmp $-2
    write("image", "flat", bytes([0]) + code)
    write("image", "elf_two_segments", bytes([2]) + elf64(
        0x200000, [(1, 0x1000, 0x200000, 4, 4), (1, 0x1004, 0x201000, 4, 0x2000),
                   (0x6474e551, 0, 0, 0, 0)], body=code + b"data"))
    write("image", "elf_interp", bytes([1]) + elf64(
        0x200000, [(3, 0x1000, 0, 4, 4), (1, 0x1000, 0x200000, 4, 4)], body=code))
    write("image", "elf_boot_pages", bytes([0]) + elf64(
        0x4ffc, [(1, 0x1000, 0x4ffc, 4, 4)], body=code))


def bzimage(ram_mib=256, initrd=1 << 20, cmd_len=40, nul=255, version=0x020F,
            xlf=3, init_size=8 << 20, setup_sects=1, syssize=4096):
    """A minimal bzImage header (vmm/linux_boot.h offsets) whose first 13
    bytes are fuzz_linux_boot's request: RAM, initrd size, command line."""
    setup = (setup_sects + 1) * 512
    b = bytearray(setup + syssize)
    struct.pack_into("<HIHBI", b, 0, ram_mib - 1, initrd, cmd_len, nul, 0)
    b[0x1F1] = setup_sects
    struct.pack_into("<I", b, 0x1F4, syssize // 16)
    struct.pack_into("<H", b, 0x1FE, 0xAA55)
    b[0x200:0x202] = bytes([0xEB, 0x6A])
    b[0x202:0x206] = b"HdrS"
    struct.pack_into("<HIHH", b, 0x206, version, 0, 0, 0x100)
    b[0x300:0x310] = b"6.6.6-seed #1\0\0\0"
    b[0x211] = 1                                    # LOADED_HIGH
    struct.pack_into("<I", b, 0x214, 0x100000)
    struct.pack_into("<IIBBHI", b, 0x22C, 0x7FFFFFFF, 0x200000, 1, 21, xlf, 2047)
    struct.pack_into("<QI", b, 0x258, 16 << 20, init_size)
    return bytes(b)


def linux_boot_seeds():
    write("linux_boot", "debian_like", bzimage())
    write("linux_boot", "tight_ram", bzimage(ram_mib=24, initrd=0))
    write("linux_boot", "initrd_too_large", bzimage(ram_mib=32, initrd=9 << 20))
    write("linux_boot", "cmdline_nul", bzimage(nul=3))
    write("linux_boot", "cmdline_long", bzimage(cmd_len=2048))
    write("linux_boot", "old_protocol", bzimage(version=0x020B))
    write("linux_boot", "no_64bit", bzimage(xlf=2))
    write("linux_boot", "setup_sects_0", bzimage(setup_sects=0))
    write("linux_boot", "truncated", bzimage()[:3000])


# --- exit: tests/fuzz/fuzz_exit.c -------------------------------------
# Scenario numbers (enum scn_kind in tests/fuzz/exit_side.h).
(S_CPUID, S_HLT, S_IO, S_VMCALL, S_RDMSR, S_WRMSR, S_MONITOR, S_MWAIT, S_RDPMC,
 S_WBINVD, S_INVD, S_CR_WRITE, S_NPF, S_TRIPLE, S_EXT_INTR, S_NMI, S_IRQ_WINDOW,
 S_TIMER, S_ENTRY_FAIL, S_RAW) = range(20)
F_CPL = 0x80            # flags byte: CPL in bits 1:0
F_RIP64 = 0x20          # RIP as 8 bytes, else 0x100000 + 2 bytes
F_IF = 0x10
F_ALT = 0x40            # per scenario: UART port, EDX from EAX, any CR, raw u64
VECTORING = (S_NPF, S_TRIPLE, S_EXT_INTR, S_NMI, S_RAW)


def u32(n):
    return struct.pack("<I", n)


def u64(n):
    return struct.pack("<Q", n & (2**64 - 1))


def exit_one(kind, flags=F_IF, length=2, rip=0x10, body=b"", vectoring=(0, 0),
             side=b"", after=b""):
    """One exit: the scenario, then what the backend's side reads (its
    VMCS or VMCB left-overs: zeros unless given), then the HLT bytes."""
    out = bytes([kind, flags, length - 1])
    out += u64(rip) if flags & F_RIP64 else u16(rip)
    out += u64(0x7000) + body
    if kind in VECTORING:
        out += u32(vectoring[0]) + u32(vectoring[1])
    return out + side + after


VMX_SIDE = bytes(64)     # FS, GS, 5 MSRs, entry info left-overs


def svm_side(f=0, cr=b""):
    """AMD-V: flags (1 NRIP save, 2 decode assists, 4 no LMA, 8 EXITINFO1
    decode valid), the guest memory of a CR write, CR0/CR4 bits, MSRs."""
    return bytes([f]) + cr + bytes(63)


def msr_body(index_pick, eax_pick, edx_pick=None):
    return bytes(index_pick) + bytes(eax_pick) + (bytes(edx_pick) if edx_pick else b"")


def exit_seeds():
    one = {
        "cpuid_0": (S_CPUID, F_IF, 2, bytes([0, 0]) + u32(0)),
        "cpuid_hv": (S_CPUID, F_IF, 2, bytes([0x80, 0]) + u32(0)),
        "cpuid_1": (S_CPUID, F_IF, 2, bytes([0, 1]) + u32(0)),
        "out_uart": (S_IO, F_IF | F_ALT, 1, bytes([0, 0]) + u64(ord("x"))),
        "in_unclaimed_32": (S_IO, F_IF | 1, 1, u16(0x60) + bytes([2]) + u64(0x1122334455667788)),
        "rep_outs": (S_IO, F_IF | 2, 2, u16(0x80) + bytes([0, 1, 1]) + u64(0)),
        "vmcall": (S_VMCALL, F_IF, 3, b""),
        "vmcall_cpl3": (S_VMCALL, F_IF | F_CPL | 3, 3, b""),
        "rdmsr_lstar": (S_RDMSR, F_IF, 2, msr_body([4], [0, 0], [0, 0])),
        "wrmsr_fs_noncanonical": (S_WRMSR, F_IF, 2, msr_body([0], [0, 0], [255] + list(u64(0x8000)))),
        "wrmsr_fmask_upper": (S_WRMSR, F_IF, 2, msr_body([6], [0, 0], [255] + list(u64(1)))),
        "wrmsr_lstar": (S_WRMSR, F_IF, 2, msr_body([4], [255] + list(u64(0x401000)), [0, 0])),
        "rdmsr_efer": (S_RDMSR, F_IF, 2, msr_body([167], [0, 0], [0, 0])),
        "monitor": (S_MONITOR, F_IF, 3, b""),
        "mwait": (S_MWAIT, F_IF, 3, b""),
        "rdpmc": (S_RDPMC, F_IF, 2, b""),
        "wbinvd": (S_WBINVD, F_IF | 4, 2, b""),
        "invd": (S_INVD, F_IF, 2, b""),
        "ept_violation": (S_NPF, F_IF, 1, bytes([2]) + u64(0x80001000)),
        "triple_fault": (S_TRIPLE, F_IF, 1, b""),
        "ext_intr": (S_EXT_INTR, F_IF, 1, bytes([0x20])),
        "nmi": (S_NMI, F_IF, 1, b""),
        "irq_window": (S_IRQ_WINDOW, F_IF, 1, b""),
        "timer": (S_TIMER, F_IF, 1, b""),
        "entry_failed": (S_ENTRY_FAIL, F_IF, 1, b""),
        "raw_cr_access": (S_RAW, F_IF, 3, u16(28) + u64(0x0404) + u64(3)),
    }
    for name, (kind, flags, length, body) in sorted(one.items()):
        vec = (0x80000b0e, 0x2) if kind == S_NPF else (0, 0)
        write("exit", "vmx_" + name, bytes([0]) + exit_one(kind, flags, length, body=body,
                                                          vectoring=vec, side=VMX_SIDE))
        write("exit", "svm_" + name, bytes([1]) + exit_one(kind, flags, length, body=body,
                                                          vectoring=vec, side=svm_side()))
    # HLT, then HLT again with an interrupt pending.
    hlt = exit_one(S_HLT, F_IF, 1, side=VMX_SIDE, after=bytes([0, 0]))
    hlt_pending = exit_one(S_HLT, F_IF, 1, side=VMX_SIDE, after=bytes([1, 1]))
    write("exit", "vmx_hlt", bytes([0]) + hlt + hlt_pending)
    # AMD-V CR writes: MOV CR4 from R13 (REX), MOV CR0 of a value with
    # bits 63:32, CLTS, LMSW, and one straddling into an unmapped page.
    def cr(name, cr_sel, gpr, value, m, f=0, extra=b""):
        body = bytes([cr_sel, gpr, 0xff]) + u64(value)
        mem = bytes([m]) + (extra if m & 0x10 else u16(0x100))
        write("exit", "svm_cr_" + name, bytes([1]) + exit_one(
            S_CR_WRITE, F_IF, 3, body=body, side=svm_side(f, mem)))
    cr("mov_cr4_r13", 1, 13, 0x620, 0x80)
    cr("mov_cr0_high", 0, 0, 0x1_8000_0031, 0)
    cr("clts", 0, 0, 0, 0x20)
    cr("lmsw", 0, 0, 0, 0x40)
    cr("straddle_hole", 1, 0, 0x20, 0x12, extra=bytes([0, 3]))
    cr("decode_assist", 1, 5, 0x6a0, 0, f=0xb)


if __name__ == "__main__":
    frame_seeds()
    ring_seeds()
    hc_seeds()
    image_seeds()
    linux_boot_seeds()
    exit_seeds()
