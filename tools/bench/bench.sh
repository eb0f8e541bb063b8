#!/bin/sh
# make bench: run the host benchmark of the data path, then plot ns per
# frame against frame size with gnuplot (docs/performance.md).
#   tools/bench/bench.sh OUT_DIR [--quick] [--rounds N] [--slice-ms MS]
set -e
out=$1
shift
here=$(dirname "$0")

"$out/bench_datapath" --out "$out" "$@"

if ! command -v gnuplot >/dev/null 2>&1; then
	echo "bench: no gnuplot (tools/setup.sh installs gnuplot-nox): no plot" >&2
	exit 0
fi
# pngcairo draws headless; the libgd 'png' terminal is the fallback.
term=pngcairo
gnuplot -e 'set terminal pngcairo' >/dev/null 2>&1 || term=png
gnuplot -e "term='$term'; data='$out/ns_per_frame.dat'; out='$out/ns_per_frame.png'" \
	"$here/ns_per_frame.gp"
echo "wrote $out/ns_per_frame.png"
