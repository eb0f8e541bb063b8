#!/bin/sh
# Install every Debian 12 package flipvisor needs to build, run and test,
# then check that the files and programs the Makefile and the test beds
# really use are there. A package name is not proof: clang only
# recommends the libFuzzer and sanitizer runtimes (libclang-rt-14-dev),
# and apt-get --no-install-recommends leaves them out (issue 11).
#
# Silent when everything is present. As non-root it installs nothing: it
# prints the one apt-get line to run and fails. Any check that still fails
# after the install is one line naming the file and its package, so
# `make test` stops at its first step instead of at a link 300 lines on.
set -eu
PATH="$PATH:/usr/sbin:/sbin"

# What the build and the tests use, with the package that ships it.
#   package  kind  what-for  item...
# kind: cmd (a program on PATH), file (a path), clangrt (a runtime in
# clang's resource directory, lib/linux/), gcclib (a file gcc finds).
CHECKS='
build-essential cmd the-hypervisor-build gcc make
binutils cmd linking-the-EFI-image ld objcopy readelf objdump
libgcc-12-dev gcclib sanitizers-of-the-unit-tests libasan.so libubsan.so
gnu-efi file the-EFI-application /usr/lib/crt0-efi-x86_64.o /usr/lib/elf_x86_64_efi.lds /usr/lib/libefi.a /usr/lib/libgnuefi.a /usr/include/efi/efi.h
nasm cmd the-entry-stubs nasm
libcmocka-dev file the-unit-tests /usr/include/cmocka.h /usr/lib/x86_64-linux-gnu/libcmocka.so
clang cmd the-fuzz-harnesses clang
libclang-rt-14-dev clangrt libFuzzer-and-sanitizer-runtimes libclang_rt.fuzzer-x86_64.a libclang_rt.asan-x86_64.a libclang_rt.asan_static-x86_64.a libclang_rt.ubsan_standalone-x86_64.a
llvm cmd make-fuzz-cover llvm-profdata llvm-cov
bochs cmd the-VT-x-test-bed bochs
bochs file the-VT-x-test-bed /usr/lib/x86_64-linux-gnu/bochs/plugins/libbx_e1000.so
bochs-term file bochs-display-library-term /usr/lib/x86_64-linux-gnu/bochs/plugins/libbx_term_gui.so
bochsbios file bochs-BIOS-images /usr/share/bochs/BIOS-bochs-latest
vgabios file bochs-VGA-BIOS /usr/share/vgabios/vgabios.bin
qemu-system-x86 cmd the-AMD-V-test-bed qemu-system-x86_64
ovmf file UEFI-firmware /usr/share/qemu/OVMF.fd /usr/share/OVMF/OVMF_CODE_4M.fd /usr/share/OVMF/OVMF_VARS_4M.fd
ipxe-qemu file the-PXE-test-iPXE-ROM /usr/lib/ipxe/qemu/efi-e1000.rom
mtools cmd make-usb mcopy mdir
dosfstools cmd make-usb mkfs.fat
iproute2 cmd network-namespaces-and-TAPs ip
iputils-ping cmd the-network-tests ping
python3 cmd the-test-harness python3
gnuplot-nox cmd make-bench-plots gnuplot
apt cmd fetching-the-Linux-guest-kernel-and-busybox-packages apt-get apt-cache
dpkg cmd unpacking-the-Linux-guest-packages dpkg-deb
tar cmd unpacking-the-Linux-guest-packages tar
gcc-12 cmd the-flipnet-module,-the-guest-kernel-compiler gcc-12
libelf1 file objtool-of-the-guest-kernel-headers /usr/lib/x86_64-linux-gnu/libelf.so.1
libc6-dev file the-static-flipnet-stats /usr/lib/x86_64-linux-gnu/libc.a
'

pkgs=$(printf '%s\n' "$CHECKS" | awk 'NF { print $1 }' | sort -u)

installed() {
	dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"
}

missing=""
for p in $pkgs; do
	installed "$p" || missing="$missing $p"
done

if [ -n "$missing" ]; then
	if [ "$(id -u)" != 0 ]; then
		echo "setup: missing packages:$missing" >&2
		echo "setup: run as root:  apt-get install -y --no-install-recommends$missing" >&2
		exit 1
	fi
	echo "setup: installing$missing"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq >/dev/null
	# shellcheck disable=SC2086
	apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi

# One check: print a line naming the package if ITEM of KIND is absent.
bad=""
check() {	# package kind what item
	case $2 in
	cmd)	command -v "$4" >/dev/null 2>&1 && return 0
		where="program $4" ;;
	file)	[ -e "$4" ] && return 0
		where="$4" ;;
	clangrt) dir=$(clang -print-resource-dir 2>/dev/null)/lib/linux
		[ -e "$dir/$4" ] && return 0
		where="$dir/$4" ;;
	gcclib)	f=$(gcc -print-file-name="$4" 2>/dev/null)
		[ -e "$f" ] && [ "$f" != "$4" ] && return 0
		where="gcc's $4" ;;
	esac
	echo "setup: missing $where ($(echo "$3" | tr - ' ')): install $1" >&2
	case " $bad " in *" $1 "*) ;; *) bad="$bad $1" ;; esac
}

printf '%s\n' "$CHECKS" | {
	while read -r pkg kind what items; do
		[ -n "$pkg" ] || continue
		for item in $items; do
			# The clang runtimes are looked up through clang itself.
			if [ "$kind" = clangrt ] && ! command -v clang >/dev/null; then
				continue
			fi
			check "$pkg" "$kind" "$what" "$item"
		done
	done
	if [ -n "$bad" ]; then
		echo "setup: run as root:  apt-get install -y --reinstall --no-install-recommends$bad" >&2
		exit 1
	fi
}
