# Almanac report chart: Confusion matrix of the best trial
# Run from the report folder: gnuplot charts/confusion.gp
# Reads data/confusion.dat; writes charts/confusion.svg.
set encoding utf8
set terminal svg size 640,580 noenhanced font 'Sans,12' background rgb 'white'
set output 'charts/confusion.svg'
set datafile missing 'NaN'
set label 99 'liquidations-gru-vs-ff' at screen 0.995, 0.012 right font ',9' tc rgb '#888888'
set title 'Confusion matrix of the best trial'."\n".'trial 552db82d05858307: test rows (share of all)'
set xlabel 'predicted class'
set ylabel 'actual class'
set xrange [-0.5:1.5]
set yrange [1.5:-0.5]
set xtics ('negative (0)' 0, 'positive (1)' 1) nomirror
set ytics ('negative (0)' 0, 'positive (1)' 1) nomirror
set size ratio 1
set palette defined (0 '#f7fbff', 1 '#9ecae1', 2 '#4292c6')
set cbrange [0:*]
unset key
plot 'data/confusion.dat' using 1:2:(0.5):(0.5):3 with boxxyerror fs solid 1.0 border rgb '#ffffff' fc palette, \
     '' using 1:2:(sprintf('%d (%.1f%%)', int($3), 100 * $4)) with labels font ',14' tc rgb '#000000'
unset output
