#!/bin/sh
# Install every Debian 12 package flipvisor needs to build, run and test.
# clang (14 on Debian 12) brings libFuzzer and the sanitizers for the fuzz
# harnesses (tests/fuzz/, docs/testing.md); llvm, llvm-cov for make
# fuzz-cover.
# Idempotent and silent when everything is present; as non-root it prints
# the one apt-get line to run and fails.
set -eu

PKGS="build-essential gnu-efi nasm binutils qemu-system-x86 ovmf ipxe-qemu \
libcmocka-dev bochs bochs-term bochsbios vgabios mtools dosfstools iproute2 iputils-ping python3 \
gnuplot-nox clang llvm"

missing=""
for p in $PKGS; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing="$missing $p"
	fi
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" != 0 ]; then
	echo "setup: missing packages:$missing" >&2
	echo "setup: run as root:  apt-get install -y$missing" >&2
	exit 1
fi

echo "setup: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
