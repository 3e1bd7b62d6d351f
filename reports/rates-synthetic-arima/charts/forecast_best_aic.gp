# Almanac report chart: Forecast of the best order by AIC
# Run from the report folder: gnuplot charts/forecast_best_aic.gp
# Reads data/forecast_best_aic.dat; writes charts/forecast_best_aic.svg.
set encoding utf8
set terminal svg size 1000,540 noenhanced font 'Sans,12' background rgb 'white'
set output 'charts/forecast_best_aic.svg'
set datafile missing 'NaN'
set label 99 'rates-synthetic-arima' at screen 0.995, 0.012 right font ',9' tc rgb '#888888'
set border 3 lc rgb '#444444'
set tics nomirror
set grid ytics lc rgb '#dddddd' lt 1
set key noautotitle
set title 'Best order by AIC: ARIMA(3,0,1), holdout forecast vs actual'
set xdata time
set timefmt '%s'
set format x '%Y-%m-%d'
set xtics rotate by -30
set rmargin 6
set xlabel 'date (UTC)'
set ylabel 'rate (% APR)'
set key outside top center horizontal
plot 'data/forecast_best_aic.dat' index 1 using 1:6:7 with filledcurves fc rgb '#4e79a7' fs transparent solid 0.18 noborder title '95% interval', \
     '' index 1 using 1:4:5 with filledcurves fc rgb '#4e79a7' fs transparent solid 0.35 noborder title '80% interval', \
     '' index 1 using 1:3 with lines lw 2 lc rgb '#1f4e79' title 'forecast', \
     '' index 0 using 1:2 with lines lw 1.5 lc rgb '#222222' title 'history', \
     '' index 1 using 1:2 with lines lw 1.5 lc rgb '#e15759' title 'actual (held out)'
unset output
