# Almanac report chart: holdout RMSE over p × q (d = 1)
# Run from the report folder: gnuplot charts/rmse_heatmap_d1.gp
# Reads data/rmse_heatmap_d1.dat; writes charts/rmse_heatmap_d1.svg.
set encoding utf8
set terminal svg size 760,600 noenhanced font 'Sans,12' background rgb 'white'
set output 'charts/rmse_heatmap_d1.svg'
set datafile missing 'NaN'
set label 99 'rates-synthetic-arima' at screen 0.995, 0.012 right font ',9' tc rgb '#888888'
set title 'holdout RMSE (% APR) over p × q, d = 1 (lower is better; blank: not run)'
set xlabel 'p (AR order)'
set ylabel 'q (MA order)'
set cblabel 'holdout RMSE (% APR)' offset 2.5,0
set rmargin 12
set xrange [-0.5:3.5]
set yrange [-0.5:3.5]
set xtics 1 nomirror
set ytics 1 nomirror
set palette defined (0 '#ffffcc', 0.5 '#a1dab4', 1 '#41b6c4')
set key outside top center horizontal
plot 'data/rmse_heatmap_d1.dat' index 0 using 1:2:(0.5):(0.5):3 with boxxyerror fs solid 1.0 border rgb '#ffffff' fc palette notitle, \
     '' index 0 using 1:2:(sprintf('%.3f', $3)) with labels tc rgb '#000000' font ',10' notitle, \
     '' index 1 using 1:2:(0.48):(0.48) with boxxyerror fs empty border rgb '#e15759' lw 3 lc rgb '#e15759' title 'lowest holdout RMSE'
unset output
