#!/bin/sh
# tools/fetch_deb.sh CACHE PACKAGE VERSION [FALLBACK]
# Download one Debian package with apt-get download (nothing is installed)
# into the directory CACHE and print the .deb's path on stdout. A .deb of
# that exact version already in CACHE is used as it is: no network.
#
# PACKAGE=VERSION is what the project was tested with. Debian drops old
# kernel ABIs from its mirrors, so when that version is gone and FALLBACK
# (a metapackage such as linux-image-cloud-amd64) is given, the package
# FALLBACK currently depends on is taken instead, with one warning line
# on stderr naming both. Any other failure is one "error:" line and exit 1.
set -eu

if [ $# -lt 3 ] || [ $# -gt 4 ]; then
	echo "usage: $0 CACHE PACKAGE VERSION [FALLBACK]" >&2
	exit 2
fi
cache=$1 pkg=$2 ver=$3 fallback=${4:-}

# The .deb that apt-get download names for PKG VERSION (an epoch's ':'
# is written %3a).
deb_of() {
	printf '%s/%s_%s_amd64.deb' "$cache" "$1" "$(printf '%s' "$2" | sed 's/:/%3a/')"
}

# Download PKG=VER into the cache, quietly; on failure leave apt's last
# error line in $reason.
download() {
	f=$(deb_of "$1" "$2")
	[ -s "$f" ] && return 0
	mkdir -p "$cache"
	# As root apt-get drops to the _apt user, which cannot write to a
	# build tree: download as the caller instead (APT::Sandbox::User).
	if out=$(cd "$cache" && apt-get download -q -o APT::Sandbox::User="$(id -un)" \
			"$1=$2" 2>&1) && [ -s "$f" ]; then
		return 0
	fi
	reason=$(printf '%s\n' "$out" | grep -E '^(E|W):' | tail -n 1)
	[ -n "$reason" ] || reason=$(printf '%s\n' "$out" | tail -n 1)
	return 1
}

if download "$pkg" "$ver"; then
	deb_of "$pkg" "$ver"
	echo
	exit 0
fi
first=$reason

if [ -n "$fallback" ]; then
	# The package FALLBACK's candidate version depends on, and its version.
	dep=$(apt-cache show --no-all-versions "$fallback" 2>/dev/null |
		sed -n 's/^Depends: *//p' | tr ',' '\n' |
		sed -n 's/^ *\([a-z0-9.+-]*\) *(= *\([^)]*\)).*/\1 \2/p' | head -n 1)
	if [ -n "$dep" ]; then
		set -- $dep
		echo "warning: $pkg=$ver is no longer on the mirror ($first);" \
			"using $1=$2 from $fallback, which this project was not tested with" \
			"(docs/linux.md: \"Another kernel\")" >&2
		if download "$1" "$2"; then
			deb_of "$1" "$2"
			echo
			exit 0
		fi
		first="$first; $1=$2: $reason"
	fi
fi
echo "error: cannot download $pkg=$ver: $first. Run apt-get update as root," \
	"or pick another version (docs/linux.md: \"Another kernel\")" >&2
exit 1
