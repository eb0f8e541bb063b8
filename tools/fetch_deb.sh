#!/bin/sh
# tools/fetch_deb.sh CACHE PACKAGE VERSION [FALLBACK]
# Download one Debian package with apt-get download (nothing is installed)
# into the directory CACHE and print the .deb's path on stdout. A .deb of
# that exact version already in CACHE is used as it is: no network.
#
# PACKAGE=VERSION is what the project was tested with. Debian drops old
# kernel ABIs from its mirrors, so when apt's package lists no longer
# have that version and FALLBACK (a metapackage such as
# linux-image-cloud-amd64) is given, the package FALLBACK currently
# depends on is taken instead, with one warning line on stderr naming
# both. Any other failure (a download that fails: the network) is one
# "error:" line and exit 1.
set -eu

if [ $# -lt 3 ] || [ $# -gt 4 ]; then
	echo "usage: $0 CACHE PACKAGE VERSION [FALLBACK]" >&2
	exit 2
fi
cache=$1 pkg=$2 ver=$3 fallback=${4:-}

# The .deb that apt-get download names for PKG VERSION (an epoch's ':'
# is written %3a): PKG_VERSION_amd64.deb, or _all.deb for a package
# without an architecture (linux-headers-*-common); the amd64 name when
# neither is there yet.
deb_of() {
	base=$(printf '%s/%s_%s' "$cache" "$1" "$(printf '%s' "$2" | sed 's/:/%3a/')")
	if [ -s "${base}_all.deb" ]; then
		printf '%s_all.deb' "$base"
	else
		printf '%s_amd64.deb' "$base"
	fi
}

# Download PKG=VER into the cache, quietly; on failure leave apt's last
# error line in $reason.
download() {
	# (asked again after the download: only then is an _all.deb there)
	[ -s "$(deb_of "$1" "$2")" ] && return 0
	mkdir -p "$cache"
	# As root apt-get drops to the _apt user, which cannot write to a
	# build tree: download as the caller instead (APT::Sandbox::User).
	if out=$(cd "$cache" && apt-get download -q -o APT::Sandbox::User="$(id -un)" \
			"$1=$2" 2>&1) && [ -s "$(deb_of "$1" "$2")" ]; then
		return 0
	fi
	reason=$(printf '%s\n' "$out" | grep -E '^(E|W):' | tail -n 1)
	[ -n "$reason" ] || reason=$(printf '%s\n' "$out" | tail -n 1)
	return 1
}

# Known to apt's package lists (no network): a download that then fails
# is the network's fault, not a version gone from the mirror.
known() {
	apt-cache madison "$1" 2>/dev/null |
		awk -F '|' '{ gsub(/ /, "", $2); print $2 }' | grep -qxF "$2"
}

fail() {
	echo "error: cannot download $1: $2" >&2
	exit 1
}

if [ -s "$(deb_of "$pkg" "$ver")" ] || known "$pkg" "$ver"; then
	download "$pkg" "$ver" || fail "$pkg=$ver" "$reason"
	deb_of "$pkg" "$ver"
	echo
	exit 0
fi
gone="$pkg=$ver is not in apt's package lists"

if [ -n "$fallback" ]; then
	# The package FALLBACK's candidate version depends on, and its version.
	dep=$(apt-cache show --no-all-versions "$fallback" 2>/dev/null |
		sed -n 's/^Depends: *//p' | tr ',' '\n' |
		sed -n 's/^ *\([a-z0-9.+-]*\) *(= *\([^)]*\)).*/\1 \2/p' | head -n 1)
	if [ -n "$dep" ]; then
		set -- $dep
		echo "warning: $gone (gone from the mirror?);" \
			"using $1=$2 from $fallback, which this project was not tested with" \
			"(docs/linux.md: \"Another kernel\")" >&2
		download "$1" "$2" || fail "$1=$2" "$reason"
		deb_of "$1" "$2"
		echo
		exit 0
	fi
fi
fail "$pkg=$ver" "$gone. Run apt-get update as root, or pick another version (docs/linux.md: \"Another kernel\")"
