#!/usr/bin/env python3
"""Reference values for Tests/ReportsTests/ComparisonTests.swift (issue 11), from scipy and statsmodels.

Run from this folder: python3 comparisons.py > comparisons.json
(scipy 1.17, statsmodels 0.14; the tests never run this script.)

Design (mirrored in the Swift test): a classify-like sweep over features {3d, 7d} x lr {1e-3, 1e-2} x replicate 0..5;
f1 of each trial below. The report pairs trials that differ only in one axis (same other setting and replicate):
features 7d - 3d (12 pairs) and lr 1e-2 - 1e-3 (12 pairs). Holm adjusts the two paired-t p-values together.
"""
import json
import numpy as np
from scipy import stats
from statsmodels.stats.contingency_tables import mcnemar
from statsmodels.stats.multitest import multipletests

f1 = {
    ("3d", "1e-3"): [0.41, 0.44, 0.39, 0.47, 0.42, 0.40],
    ("3d", "1e-2"): [0.43, 0.42, 0.45, 0.46, 0.41, 0.44],
    ("7d", "1e-3"): [0.46, 0.49, 0.41, 0.50, 0.47, 0.43],
    ("7d", "1e-2"): [0.44, 0.50, 0.47, 0.52, 0.45, 0.46],
}
out = {"f1": {f"{k[0]}|{k[1]}": v for k, v in f1.items()}}

def paired(x, y):
    r = stats.ttest_rel(x, y)
    ci = r.confidence_interval(0.95)
    w = stats.wilcoxon(np.array(x) - np.array(y))
    return {"mean": float(np.mean(np.array(x) - np.array(y))), "t": float(r.statistic), "t_p": float(r.pvalue),
            "ci": [float(ci.low), float(ci.high)], "wilcoxon_p": float(w.pvalue)}

features = paired(f1[("7d", "1e-3")] + f1[("7d", "1e-2")], f1[("3d", "1e-3")] + f1[("3d", "1e-2")])
lr = paired(f1[("3d", "1e-2")] + f1[("7d", "1e-2")], f1[("3d", "1e-3")] + f1[("7d", "1e-3")])
holm = multipletests([features["t_p"], lr["t_p"]], method="holm")[1]
features["holm"], lr["holm"] = float(holm[0]), float(holm[1])
out["features"] = features
out["lr"] = lr

# McNemar on thresholded predictions of two classifiers on the same rows.
rng = np.random.default_rng(3)
labels = rng.random(60) < 0.3
a = np.where(rng.random(60) < 0.8, labels, ~labels)
b = np.where(rng.random(60) < 0.65, labels, ~labels)
ra, rb = a == labels, b == labels
table = [[int(np.sum(ra & rb)), int(np.sum(ra & ~rb))], [int(np.sum(~ra & rb)), int(np.sum(~ra & ~rb))]]
m = mcnemar(table, exact=True)
out["mcnemar"] = {"labels": labels.astype(int).tolist(), "a": a.astype(int).tolist(), "b": b.astype(int).tolist(),
                  "b_count": table[0][1], "c_count": table[1][0], "statistic": float(m.statistic),
                  "p": float(m.pvalue)}
print(json.dumps(out, indent=1))
