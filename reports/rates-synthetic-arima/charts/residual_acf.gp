# Almanac report chart: Residual autocorrelation of the best order
# Run from the report folder: gnuplot charts/residual_acf.gp
# Reads data/residual_acf.dat; writes charts/residual_acf.svg.
set encoding utf8
set terminal svg size 900,540 noenhanced font 'Sans,12' background rgb 'white'
set output 'charts/residual_acf.svg'
set datafile missing 'NaN'
set label 99 'rates-synthetic-arima' at screen 0.995, 0.012 right font ',9' tc rgb '#888888'
set border 3 lc rgb '#444444'
set tics nomirror
set grid ytics lc rgb '#dddddd' lt 1
set key noautotitle
set title 'Residual autocorrelation of the best order by aic: ARIMA(3,0,1)'
set xlabel 'lag (observations)'
set ylabel 'autocorrelation of residuals'
set xzeroaxis lt 1 lc rgb '#444444'
set key outside top center horizontal
set xrange [0.5:20.5]
set xtics 1 nomirror
plot 'data/residual_acf.dat' using 1:2 with impulses lw 3 lc rgb '#4e79a7' title 'ACF', \
     0.07572140611 with lines dt 2 lw 1.5 lc rgb '#e15759' title '±1.96/√n (n = 670)', \
     -0.07572140611 with lines dt 2 lw 1.5 lc rgb '#e15759' notitle
unset output
