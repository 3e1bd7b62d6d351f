# Almanac report chart: Training loss by epoch
# Run from the report folder: gnuplot charts/train_loss.gp
# Reads data/train_loss.dat; writes charts/train_loss.svg.
set encoding utf8
set terminal svg size 1000,540 noenhanced font 'Sans,12' background rgb 'white'
set output 'charts/train_loss.svg'
set datafile missing 'NaN'
set label 99 'liquidations-gru-vs-ff' at screen 0.995, 0.012 right font ',9' tc rgb '#888888'
set border 3 lc rgb '#444444'
set tics nomirror
set grid ytics lc rgb '#dddddd' lt 1
set key noautotitle
set title 'Training loss by epoch (mean over replicates)'
set xlabel 'epoch (counted across folds)'
set ylabel 'training loss'
set key outside right top
plot 'data/train_loss.dat' index 0 using 1:2 with lines lw 2 lc rgb '#4e79a7' title '#1 gru, daily, 7', \
     '' index 1 using 1:2 with lines lw 2 lc rgb '#f28e2b' title '#2 gru, daily, 3', \
     '' index 2 using 1:2 with lines lw 2 lc rgb '#e15759' title '#3 gru, daily, 14', \
     '' index 3 using 1:2 with lines lw 2 lc rgb '#76b7b2' title '#4 mlp, 3d, 3', \
     '' index 4 using 1:2 with lines lw 2 lc rgb '#59a14f' title '#5 mlp, 7d, 7'
unset output
