#!/bin/sh
# tools/mkusb.sh ESP_DIR OUT.img
# Build a 32 MiB raw FAT16 image (no partition table: a "superfloppy",
# which OVMF boots from a USB stick) holding the tree ESP_DIR, with mtools:
# no root, no loop mounts. Written to OUT.img.tmp first, then renamed, so
# OUT.img is either the old image or the complete new one.
set -eu
PATH="$PATH:/usr/sbin:/sbin"

if [ $# -ne 2 ]; then
	echo "usage: $0 ESP_DIR OUT.img" >&2
	exit 2
fi
esp=$1
out=$2
if [ ! -d "$esp" ]; then
	echo "mkusb: $esp is not a directory" >&2
	exit 1
fi
if [ ! -f "$esp/EFI/BOOT/BOOTX64.EFI" ]; then
	echo "mkusb: warning: $esp has no EFI/BOOT/BOOTX64.EFI" >&2
fi

tmp="$out.tmp"
trap 'rm -f "$tmp"' EXIT INT TERM HUP
rm -f "$tmp"
mkdir -p "$(dirname "$out")"
# 32 MiB: FAT16 (FAT32 would need >= 64 MiB with these cluster sizes).
truncate -s 32M "$tmp"
mkfs.fat -F 16 -n FLIPVISOR --invariant "$tmp" >/dev/null

export MTOOLS_SKIP_CHECK=1
# Copy every top-level entry (dot files too) recursively, keeping mtimes.
find "$esp" -mindepth 1 -maxdepth 1 -exec mcopy -s -m -Q -i "$tmp" {} ::/ \;
# The image must hold the boot loader where the firmware looks for it.
mdir -i "$tmp" ::/EFI/BOOT/BOOTX64.EFI >/dev/null 2>&1 ||
	echo "mkusb: warning: image has no /EFI/BOOT/BOOTX64.EFI" >&2

mv -f "$tmp" "$out"
trap - EXIT INT TERM HUP
