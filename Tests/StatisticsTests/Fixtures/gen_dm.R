# Records the R references for StatisticsTests: forecast::dm.test (Diebold-Mariano with the Harvey-Leybourne-Newbold
# correction) and the forecasting baselines naive / rwf(drift = TRUE) / snaive with forecast::accuracy (RMSE, MAE,
# MASE). Run from this directory:  Rscript gen_dm.R   (writes dm.json and forecast_baselines.json)
suppressMessages(library(forecast))

# A minimal JSON writer (no jsonlite in Debian's base R): named lists become objects, unnamed lists arrays, numeric
# vectors of length > 1 arrays, with 17 significant digits; NaN/NA/Inf as the strings the tests decode.
toJSON <- function(x) {
  if (is.list(x)) {
    if (!is.null(names(x))) {
      return(paste0("{", paste0('"', names(x), '": ', vapply(x, toJSON, ""), collapse = ", "), "}"))
    }
    return(paste0("[", paste0(vapply(x, toJSON, ""), collapse = ", "), "]"))
  }
  one <- function(v) {
    if (is.logical(v)) return(if (is.na(v)) '"nan"' else if (v) "true" else "false")
    if (is.character(v)) return(paste0('"', v, '"'))
    if (is.na(v)) return('"nan"')
    if (is.infinite(v)) return(if (v > 0) '"inf"' else '"-inf"')
    sprintf("%.17g", v)
  }
  if (length(x) == 1 && is.null(attr(x, "array"))) return(one(x))
  paste0("[", paste0(vapply(as.list(x), one, ""), collapse = ", "), "]")
}

num <- function(v) v
ref <- sprintf("R %s, forecast %s", getRversion(), packageVersion("forecast"))

# ------------------------------------------------------------------ Diebold-Mariano
set.seed(42)
cases <- list()
add <- function(name, e1, e2) {
  rows <- list()
  for (h in c(1, 2, 3, 5)) for (power in c(1, 2)) for (alt in c("two.sided", "less", "greater"))
    for (ve in c("acf", "bartlett")) {
      w <- NULL
      r <- withCallingHandlers(dm.test(e1, e2, alternative = alt, h = h, power = power, varestimator = ve),
                               warning = function(x) { w <<- conditionMessage(x); invokeRestart("muffleWarning") })
      rows[[length(rows) + 1]] <- list(h = h, power = power, alternative = alt, varestimator = ve,
                                       statistic = num(unname(r$statistic)), pvalue = num(r$p.value),
                                       fell_back = !is.null(w))
    }
  cases[[length(cases) + 1]] <<- list(name = name, e1 = structure(e1, array = TRUE), e2 = structure(e2, array = TRUE), rows = rows)
}
n <- 40
e1 <- rnorm(n, 0, 1.0); e2 <- rnorm(n, 0, 1.4)
add("iid_n40", e1, e2)
x <- arima.sim(list(ma = 0.6), 100)
add("ma1_n100", as.numeric(x), as.numeric(0.8 * x + rnorm(100, 0, 0.5)))
add("close_n25", rnorm(25, 0, 1), rnorm(25, 0, 1.05))
# a case where the acf variance at h = 5 is negative (R falls back to h = 1)
found <- FALSE
for (s in 1:500) {
  set.seed(s)
  a <- rnorm(12); b <- rnorm(12)
  d <- a^2 - b^2
  g <- acf(d, lag.max = 4, type = "covariance", plot = FALSE)$acf[, , 1]
  if (sum(c(g[1], 2 * g[-1])) < 0) { found <- TRUE; break }
}
if (found) add("negative_variance_n12", a, b)
write(toJSON(list(reference = ref, cases = cases)), "dm.json")

# ------------------------------------------------------------------ forecasting baselines
set.seed(7)
fc <- list()
addf <- function(name, y, h, frequency) {
  train <- ts(y[1:(length(y) - h)], frequency = frequency)
  test <- ts(y[(length(y) - h + 1):length(y)], start = tsp(train)[2] + 1 / frequency, frequency = frequency)
  out <- list(name = name, train = structure(as.numeric(train), array = TRUE), test = structure(as.numeric(test), array = TRUE), frequency = frequency, h = h)
  models <- list(naive = naive(train, h = h), drift = rwf(train, h = h, drift = TRUE))
  if (frequency > 1) models$snaive <- snaive(train, h = h)
  for (m in names(models)) {
    f <- models[[m]]
    a <- accuracy(f, test)
    out[[m]] <- list(forecast = structure(as.numeric(f$mean), array = TRUE), rmse = a["Test set", "RMSE"], mae = a["Test set", "MAE"],
                     mase = a["Test set", "MASE"], me = a["Test set", "ME"])
  }
  # MASE of an arbitrary forecast vector (a fixed "model" forecast) with the same scaling
  arbitrary <- as.numeric(test) + seq(-1, 1, length.out = h)
  fake <- naive(train, h = h)
  fake$mean <- ts(arbitrary, start = tsp(test)[1], frequency = frequency)
  a <- accuracy(fake, test)
  out$arbitrary <- list(forecast = structure(arbitrary, array = TRUE), rmse = a["Test set", "RMSE"], mae = a["Test set", "MAE"],
                        mase = a["Test set", "MASE"], me = a["Test set", "ME"])
  fc[[length(fc) + 1]] <<- out
}
addf("random_walk_drift", cumsum(rnorm(72, 0.3, 1)) + 50, 12, 1)
addf("seasonal_12", 10 + 3 * sin(2 * pi * (1:96) / 12) + cumsum(rnorm(96, 0, 0.3)), 24, 12)
addf("seasonal_7_short_h", 5 + 2 * cos(2 * pi * (1:60) / 7) + rnorm(60, 0, 0.4), 5, 7)
write(toJSON(list(reference = ref, cases = fc)),
      "forecast_baselines.json")
cat("wrote dm.json and forecast_baselines.json with", ref, "\n")
