// The generator of TreeFixture.swift, kept here as a comment so that the test target holds no unhandled
// (non-Swift) files, like FixtureGenerator.swift. To regenerate, extract the script and run it with scikit-learn
// 1.9.1 and numpy on one thread (the panel CSV comes from `almanac-bench trees --export-panel DIR`, see
// benchmarks/README.md; it is read from /tmp and never committed):
//   sed -n '/^\/\*$/,/^\*\/$/p' Tests/LearningTests/Fixtures/TreeFixtureGenerator.swift | sed '1d;$d' > /tmp/make_tree_fixtures.py
//   OMP_NUM_THREADS=1 python3 /tmp/make_tree_fixtures.py Tests/LearningTests/Fixtures/TreeFixture.swift \
//     --panel /tmp/almanac-panel/panel-7d.csv
// It uses only data it generates itself (seeded numpy generators), plus the optional exported panel.

/*
# Generates Tests/LearningTests/Fixtures/TreeFixture.swift: scikit-learn 1.9.1 HistGradientBoostingClassifier and
# _BinMapper reference values on small seeded data sets (float32-representable values, so that Almanac's Float
# matrices hold them exactly). Optional: --panel CSV adds the mean test ROC-AUC over seeds on the real per-token panel
# exported by `almanac-bench trees --export-panel` (the data itself never enters the repository).
# Run: OMP_NUM_THREADS=1 python3 make_tree_fixtures.py OUT.swift [--panel /tmp/panel-7d.csv]
import sys, argparse
import numpy as np
import sklearn
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.ensemble._hist_gradient_boosting.binning import _BinMapper
from sklearn.metrics import roc_auc_score

ap = argparse.ArgumentParser()
ap.add_argument("out")
ap.add_argument("--panel", default=None)
args = ap.parse_args()

def num(v):
    v = float(v)
    if np.isnan(v): return ".nan"
    if np.isinf(v): return ".infinity" if v > 0 else "-.infinity"
    return repr(v)

def fl(a): return "[" + ", ".join(num(v) for v in np.asarray(a).ravel()) + "]"
def il(a): return "[" + ", ".join(str(int(v)) for v in np.asarray(a).ravel()) + "]"
def bl(a): return "[" + ", ".join("true" if v else "false" for v in np.asarray(a).ravel()) + "]"
def opt(v): return "nil" if v is None else str(v)

rng = np.random.default_rng(20261129)
f32 = lambda a: np.asarray(a, dtype=np.float32).astype(np.float64)

# ---------------- Bin mapper ----------------
n = 400
cols = [
    rng.normal(size=n),                                   # continuous: quantile thresholds
    rng.integers(0, 20, size=n).astype(float),            # 20 distinct values: midpoints
    np.where(rng.random(n) < 0.1, np.nan, rng.exponential(size=n)),  # NaNs
    np.full(n, 3.25),                                     # constant: no threshold
    np.round(rng.normal(size=n) * 4) / 4,                 # many ties
    np.concatenate([np.full(n - 30, np.nan), rng.normal(size=30)]),  # mostly NaN, few distinct
]
XB = f32(np.column_stack(cols))
WB = rng.uniform(0.2, 3.0, size=n)
WB[rng.random(n) < 0.05] = 0.0
bin_cases = []
for max_bins in (255, 32, 7):
    for weighted in (False, True):
        bm = _BinMapper(n_bins=max_bins + 1, n_threads=1)
        bm.fit(XB, sample_weight=WB if weighted else None)
        binned = bm.transform(XB)
        bin_cases.append((f"maxBins{max_bins}{'Weighted' if weighted else ''}", max_bins, weighted,
                          bm.bin_thresholds_, binned))

# ---------------- Trees ----------------
def make_data(n, p, seed, nan_col=None):
    r = np.random.default_rng(seed)
    X = r.normal(size=(n, p))
    X[:, 1] = np.round(X[:, 1] * 3)                      # a coarse feature with ties
    logit = 1.2 * X[:, 0] - 0.8 * X[:, 1] + 0.6 * X[:, 2] * X[:, 3] - 0.7
    y = (r.random(n) < 1 / (1 + np.exp(-logit))).astype(float)
    if nan_col is not None:
        X[r.random(n) < 0.12, nan_col] = np.nan
    return f32(X), y

Xtr, ytr = make_data(300, 5, 1, nan_col=4)
Xte, _ = make_data(80, 5, 2, nan_col=4)
Xte[:5, 2] = np.nan   # NaN in a feature that had none in training (goes to the larger child)
Xte[5:8, 0] = np.array([50.0, -50.0, 0.0], dtype=np.float32)
SW = f32(np.round(rng.uniform(0.5, 2.0, size=300), 3))  # float32-representable, as Almanac takes Float weights

tree_cases = [
    ("defaults5", dict(max_iter=5), False),
    ("depth3L2", dict(max_iter=6, max_depth=3, max_leaf_nodes=None, l2_regularization=1.0, min_samples_leaf=5,
                      max_bins=32, learning_rate=0.3), False),
    ("leaves8Balanced", dict(max_iter=5, max_leaf_nodes=8, min_samples_leaf=10, class_weight="balanced",
                             learning_rate=0.2, max_bins=64), True),
    ("stumps", dict(max_iter=8, max_leaf_nodes=2, min_samples_leaf=1, learning_rate=0.5, max_bins=16), False),
    ("bigLeaf", dict(max_iter=3, min_samples_leaf=200), False),
    # Early stopping on the training loss (validation_fraction=None): deterministic in scikit-learn.
    ("earlyStopTrainLoss", dict(max_iter=200, early_stopping=True, validation_fraction=None, n_iter_no_change=3,
                                tol=1e-3, learning_rate=0.3, max_leaf_nodes=4), False),
]
defaults = dict(learning_rate=0.1, max_iter=100, max_leaf_nodes=31, max_depth=None, min_samples_leaf=20,
                l2_regularization=0.0, max_bins=255, early_stopping=False, validation_fraction=0.1,
                n_iter_no_change=10, tol=1e-7, class_weight=None)
tree_out = []
for name, kw, weighted in tree_cases:
    params = dict(defaults); params.update(kw)
    clf = HistGradientBoostingClassifier(random_state=0, **params)
    clf.fit(Xtr, ytr, sample_weight=SW if weighted else None)
    trees = []
    for it in clf._predictors[:3]:  # the first three trees of each case
        nodes = it[0].nodes
        trees.append(nodes)
    raw = clf.decision_function(Xte)
    proba = clf.predict_proba(Xte)[:, 1]
    tree_out.append((name, params, weighted, float(clf._baseline_prediction.ravel()[0]), trees, raw, proba,
                     clf.n_iter_, list(clf.train_score_)))

# ---------------- Real panel (optional) ----------------
panel_lines = []
if args.panel:
    import csv
    rows = list(csv.reader(open(args.panel)))
    header = rows[0]
    data = np.array([[float(v) for v in r] for r in rows[1:]])
    split = data[:, header.index("is_test")] == 1
    y = data[:, header.index("label")]
    feats = [i for i, h in enumerate(header) if h not in ("is_test", "label")]
    X = data[:, feats]
    aucs = []
    for seed in range(10):
        clf = HistGradientBoostingClassifier(early_stopping=True, random_state=seed)
        clf.fit(X[~split], y[~split])
        aucs.append(roc_auc_score(y[split], clf.predict_proba(X[split])[:, 1]))
    panel_lines.append(f"  /// Mean test ROC-AUC of HistGradientBoostingClassifier(early_stopping=True, random_state=0..9) on "
                       f"{args.panel.split('/')[-1]} ({(~split).sum()} train, {split.sum()} test rows, "
                       f"{len(feats)} features), per seed: {', '.join(f'{a:.4f}' for a in aucs)}.")
    panel_lines.append(f"  static let panelMeanAUC: Double = {float(np.mean(aucs))!r}")
    panel_lines.append(f"  static let panelFeatures = \"{args.panel.split('/')[-1].removeprefix('panel-').removesuffix('.csv')}\"")

# ---------------- Write Swift ----------------
o = []
w = o.append
w(f"// Generated by make_tree_fixtures.py (see TreeFixtureGenerator.swift) with scikit-learn {sklearn.__version__},")
w(f"// numpy {np.__version__}, OMP_NUM_THREADS=1. Do not edit by hand.")
w("")
w("struct BinCase: Sendable, CustomStringConvertible {")
w("  var name: String")
w("  var maxBins: Int")
w("  var weighted: Bool")
w("  var thresholds: [[Double]]")
w("  /// `_BinMapper.transform` of ``TreeFixture/binX``, row-major.")
w("  var binned: [Int]")
w("  var description: String { name }")
w("}")
w("")
w("/// One node of a fitted tree in scikit-learn's `TreePredictor.nodes` order (pre-order, left child first).")
w("struct NodeRecord: Sendable {")
w("  var isLeaf: Bool")
w("  var value: Double")
w("  var count: Int")
w("  var feature: Int")
w("  var threshold: Double")
w("  var binThreshold: Int")
w("  var missingGoesLeft: Bool")
w("  var left: Int")
w("  var right: Int")
w("}")
w("")
w("struct TreeCase: Sendable, CustomStringConvertible {")
w("  var name: String")
w("  var learningRate: Double")
w("  var maxIter: Int")
w("  var maxLeafNodes: Int?")
w("  var maxDepth: Int?")
w("  var minSamplesLeaf: Int")
w("  var l2Regularization: Double")
w("  var maxBins: Int")
w("  var earlyStoppingOnTrainingLoss: Bool")
w("  var nIterNoChange: Int")
w("  var tol: Double")
w("  var balanced: Bool")
w("  var weighted: Bool")
w("  var baseline: Double")
w("  var trees: [[NodeRecord]]")
w("  var raw: [Double]")
w("  var probability: [Double]")
w("  var nIter: Int")
w("  var trainScore: [Double]")
w("  var description: String { name }")
w("}")
w("")
w("enum TreeFixture {")
w(f"  static let binRows = {XB.shape[0]}")
w(f"  static let binColumns = {XB.shape[1]}")
w(f"  static let binX: [Double] = {fl(XB)}")
w(f"  static let binWeights: [Double] = {fl(WB)}")
w("  static let binCases: [BinCase] = [")
for name, mb, weighted, th, binned in bin_cases:
    ths = "[" + ", ".join(fl(t) for t in th) + "]"
    w(f"    BinCase(name: \"{name}\", maxBins: {mb}, weighted: {'true' if weighted else 'false'}, thresholds: {ths},")
    w(f"            binned: {il(binned)}),")
w("  ]")
w("")
w(f"  static let trainRows = {Xtr.shape[0]}")
w(f"  static let testRows = {Xte.shape[0]}")
w(f"  static let columns = {Xtr.shape[1]}")
w(f"  static let trainX: [Double] = {fl(Xtr)}")
w(f"  static let trainY: [Double] = {fl(ytr)}")
w(f"  static let sampleWeights: [Double] = {fl(SW)}")
w(f"  static let testX: [Double] = {fl(Xte)}")
w("  static let treeCases: [TreeCase] = [")
for name, p, weighted, base, trees, raw, proba, nit, ts in tree_out:
    w(f"    TreeCase(")
    w(f"      name: \"{name}\", learningRate: {p['learning_rate']!r}, maxIter: {p['max_iter']}, "
      f"maxLeafNodes: {opt(p['max_leaf_nodes'])}, maxDepth: {opt(p['max_depth'])}, minSamplesLeaf: {p['min_samples_leaf']}, "
      f"l2Regularization: {float(p['l2_regularization'])!r}, maxBins: {p['max_bins']}, "
      f"earlyStoppingOnTrainingLoss: {'true' if p['early_stopping'] else 'false'}, nIterNoChange: {p['n_iter_no_change']}, "
      f"tol: {p['tol']!r}, balanced: {'true' if p['class_weight'] == 'balanced' else 'false'}, "
      f"weighted: {'true' if weighted else 'false'}, baseline: {num(base)},")
    w("      trees: [")
    for nodes in trees:
        w("        [")
        for nd in nodes:
            w(f"          NodeRecord(isLeaf: {'true' if nd['is_leaf'] else 'false'}, value: {num(nd['value'])}, "
              f"count: {int(nd['count'])}, feature: {int(nd['feature_idx'])}, threshold: {num(nd['num_threshold'])}, "
              f"binThreshold: {int(nd['bin_threshold'])}, missingGoesLeft: {'true' if nd['missing_go_to_left'] else 'false'}, "
              f"left: {int(nd['left'])}, right: {int(nd['right'])}),")
        w("        ],")
    w("      ],")
    w(f"      raw: {fl(raw)},")
    w(f"      probability: {fl(proba)},")
    w(f"      nIter: {nit}, trainScore: {fl(ts)}),")
w("  ]")
for line in panel_lines:
    w(line)
w("}")
open(args.out, "w").write("\n".join(o) + "\n")
print("wrote", args.out)
*/
