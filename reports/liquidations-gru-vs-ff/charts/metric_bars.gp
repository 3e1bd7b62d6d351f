# Almanac report chart: Test-set metrics by configuration
# Run from the report folder: gnuplot charts/metric_bars.gp
# Reads data/metric_bars.dat; writes charts/metric_bars.svg.
set encoding utf8
set terminal svg size 900,600 noenhanced font 'Sans,12' background rgb 'white'
set output 'charts/metric_bars.svg'
set datafile missing 'NaN'
set label 99 'liquidations-gru-vs-ff' at screen 0.995, 0.012 right font ',9' tc rgb '#888888'
set border 3 lc rgb '#444444'
set tics nomirror
set grid ytics lc rgb '#dddddd' lt 1
set key noautotitle
set title 'Test-set metrics by configuration (mean ± sd over replicates)'
set ylabel 'score (0 to 1)'
set xlabel 'configuration (leaderboard rank)'
set yrange [0:1.05]
set style data histograms
set style histogram errorbars gap 1.5 lw 1
set style fill solid 0.85 border rgb '#333333'
set boxwidth 0.9
set key outside top center horizontal
set xtics ('#1 gru, daily, 7' 0, '#2 gru, daily, 3' 1, '#3 gru, daily, 14' 2, '#4 mlp, 3d, 3' 3, '#5 mlp, 7d, 7' 4) rotate by 30 right
set lmargin 16
plot 'data/metric_bars.dat' using 4:5 title 'accuracy' lc rgb '#4e79a7', \
     '' using 6:7 title 'precision' lc rgb '#f28e2b', \
     '' using 8:9 title 'recall' lc rgb '#e15759', \
     '' using 10:11 title 'f1' lc rgb '#76b7b2'
unset output
