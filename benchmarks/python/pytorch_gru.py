"""PyTorch's side of `almanac-bench gru`: one GRU trial trained as Almanac's `runRecurrent` trains it.

Usage: python pytorch_gru.py DIR [--seed 0]
DIR (written by the bench, deleted after the run) holds `meta.json` (train/test rows, window, features, hidden,
layers, epochs, batch, lr, folds) and little-endian binaries: `train_x.f32`/`test_x.f32` (rows x window x features,
right-aligned sequences, padding zeros), `train_len.i32`/`test_len.i32`, `train_y.f32`/`test_y.f32`.

The protocol: KFold(folds, shuffle=False) on the training rows; for each fold and then for the final fit on all
training rows a fresh `nn.GRU(F, H, L, batch_first=True)` + `nn.Linear(H, 1)` + sigmoid, BCELoss, Adam(lr), `epochs`
epochs of shuffled mini-batches of `batch` rows (last partial), sequences packed with `pack_padded_sequence` at their
lengths; each fold's model predicts its validation rows, the final model the test rows. One thread
(torch.set_num_threads(1)). Prints one JSON object: CPU and wall seconds of the training and scoring (data loading
excluded), and the test ROC-AUC.
"""
import argparse, json, os, time

import numpy as np
import torch
import torch.nn as nn
from torch.nn.utils.rnn import pack_padded_sequence

ap = argparse.ArgumentParser()
ap.add_argument("dir")
ap.add_argument("--seed", type=int, default=0)
args = ap.parse_args()
torch.set_num_threads(1)
torch.manual_seed(args.seed)

meta = json.load(open(os.path.join(args.dir, "meta.json")))
T, F = meta["window"], meta["features"]


def load(name, dtype, shape):
    return np.fromfile(os.path.join(args.dir, name), dtype=dtype).reshape(shape)


def left_aligned(x, lengths):
    # pack_padded_sequence wants the valid steps first; Almanac's sequences are right-aligned.
    out = np.zeros_like(x)
    for r, n in enumerate(lengths):
        out[r, :n] = x[r, T - n:]
    return out


tr_len = load("train_len.i32", "<i4", (-1,)).astype(np.int64)
te_len = load("test_len.i32", "<i4", (-1,)).astype(np.int64)
tr_x = torch.tensor(left_aligned(load("train_x.f32", "<f4", (-1, T, F)), tr_len))
te_x = torch.tensor(left_aligned(load("test_x.f32", "<f4", (-1, T, F)), te_len))
tr_y = torch.tensor(load("train_y.f32", "<f4", (-1,)))
te_y = load("test_y.f32", "<f4", (-1,))
tr_len_t = torch.tensor(tr_len)
te_len_t = torch.tensor(te_len)


class GRUClassifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.gru = nn.GRU(F, meta["hidden"], meta["layers"], batch_first=True)
        self.head = nn.Linear(meta["hidden"], 1)

    def forward(self, x, lengths):
        packed = pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False)
        _, h_n = self.gru(packed)
        return torch.sigmoid(self.head(h_n[-1])).squeeze(1)


def fit(rows):
    model = GRUClassifier()
    opt = torch.optim.Adam(model.parameters(), lr=meta["lr"])
    loss_fn = nn.BCELoss()
    x, y, lengths = tr_x[rows], tr_y[rows], tr_len_t[rows]
    n = len(rows)
    for _ in range(meta["epochs"]):
        perm = torch.randperm(n)
        for s in range(0, n, meta["batch"]):
            idx = perm[s:s + meta["batch"]]
            opt.zero_grad()
            loss = loss_fn(model(x[idx], lengths[idx]), y[idx])
            loss.backward()
            opt.step()
    return model


def predict(model, x, lengths):
    with torch.no_grad():
        return torch.cat([model(x[s:s + 256], lengths[s:s + 256]) for s in range(0, len(x), 256)]).numpy()


def kfold(n, k):
    sizes = [n // k + (1 if i < n % k else 0) for i in range(k)]
    start = 0
    for size in sizes:
        val = np.arange(start, start + size)
        yield np.concatenate([np.arange(0, start), np.arange(start + size, n)]), val
        start += size


def roc_auc(y, p):
    order = np.argsort(p, kind="mergesort")
    ranks = np.empty(len(p))
    sp = p[order]
    i = 0
    while i < len(sp):  # average ranks over ties
        j = i
        while j + 1 < len(sp) and sp[j + 1] == sp[i]:
            j += 1
        ranks[order[i:j + 1]] = (i + j) / 2 + 1
        i = j + 1
    pos = y >= 0.5
    n1, n0 = pos.sum(), (~pos).sum()
    return float((ranks[pos].sum() - n1 * (n1 + 1) / 2) / (n1 * n0)) if n1 and n0 else float("nan")


wall0, cpu0 = time.perf_counter(), time.process_time()
for train_idx, val_idx in kfold(len(tr_y), meta["folds"]):
    model = fit(torch.tensor(train_idx))
    predict(model, tr_x[val_idx], tr_len_t[val_idx])
model = fit(torch.arange(len(tr_y)))
p = predict(model, te_x, te_len_t)
cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
print(json.dumps({"cpu_seconds": cpu, "wall_seconds": wall, "test_roc_auc": roc_auc(te_y, p),
                  "torch": torch.__version__}))
