# ns per frame against frame size, one line per delivery mode and the
# plain memcpy, at batch 32 and 1 VM: with lib/string.c's string
# functions, as flipvisor links them (left), and with libc's (right).
# Called by bench.sh with term, data and out set.
if (term eq 'pngcairo') {
	set terminal pngcairo size 1200,520 font ',10'
} else {
	set terminal png size 1200,520
}
set output out
set multiplot layout 1,2 title "flipvisor receive path on the host: ns per frame, batch 32, 1 VM"
set xlabel 'frame size (bytes)'
set ylabel 'ns per frame'
set xrange [0:1600]
set yrange [0:*]
set xtics (64, 256, 512, 1024, 1514)
set grid
set key top left horizontal
set offsets 0, 0, graph 0.25, 0
set style data linespoints
set title 'as flipvisor links it (lib/string.c)'
plot data using 1:2 title 'flip' lw 2 pt 7, \
     '' using 1:3 title 'copy' lw 2 pt 5, \
     '' using 1:4 title 'hybrid (2048)' lw 2 pt 9 dt 2, \
     '' using 1:5 title 'memcpy' lw 1 pt 1 lc rgb 'gray40'
set title 'libc memcpy / memset / memcmp'
plot data using 1:6 title 'flip' lw 2 pt 7, \
     '' using 1:7 title 'copy' lw 2 pt 5, \
     '' using 1:8 title 'hybrid (2048)' lw 2 pt 9 dt 2, \
     '' using 1:9 title 'memcpy' lw 1 pt 1 lc rgb 'gray40'
unset multiplot
