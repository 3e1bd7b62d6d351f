# Almanac report chart: ROC curve of the best trial
# Run from the report folder: gnuplot charts/roc.gp
# Reads data/roc.dat; writes charts/roc.svg.
set encoding utf8
set terminal svg size 640,600 noenhanced font 'Sans,12' background rgb 'white'
set output 'charts/roc.svg'
set datafile missing 'NaN'
set label 99 'liquidations-gru-vs-ff' at screen 0.995, 0.012 right font ',9' tc rgb '#888888'
set border 3 lc rgb '#444444'
set tics nomirror
set grid ytics lc rgb '#dddddd' lt 1
set key noautotitle
set title 'ROC curve of the best trial'."\n".'trial 552db82d05858307, AUC = 0.7736'
set xlabel 'false positive rate'
set ylabel 'true positive rate'
set xrange [0:1]
set yrange [0:1.02]
set size ratio 1
set grid xtics ytics lc rgb '#dddddd' lt 1
set key bottom right
plot 'data/roc.dat' using 1:2 with lines lw 2 lc rgb '#4e79a7' title 'ROC', \
     x with lines dt 2 lc rgb '#888888' title 'chance'
unset output
