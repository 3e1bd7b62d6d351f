# Almanac report chart: Validation loss by fold
# Run from the report folder: gnuplot charts/val_loss.gp
# Reads data/val_loss.dat; writes charts/val_loss.svg.
set encoding utf8
set terminal svg size 1000,540 noenhanced font 'Sans,12' background rgb 'white'
set output 'charts/val_loss.svg'
set datafile missing 'NaN'
set label 99 'liquidations-3d-vs-7d' at screen 0.995, 0.012 right font ',9' tc rgb '#888888'
set border 3 lc rgb '#444444'
set tics nomirror
set grid ytics lc rgb '#dddddd' lt 1
set key noautotitle
set title 'Validation loss by fold (mean over replicates)'
set xlabel 'fold'
set ylabel 'validation loss'
set key outside right top
set xtics 1
set offsets 0.25, 0.25, 0, 0
plot 'data/val_loss.dat' index 0 using 1:2 with linespoints pt 7 ps 0.8 lw 2 lc rgb '#4e79a7' title '#1 mlp, 3d, smote', \
     '' index 1 using 1:2 with linespoints pt 7 ps 0.8 lw 2 lc rgb '#f28e2b' title '#2 mlp, 3d, random', \
     '' index 2 using 1:2 with linespoints pt 7 ps 0.8 lw 2 lc rgb '#e15759' title '#3 gbdt, 3d, smote', \
     '' index 3 using 1:2 with linespoints pt 7 ps 0.8 lw 2 lc rgb '#76b7b2' title '#4 mlp, 7d, random', \
     '' index 4 using 1:2 with linespoints pt 7 ps 0.8 lw 2 lc rgb '#59a14f' title '#5 gbdt, 3d, random', \
     '' index 5 using 1:2 with linespoints pt 7 ps 0.8 lw 2 lc rgb '#edc948' title '#6 mlp, 7d, smote', \
     '' index 6 using 1:2 with linespoints pt 7 ps 0.8 lw 2 lc rgb '#b07aa1' title '#7 gbdt, 7d, random', \
     '' index 7 using 1:2 with linespoints pt 7 ps 0.8 lw 2 lc rgb '#ff9da7' title '#8 gbdt, 7d, smote'
unset output
