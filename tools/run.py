#!/usr/bin/env python3
"""`make run`: boot build/esp in the best bed available, serial output live
on the terminal, until Ctrl-C (or --timeout S); the emulator is then killed.

Best bed: QEMU with KVM when KVM can run VT-x guests here (host CPU with vmx,
/dev/kvm read-write), else Bochs, which emulates VT-x (slow: OVMF alone
takes ~11 s). --bed forces one; a forced qemu without KVM uses TCG, which
has no VT-x at all.
"""

import argparse
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.dont_write_bytecode = True   # no __pycache__ in the source tree
import emu  # noqa: E402


def choose_bed(forced):
    ok, why = emu.kvm_status()
    if forced == "bochs":
        return "bochs", "auto", "forced by --bed bochs (Bochs emulates VT-x)"
    if forced == "qemu":
        if ok:
            return "qemu", "kvm", "forced by --bed qemu; KVM usable: %s" % why
        return "qemu", "tcg", "forced by --bed qemu; no KVM (%s), so TCG: no VT-x" % why
    if ok:
        return "qemu", "kvm", "KVM usable: %s" % why
    return "bochs", "auto", "no KVM (%s); Bochs emulates VT-x" % why


def main(argv=None):
    ap = argparse.ArgumentParser(prog="run.py", description=__doc__.split("\n\n")[0])
    ap.add_argument("--bed", choices=emu.BEDS, help="force a bed")
    ap.add_argument("--esp", default=emu.DEFAULT_ESP, metavar="DIR", help="ESP directory (default build/esp)")
    ap.add_argument("--timeout", type=float, metavar="S", help="stop after S seconds (default: run until Ctrl-C)")
    ap.add_argument("--cfg", metavar="FILE", help="use FILE as flipvisor.cfg")
    ap.add_argument("--keep", action="store_true", help="keep the emulator's working directory")
    ap.add_argument("--log", metavar="PATH", help="also save the serial log here")
    a = ap.parse_args(argv)

    if not os.path.isfile(os.path.join(a.esp, "EFI", "BOOT", "BOOTX64.EFI")):
        print("run: %s/EFI/BOOT/BOOTX64.EFI is missing: run `make` first" % a.esp, file=sys.stderr)
        return 2
    cfg_text = None
    if a.cfg:
        with open(a.cfg) as f:
            cfg_text = f.read()

    bed, accel, why = choose_bed(a.bed)
    label = bed if bed == "bochs" else "qemu+" + accel
    print("run: bed %s (%s); Ctrl-C stops it" % (label, why), flush=True)
    try:
        r = emu.run(bed, esp=a.esp, accel=accel, expect=[], stop=None, timeout=a.timeout,
                    live=True, cfg_text=cfg_text, log_path=a.log, keep=a.keep or None)
    except KeyboardInterrupt:
        print("\nrun: stopped, emulator killed", flush=True)
        return 0
    except (ValueError, FileNotFoundError) as e:
        print("run: %s" % e, file=sys.stderr)
        return 2
    if r.exit_status is None:
        print("\nrun: --timeout %g s reached, emulator stopped" % a.timeout, flush=True)
    else:
        print("\nrun: %s after %.1f s" % (r.reason, r.elapsed), flush=True)
    # Reaching --timeout is the normal end; an emulator that quit on its
    # own is reported with its status.
    return 0 if r.exit_status is None or r.exit_status == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
