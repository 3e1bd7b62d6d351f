"""Records the reference values for StatisticsTests (scipy.stats, statsmodels, scikit-learn).

Run from this directory:  python3 gen_fixtures.py
Versions used are written into each file ("reference" key). The tests never run this script.
"""
import json
import math

import numpy as np
import scipy
import scipy.stats as st
import sklearn
import statsmodels
from sklearn import metrics
from statsmodels.stats.contingency_tables import mcnemar
from statsmodels.stats.multitest import multipletests

REF = f"scipy {scipy.__version__}, statsmodels {statsmodels.__version__}, scikit-learn {sklearn.__version__}"


def num(v):
    """JSON has no NaN/Infinity: encode them as strings the tests decode."""
    v = float(v)
    if math.isnan(v):
        return "nan"
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    return v


def nums(a):
    return [num(v) for v in a]


def dump(name, obj):
    obj = {"reference": REF, **obj}
    with open(name, "w") as f:
        json.dump(obj, f, indent=1)
        f.write("\n")


# ---------------------------------------------------------------- distributions
rows = []
for z in [-38, -20, -8, -3, -1, -0.1, 0, 0.5, 2, 8, 20, 37]:
    rows.append({"dist": "normal", "fn": "cdf", "x": z, "value": num(st.norm.cdf(z))})
    rows.append({"dist": "normal", "fn": "sf", "x": z, "value": num(st.norm.sf(z))})
for p in [1e-300, 1e-100, 1e-20, 1e-10, 1e-5, 0.01, 0.025, 0.3, 0.5, 0.7, 0.975, 0.99, 1 - 1e-10]:
    rows.append({"dist": "normal", "fn": "quantile", "x": p, "value": num(st.norm.ppf(p))})
for df in [0.1, 0.5, 1, 1.5, 2, 3, 4.7, 10, 29, 100, 1000, 1e4, 1e6, 2.9e6, 3.1e6, 1e8, 1e10]:
    for t in [-50, -20, -10, -3, -1.96, -0.5, -1e-3, 0, 0.7, 2.5, 12, 1e3]:
        rows.append({"dist": "t", "df": df, "fn": "cdf", "x": t, "value": num(st.t.cdf(t, df))})
        rows.append({"dist": "t", "df": df, "fn": "sf", "x": t, "value": num(st.t.sf(t, df))})
    for p in [1e-12, 1e-6, 0.001, 0.025, 0.2, 0.45, 0.5, 0.6, 0.975, 0.999, 1 - 1e-9]:
        rows.append({"dist": "t", "df": df, "fn": "quantile", "x": p, "value": num(st.t.ppf(p, df))})
for df in [0.5, 1, 2, 3, 7.5, 30, 200]:
    for x in [1e-3, 0.1, 1, 3.84, 10, 50, 300]:
        rows.append({"dist": "chi2", "df": df, "fn": "cdf", "x": x, "value": num(st.chi2.cdf(x, df))})
        rows.append({"dist": "chi2", "df": df, "fn": "sf", "x": x, "value": num(st.chi2.sf(x, df))})
