#!/usr/bin/env python3
"""Build the Linux guest's initramfs: a gzip'd "newc" cpio archive.

Usage: python3 tools/mkinitramfs.py --busybox BUSYBOX --init INIT
                                    [--module KO ...] [--bin PROG ...] -o OUT

The archive holds a static busybox, our init script, the kernel modules
init loads (in /lib/modules/, by their file names: flipnet.ko), other
static programs (in /bin/: flipnet-stats) and the
few directories and device node the kernel and init need before devtmpfs
is mounted. Written here rather than with cpio(1) so that a non-root build
can still create /dev/console (the kernel opens it for init's stdin,
stdout and stderr before init runs) and so that the same inputs always
give the same bytes: every owner is root and every time stamp 0.

Format: the kernel's Documentation/driver-api/early-userspace/
buffer-format.rst ("newc", magic 070701): per file a 110-byte ASCII
header of 13 hexadecimal fields, the NUL-terminated name padded to a
multiple of 4 bytes, then the data padded the same way; a last entry
named TRAILER!!! ends the archive.
"""
import argparse
import gzip
import os
import stat
import sys

NEWC_MAGIC = b"070701"
TRAILER = "TRAILER!!!"

DIRS = ["bin", "dev", "etc", "lib", "lib/modules", "proc", "root", "sbin",
        "sys", "tmp", "usr", "usr/bin", "usr/sbin"]
MODULE_DIR = "lib/modules"
CONSOLE = ("dev/console", 5, 1)   # the system console's device number


def pad4(n):
    return (4 - n % 4) % 4


def entry(ino, name, mode, data=b"", rdev=(0, 0)):
    """One newc header + name + data, each padded to 4 bytes."""
    name_b = name.encode() + b"\0"
    fields = [ino, mode, 0, 0,              # ino, mode, uid, gid
              2 if stat.S_ISDIR(mode) else 1,   # nlink
              0, len(data),                 # mtime, filesize
              0, 0, rdev[0], rdev[1],       # dev major/minor, rdev major/minor
              len(name_b), 0]               # namesize, check
    hdr = NEWC_MAGIC + b"".join(b"%08X" % f for f in fields)
    out = hdr + name_b + b"\0" * pad4(len(hdr) + len(name_b))
    return out + data + b"\0" * pad4(len(data))


def build(busybox, init, modules=(), progs=()):
    """The archive's bytes; modules, progs: (file name, bytes) pairs."""
    parts = []

    def add(*a, **kw):
        parts.append(entry(len(parts) + 1, *a, **kw))

    for d in DIRS:
        add(d, stat.S_IFDIR | 0o755)
    name, major, minor = CONSOLE
    add(name, stat.S_IFCHR | 0o600, rdev=(major, minor))
    add("bin/busybox", stat.S_IFREG | 0o755, busybox)
    # init's #! line names /bin/sh; the other applets are linked at run
    # time by init itself (busybox --install -s).
    add("bin/sh", stat.S_IFLNK | 0o777, b"busybox")
    add("init", stat.S_IFREG | 0o755, init)
    for name, data in modules:
        add("%s/%s" % (MODULE_DIR, name), stat.S_IFREG | 0o644, data)
    for name, data in progs:
        add("bin/%s" % name, stat.S_IFREG | 0o755, data)
    parts.append(entry(0, TRAILER, 0))
    return b"".join(parts)


def elf_files(paths):
    """[(file name, bytes)] of these ELF files; anything else stops."""
    out = []
    for path in paths:
        with open(path, "rb") as f:
            data = f.read()
        if not data.startswith(b"\x7fELF"):
            sys.exit("mkinitramfs: %s is not an ELF file" % path)
        out.append((os.path.basename(path), data))
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--busybox", required=True)
    ap.add_argument("--init", required=True)
    ap.add_argument("--module", action="append", default=[],
                    help="a kernel module for /lib/modules/ (repeatable)")
    ap.add_argument("--bin", action="append", default=[],
                    help="a static program for /bin/ (repeatable)")
    ap.add_argument("-o", "--output", required=True)
    a = ap.parse_args(argv)
    modules, progs = elf_files(a.module), elf_files(a.bin)
    with open(a.busybox, "rb") as f:
        busybox = f.read()
    with open(a.init, "rb") as f:
        init = f.read()
    if not init.startswith(b"#!"):
        sys.exit("mkinitramfs: %s has no #! line" % a.init)
    tmp = a.output + ".tmp"
    # mtime=0 in the gzip header too: same inputs, same bytes.
    with open(tmp, "wb") as raw, \
            gzip.GzipFile(fileobj=raw, mode="wb", mtime=0, filename="") as gz:
        gz.write(build(busybox, init, modules, progs))
    os.replace(tmp, a.output)


if __name__ == "__main__":
    main()
