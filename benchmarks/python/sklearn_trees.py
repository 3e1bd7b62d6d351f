"""scikit-learn's side of `almanac-bench trees`: HistGradientBoostingClassifier on panel CSVs exported by the bench.

Usage: OMP_NUM_THREADS=1 python3 sklearn_trees.py --max-iter 100 --repeat 3 --seeds 10 PANEL.csv [PANEL.csv ...]
Each CSV has the feature columns, `label` and `is_test` (1 for test rows). Prints one JSON object per file:
the best-of-`repeat` fit time (wall and CPU) with early stopping off (`max_iter` trees exactly), its test ROC-AUC, and the test
ROC-AUC with early_stopping=True for random_state 0..seeds-1 (the validation split is sklearn's own).
"""
import argparse, json, sys, time
import numpy as np
from threadpoolctl import threadpool_limits
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.metrics import roc_auc_score

ap = argparse.ArgumentParser()
ap.add_argument("files", nargs="+")
ap.add_argument("--max-iter", type=int, default=100)
ap.add_argument("--repeat", type=int, default=3)
ap.add_argument("--seeds", type=int, default=10)
args = ap.parse_args()

with threadpool_limits(limits=1):
    for path in args.files:
        t0 = time.perf_counter()
        data = np.genfromtxt(path, delimiter=",", names=True)
        names = data.dtype.names
        feats = [n for n in names if n not in ("label", "is_test")]
        X = np.column_stack([data[n] for n in feats]).astype(np.float64)
        y = data["label"].astype(np.float64)
        test = data["is_test"] == 1
        load = time.perf_counter() - t0
        best = float("inf")
        best_cpu = float("inf")
        auc = None
        trees = 0
        for _ in range(args.repeat):
            t = time.perf_counter()
            c = time.process_time()
            clf = HistGradientBoostingClassifier(max_iter=args.max_iter, early_stopping=False)
            clf.fit(X[~test], y[~test])
            best = min(best, time.perf_counter() - t)
            best_cpu = min(best_cpu, time.process_time() - c)
            auc = roc_auc_score(y[test], clf.predict_proba(X[test])[:, 1])
            trees = clf.n_iter_
        aucs = []
        for seed in range(args.seeds):
            clf = HistGradientBoostingClassifier(early_stopping=True, random_state=seed)
            clf.fit(X[~test], y[~test])
            aucs.append(roc_auc_score(y[test], clf.predict_proba(X[test])[:, 1]))
        print(json.dumps({"file": path, "load_seconds": load, "fit_seconds": best, "fit_cpu_seconds": best_cpu, "trees": int(trees),
                          "auc": auc, "early_stopping_aucs": aucs}))
        sys.stdout.flush()
