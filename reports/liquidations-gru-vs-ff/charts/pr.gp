# Almanac report chart: Precision-recall curve of the best trial
# Run from the report folder: gnuplot charts/pr.gp
# Reads data/pr.dat; writes charts/pr.svg.
set encoding utf8
set terminal svg size 640,600 noenhanced font 'Sans,12' background rgb 'white'
set output 'charts/pr.svg'
set datafile missing 'NaN'
set label 99 'liquidations-gru-vs-ff' at screen 0.995, 0.012 right font ',9' tc rgb '#888888'
set border 3 lc rgb '#444444'
set tics nomirror
set grid ytics lc rgb '#dddddd' lt 1
set key noautotitle
set title 'Precision-recall curve of the best trial'."\n".'trial 552db82d05858307, average precision = 0.4909'
set xlabel 'recall'
set ylabel 'precision'
set xrange [0:1]
set yrange [0:1.02]
set size ratio 1
set grid xtics ytics lc rgb '#dddddd' lt 1
set key top right
plot 'data/pr.dat' using 1:2 with lines lw 2 lc rgb '#4e79a7' title 'precision-recall', \
     0.253164557 with lines dt 2 lc rgb '#888888' title 'chance (prevalence 0.2532)'
unset output
