#!/bin/sh
# tools/unpack_headers.sh CACHE PACKAGE VERSION FALLBACK DEST
# The kernel build tree for out-of-tree modules (docs/linux.md, "The
# network driver"), from Debian's packages, unpacked into DEST (nothing is
# installed): PACKAGE (linux-headers-ABI-FLAVOUR) at VERSION, and the two
# packages it depends on, linux-headers-ABI-common and linux-kbuild-6.1,
# both at the version the flavour package itself has. Its Depends says
# "linux-kbuild-6.1 (>= V)", and the security mirror may carry a newer
# one: the same version is taken on purpose, the one the headers were
# built with. Downloads go through tools/fetch_deb.sh (so FALLBACK works
# as it does for the kernel image).
#
# The packages expect to live at /: lib/modules/RELEASE/build and
# source are absolute symlinks into /usr/src, and the flavour's Makefile
# includes the common one by its absolute path. Both are made relative
# here, so that `make -C DEST/lib/modules/RELEASE/build M=...` works
# where DEST is. DEST/release holds RELEASE; DEST/.unpacked marks a
# complete tree.
set -eu

if [ $# -ne 5 ]; then
	echo "usage: $0 CACHE PACKAGE VERSION FALLBACK DEST" >&2
	exit 2
fi
cache=$1 pkg=$2 ver=$3 fallback=$4 dest=$5
here=$(dirname "$0")

deb=$("$here/fetch_deb.sh" "$cache" "$pkg" "$ver" "$fallback")
ver=$(dpkg-deb -f "$deb" Version)   # the fallback may have changed it
# The common package: the one Depends names "linux-headers-*-common".
common=$(dpkg-deb -f "$deb" Depends | tr ',' '\n' |
	sed -n 's/^ *\(linux-headers-[^ ]*-common\) .*/\1/p')
kbuild=$(dpkg-deb -f "$deb" Depends | tr ',' '\n' |
	sed -n 's/^ *\(linux-kbuild-[^ ]*\) .*/\1/p')
if [ -z "$common" ] || [ -z "$kbuild" ]; then
	echo "error: $deb names no linux-headers-*-common or linux-kbuild-* in its Depends" >&2
	exit 1
fi
debs="$deb $("$here/fetch_deb.sh" "$cache" "$common" "$ver")"
debs="$debs $("$here/fetch_deb.sh" "$cache" "$kbuild" "$ver")"

tmp=$dest.tmp
rm -rf "$tmp"
mkdir -p "$tmp"
for d in $debs; do
	dpkg-deb -x "$d" "$tmp"
done

# Absolute symlinks -> relative ones inside the tree.
root=$(cd "$tmp" && pwd)
find "$tmp" -type l | while read -r link; do
	target=$(readlink "$link")
	case $target in
	/*) ln -sfn "$(realpath -m --relative-to="$(dirname "$link")" \
		"$root$target")" "$link" ;;
	esac
done
# "include /usr/src/X/Makefile" -> "include ../X/Makefile": kbuild runs
# with the flavour's directory as its working directory.
for mk in "$tmp"/usr/src/*/Makefile; do
	sed -i 's#^include /usr/src/#include ../#' "$mk"
done
if grep -rqs '^include /' "$tmp"/usr/src/*/Makefile; then
	echo "error: an absolute include is left in $tmp/usr/src/*/Makefile" >&2
	exit 1
fi

release=$(ls "$tmp/lib/modules")
if [ "$(printf '%s\n' "$release" | wc -l)" -ne 1 ] ||
   [ ! -e "$tmp/lib/modules/$release/build/Makefile" ]; then
	echo "error: no single lib/modules/RELEASE/build in $pkg=$ver" >&2
	exit 1
fi
echo "$release" > "$tmp/release"
rm -rf "$dest"
mv "$tmp" "$dest"
touch "$dest/.unpacked"
