"""System tests of guests from a file (the 'image' key, docs/config.md):
the NASM guest tests/guests/hello.asm, built flat (guests/hello.bin) and
as an ELF64 executable (guests/hello.elf) into the ESP, boots beside a
guest-stub on VT-x in Bochs, on AMD-V in QEMU TCG, and over TFTP after a
PXE boot; and every kind of bad image file is reported against its line
of flipvisor.cfg, with no guest started.

hello checks the entry state it was promised and says "entry state ok",
reads a .bss word and says "bss zero", takes three timer interrupts
("tick 1".."tick 3"), then says "bye" and halts.
"""

import struct

PANIC = r"\[panic\]|EXCEPTION"
# What hello says when the hypervisor broke a promise, or a VM stopped.
BROKEN = r"entry state WRONG|bss DIRTY|stopped|refused hypercall"


def vm(name, n, image=None, memory_mib=None):
    """A [vm NAME] section with MAC 02:00:00:00:00:0n, IP 192.168.77.1n."""
    text = (f"[vm {name}]\nmac = 02:00:00:00:00:{n:02x}\n"
            f"ipv4 = 192.168.77.{10 + n}/24\n")
    if memory_mib:
        text += f"memory_mib = {memory_mib}\n"
    return text + (f"image = {image}\n" if image else "")


def hello_up(name, vm_id):
    return (rf"^{name}: hello from an image: ram 8 MiB, vm_id {vm_id}, "
            r"entry state ok, bss zero$")


HELLO_CFG = (vm("flat", 1, "guests/hello.bin") + vm("elf", 2, "/guests/hello.elf") +
             vm("stub", 3))
HELLO_EXPECT = [r"^\[cfg\] image guests/hello\.bin of \[vm flat\] from the \w+ \w+: "
                r"\d+ bytes, flat, 1 segment\(s\), entry 0x100000$",
                r"^\[cfg\] image guests/hello\.elf of \[vm elf\] from the \w+ \w+: "
                r"\d+ bytes, ELF64, \d+ segment\(s\), entry 0x401000$",
                hello_up("flat", 0), hello_up("elf", 1),
                r"^flat: tick 3$", r"^elf: tick 3$", r"^flat: bye$", r"^elf: bye$",
                r"^stub: up mac=02:00:00:00:00:03 ip=192\.168\.77\.13$",
                r"^stub: heartbeat 2 "]


def elf64(entry, loads, machine=62, body_at=0x1000, body=b"\xfa\xf4\xeb\xfc"):
    """An ELF64 executable: PT_LOAD segments (offset, vaddr, filesz,
    memsz), then 'body' at file offset 'body_at'."""
    ph = b"".join(struct.pack("<IIQQQQQQ", 1, 5, off, va, va, fs, ms, 0x1000)
                  for off, va, fs, ms in loads)
    eh = (b"\x7fELF" + bytes([2, 1, 1]) + bytes(9) +
          struct.pack("<HHIQQQIHHHHHH", 2, machine, 1, entry, 64, 0, 0, 64, 56,
                      len(loads), 64, 0, 0))
    head = eh + ph
    return head + bytes(body_at - len(head)) + body


# One bad file per VM: each is reported, with its line, in one boot.
BAD_FILES = {
    "bad/i386.elf": elf64(0x200000, [(0x1000, 0x200000, 4, 4)], machine=3),
    "bad/past_ram.elf": elf64(0x7ff000, [(0x1000, 0x7ff000, 4, 0x2000)]),
    "bad/boot_pages.elf": elf64(0x4000, [(0x1000, 0x4000, 4, 4)]),
    "bad/entry.elf": elf64(0x300000, [(0x1000, 0x200000, 4, 4)]),
    "bad/empty.bin": b"",
    "bad/big.bin": bytes([0x90]) * ((2 << 20) + 1),
    "bad/flat_over_ram.bin": bytes([0x90]) * (1 << 20 | 1),
}
BAD_VMS = [("missing", "guests/nosuch.elf", None,
            r"no such file on the boot volume or the TFTP server"),
           ("i386", "bad/i386.elf", None,
            r"not an x86-64 ELF \(e_machine 3, want 62: EM_X86_64\)"),
           ("pastram", "bad/past_ram.elf", None,
            r"segment 0: 0x2000 bytes at 0x7ff000 run past the VM's 8 MiB of RAM"),
           ("bootpages", "bad/boot_pages.elf", None,
            r"segment 0: 0x4 bytes at 0x4000 overlap 0x1000-0x4fff"),
           ("entry", "bad/entry.elf", None,
            r"entry point 0x300000 is not in the file bytes of any PT_LOAD segment"),
           ("empty", "bad/empty.bin", None, r"the file is empty"),
           ("big", "bad/big.bin", 2, r"the file is larger than the VM's 2 MiB of RAM"),
           ("flatover", "bad/flat_over_ram.bin", 2,
            r"flat image of 1048577 bytes does not fit the VM's 2 MiB of RAM"),
           ]


def bad_cfg():
    """The configuration and, per VM, the message with its image line."""
    text, expect = "", []
    for n, (name, image, mib, why) in enumerate(BAD_VMS, 1):
        text += vm(name, n, image, mib)
        line = text.count("\n")          # the image key is the last line
        expect.append(rf"^\[cfg\] flipvisor\.cfg:{line}: image {image} of "
                      rf"\[vm {name}\]: {why}")
    return text, expect + [r"refusing to start guests", r"\[vm\] no guests to start"]


BAD_CFG, BAD_EXPECT = bad_cfg()

TESTS = [
    dict(name="image_hello", bed="bochs", esp="build/esp",
         doc="the hello guest from a file, flat and ELF64, beside a "
             "guest-stub on VT-x: entry state as documented, .bss zero, "
             "timer interrupts, console",
         cfg_text=HELLO_CFG, expect=HELLO_EXPECT,
         fail=[PANIC, BROKEN], timeout=150),

    dict(name="image_hello_svm", bed="qemu", accel="tcg", esp="build/esp",
         doc="the same on AMD-V (QEMU TCG, -cpu max)",
         cfg_text=HELLO_CFG, expect=HELLO_EXPECT,
         fail=[PANIC, BROKEN], timeout=90),

    dict(name="image_pxe", bed="qemu", pxe="build/tftp",
         doc="after a PXE boot the image files come over TFTP from "
             "build/tftp/guests/ (iPXE cannot tell a file's size)",
         cfg_text=HELLO_CFG,
         expect=[e.replace(r"from the \w+ \w+: \d+ bytes",
                           r"from the tftp server: \d+ bytes \(size not told[^)]*\)")
                 for e in HELLO_EXPECT],
         fail=[PANIC, BROKEN], timeout=120),

    dict(name="image_bad_files", bed="qemu", accel="tcg", esp="build/esp",
         doc="a missing file, an i386 ELF, segments past RAM or over the "
             "boot pages, an entry point outside the file, an empty file, "
             "files too large for RAM: each reported as flipvisor.cfg:LINE "
             "with its reason, and no guest starts",
         cfg_text=BAD_CFG, files=BAD_FILES, expect=BAD_EXPECT,
         fail=[PANIC, r"hello from an image", r"\[vm\] \w+: \d+ MiB at host"],
         timeout=60),
]