for n in [1, 5, 20, 100, 1000]:
    for p in [0.5, 0.1, 0.93]:
        for k in sorted({0, 1, n // 10, n // 2, n - 2, n - 1, n}):
            if 0 <= k <= n:
                rows.append({"dist": "binom", "n": n, "p": p, "fn": "cdf", "x": k, "value": num(st.binom.cdf(k, n, p))})
                rows.append({"dist": "binom", "n": n, "p": p, "fn": "sf", "x": k, "value": num(st.binom.sf(k, n, p))})
dump("distributions.json", {"rows": rows})

# ---------------------------------------------------------------- paired t-test
rng = np.random.default_rng(11)
cases = []


def ttest_case(name, x, y):
    x = np.asarray(x, float)
    y = np.asarray(y, float)
    out = {"name": name, "x": nums(x), "y": nums(y)}
    for alt in ["two-sided", "less", "greater"]:
        with np.errstate(all="ignore"):
            r = st.ttest_rel(x, y, alternative=alt)
            ci = r.confidence_interval(0.95)
        out[alt] = {"statistic": num(r.statistic), "df": num(r.df), "pvalue": num(r.pvalue),
                    "ci_low": num(ci.low), "ci_high": num(ci.high)}
    cases.append(out)


a = rng.normal(0.70, 0.05, 10)
ttest_case("n10", a + rng.normal(0.01, 0.02, 10), a)
a = rng.normal(0.4, 0.1, 30)
ttest_case("n30", a, a + rng.normal(-0.002, 0.03, 30))
ttest_case("n2", [0.61, 0.64], [0.60, 0.58])
ttest_case("n1", [0.61], [0.60])
ttest_case("constant_difference", [1.5, 2.5, 3.5, 4.5], [1.0, 2.0, 3.0, 4.0])
ttest_case("all_zero_difference", [0.5, 0.6, 0.7], [0.5, 0.6, 0.7])
ttest_case("nan_input", [0.5, float("nan"), 0.7], [0.4, 0.5, 0.6])

# Corrected resampled t-test (Nadeau & Bengio 2003): the ttest_rel statistic over folds with the variance
# S^2 / k replaced by (1/k + n_test/n_train) S^2, so t_corrected = t * sqrt((1/k) / (1/k + n_test/n_train)),
# p from scipy.stats.t with k - 1 df.
nb = []
for k, ntest, ntrain, seed in [(10, 100, 900, 1), (5, 200, 800, 2), (3, 50, 100, 3)]:
    r2 = np.random.default_rng(seed)
    a = r2.normal(0.8, 0.03, k)
    b = a - r2.normal(0.01, 0.01, k)
    t = st.ttest_rel(a, b).statistic
    tc = t * math.sqrt((1 / k) / (1 / k + ntest / ntrain))
    d = a - b
    sd = np.std(d, ddof=1)
    se = math.sqrt((1 / k + ntest / ntrain)) * sd
    q = st.t.ppf(0.975, k - 1)
    nb.append({"x": nums(a), "y": nums(b), "n_test": ntest, "n_train": ntrain, "statistic": num(tc), "df": k - 1,
               "pvalue": num(2 * st.t.sf(abs(tc), k - 1)), "ci_low": num(d.mean() - q * se),
               "ci_high": num(d.mean() + q * se)})
dump("ttest_rel.json", {"cases": cases, "corrected": nb})

# ---------------------------------------------------------------- Wilcoxon signed-rank
wcases = []


def wilcoxon_case(name, d, rule):
    d = np.asarray(d, float)
    out = {"name": name, "d": nums(d), "method": rule}
    for alt in ["two-sided", "less", "greater"]:
        with np.errstate(all="ignore"):
            r = st.wilcoxon(d, alternative=alt)
        out[alt] = {"statistic": num(r.statistic), "pvalue": num(r.pvalue)}
    wcases.append(out)


r3 = np.random.default_rng(5)
wilcoxon_case("n8_exact", r3.normal(0.3, 1, 8), "exact")
wilcoxon_case("n20_exact", r3.normal(0.4, 1, 20), "exact")
wilcoxon_case("n50_exact", r3.normal(0.2, 1, 50), "exact")
wilcoxon_case("n51_asymptotic", r3.normal(0.2, 1, 51), "asymptotic")
wilcoxon_case("n10_ties_permutation", [1, 2, 2, -1, 3, 3, 3, 4, -2, 5], "permutation")
wilcoxon_case("n12_zeros_permutation", [0, 0.5, 1.5, -0.25, 2, 0, 3, 1.25, -1, 0.75, 2.5, 4], "permutation")
wilcoxon_case("n13_ties_permutation", [1, -1, 2, 2, 3, -3, 4, 4, 4, 5, 6, -0.5, 7], "permutation")
wilcoxon_case("n14_ties_asymptotic", [1, -1, 2, 2, 3, -3, 4, 4, 4, 5, 6, -0.5, 7, 8], "asymptotic")
wilcoxon_case("n30_ties_asymptotic", np.round(r3.normal(0.3, 1, 30), 1), "asymptotic")
wilcoxon_case("n60_ties_zeros", np.round(r3.normal(0.1, 1, 60), 1), "asymptotic")
wilcoxon_case("n1", [0.4], "exact")
wilcoxon_case("n1_negative", [-0.4], "exact")
wilcoxon_case("all_zero_n5", [0, 0, 0, 0, 0], "permutation")
wilcoxon_case("all_zero_n20", [0.0] * 20, "asymptotic")
wilcoxon_case("n4_exact", [0.1, 0.2, 0.3, 0.4], "exact")
dump("wilcoxon.json", {"cases": wcases})

# ---------------------------------------------------------------- bootstrap (percentile and BCa)
bcases = []
r4 = np.random.default_rng(17)
for name, data, stat in [("lognormal_mean_n25", r4.lognormal(0, 0.8, 25), np.mean),
                         ("normal_median_n15", r4.normal(1, 2, 15), np.median),
                         ("skewed_mean_n40", r4.exponential(1.0, 40), np.mean)]:
    out = {"name": name, "statistic": stat.__name__, "data": nums(data)}
    for method in ["percentile", "BCa"]:
        res = st.bootstrap((data,), stat, n_resamples=1999, method=method, confidence_level=0.95,
                           rng=np.random.default_rng(3))
        out[method] = {"low": num(res.confidence_interval.low), "high": num(res.confidence_interval.high),
                       "standard_error": num(res.standard_error)}
        out["distribution"] = nums(res.bootstrap_distribution)  # same rng: same distribution for both methods
    # 90% BCa too (a different alpha in the formulas)
    res = st.bootstrap((data,), stat, n_resamples=1999, method="BCa", confidence_level=0.90,
                       rng=np.random.default_rng(3))
    out["BCa90"] = {"low": num(res.confidence_interval.low), "high": num(res.confidence_interval.high)}
    bcases.append(out)
dump("bootstrap.json", {"cases": bcases})

# ---------------------------------------------------------------- McNemar
mrows = []
for table in [[[20, 5], [1, 30]], [[10, 10], [10, 10]], [[12, 0], [0, 9]], [[40, 3], [15, 42]],
              [[100, 50], [30, 100]], [[5, 0], [7, 5]], [[300, 400], [350, 200]], [[0, 1], [0, 0]]]:
    row = {"table": table}
    for exact in [True, False]:
        with np.errstate(all="ignore"):
            r = mcnemar(np.array(table), exact=exact, correction=True)
        row["exact" if exact else "chi2"] = {"statistic": num(r.statistic), "pvalue": num(r.pvalue)}
    mrows.append(row)
dump("mcnemar.json", {"cases": mrows})

# ---------------------------------------------------------------- Holm
hrows = []
for p in [[0.01, 0.04, 0.03, 0.005], [0.2, 0.5, 0.9], [0.001], [0.04, 0.04, 0.04], [0.0001, 0.02, 0.03, 0.04, 0.6, 0.3],
          [0.5, 0.5, 1.0, 0.01, 0.012]]:
    reject, adj, _, _ = multipletests(p, alpha=0.05, method="holm")
    hrows.append({"p": p, "adjusted": nums(adj), "reject": [bool(v) for v in reject]})
dump("holm.json", {"cases": hrows})

# ---------------------------------------------------------------- classification baselines
crows = []
r5 = np.random.default_rng(23)
for n, prev in [(200, 0.3), (57, 0.1), (1000, 0.6)]:
    y = (r5.random(n) < prev).astype(int)
    ones = np.ones(n, int)
    const = np.full(n, y.mean())
    crows.append({"labels": [int(v) for v in y],
                  "always_positive": {"precision": metrics.precision_score(y, ones),
                                      "recall": metrics.recall_score(y, ones),
                                      "f1": metrics.f1_score(y, ones),
                                      "accuracy": metrics.accuracy_score(y, ones)},
                  "constant_score": {"roc_auc": metrics.roc_auc_score(y, const),
                                     "average_precision": metrics.average_precision_score(y, const)}})
# Persistence: row (g, d) predicted positive iff group g has a positive row on day d - 1 (test or history rows);
# negative (and "uncovered") when g has no row on day d - 1. Metrics by scikit-learn on those 0/1 predictions.
prows = []
for seed in [1, 2]:
    r6 = np.random.default_rng(100 + seed)
    groups, days, labels = [], [], []
    for g in ["USDC", "DAI", "WETH", "WBTC"]:
        state = 0
        for d in range(40):
            if r6.random() < 0.1:
                continue  # a missing day for this token
            state = int(r6.random() < (0.6 if state else 0.15))
            groups.append(g)
            days.append(d)
            labels.append(state)
    test = [i for i in range(len(days)) if days[i] >= 28]
    hist = [i for i in range(len(days)) if days[i] < 28]
    pos = {}
    for i in range(len(days)):
        pos[(groups[i], days[i])] = pos.get((groups[i], days[i]), 0) | labels[i]
    pred = [pos.get((groups[i], days[i] - 1), 0) for i in test]
    uncovered = sum((groups[i], days[i] - 1) not in pos for i in test)
    y = [labels[i] for i in test]
    prows.append({"test": {"groups": [groups[i] for i in test], "days": [days[i] for i in test], "labels": y},
                  "history": {"groups": [groups[i] for i in hist], "days": [days[i] for i in hist],
                              "labels": [labels[i] for i in hist]},
                  "predictions": pred, "uncovered": uncovered,
                  "precision": metrics.precision_score(y, pred, zero_division=0),
                  "recall": metrics.recall_score(y, pred, zero_division=0),
                  "f1": metrics.f1_score(y, pred, zero_division=0), "accuracy": metrics.accuracy_score(y, pred),
                  "roc_auc": metrics.roc_auc_score(y, pred), "average_precision": metrics.average_precision_score(y, pred)})
dump("classification_baselines.json", {"cases": crows, "persistence": prows})
print("wrote fixtures with", REF)
