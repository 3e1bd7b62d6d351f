"""PyTorch's side of `almanac-bench network`: the tutorial's two models, as the tutorial trains them.

Usage: python pytorch_tutorial.py [--seed 0] PANEL-3d.csv PANEL-7d.csv
Each CSV (exported by the bench from the tutorial pipeline, min-max scaled) has the ten feature columns, `label` and
`is_test`. For each file: load it, then the tutorial's train_and_evaluate (10-32-16-1 relu + sigmoid, BCELoss, Adam
lr 1e-4, one model and optimiser carried across 5 KFold(shuffle=False) folds of 30 epochs, batch 32, shuffled
DataLoader; validation loss per fold; test predictions thresholded at 0.5). One thread (torch.set_num_threads(1)).
Prints one JSON object per file: wall and CPU seconds (load + train + evaluate) and the test F1.
"""
import argparse, json, sys, time

t_import = time.perf_counter()
import numpy as np
import torch
import torch.nn as nn
import torch.optim as optim
from sklearn.model_selection import KFold
from sklearn.metrics import f1_score
import_seconds = time.perf_counter() - t_import

ap = argparse.ArgumentParser()
ap.add_argument("files", nargs="+")
ap.add_argument("--seed", type=int, default=0)
args = ap.parse_args()
torch.set_num_threads(1)
torch.manual_seed(args.seed)


class FeedForwardNN(nn.Module):
    def __init__(self, input_size, hidden_size1, hidden_size2, output_size):
        super().__init__()
        self.fc1 = nn.Linear(input_size, hidden_size1)
        self.relu = nn.ReLU()
        self.fc2 = nn.Linear(hidden_size1, hidden_size2)
        self.fc3 = nn.Linear(hidden_size2, output_size)
        self.sigmoid = nn.Sigmoid()

    def forward(self, x):
        x = self.relu(self.fc1(x))
        x = self.relu(self.fc2(x))
        return self.sigmoid(self.fc3(x))


def train_model(model, X, Y, num_epochs, batch_size, num_folds):
    criterion = nn.BCELoss()
    optimizer = optim.Adam(model.parameters(), lr=0.0001)
    X_tensor = torch.tensor(X, dtype=torch.float32)
    Y_tensor = torch.tensor(Y, dtype=torch.float32)
    dataset = torch.utils.data.TensorDataset(X_tensor, Y_tensor)
    train_loader = torch.utils.data.DataLoader(dataset, batch_size=batch_size, shuffle=True)
    kf = KFold(n_splits=num_folds, shuffle=False)
    cv_errors = []
    for train_index, val_index in kf.split(X):
        X_train, X_val = X[train_index], X[val_index]
        Y_train, Y_val = Y[train_index], Y[val_index]
        train_dataset = torch.utils.data.TensorDataset(torch.tensor(X_train, dtype=torch.float32),
                                                       torch.tensor(Y_train, dtype=torch.float32))
        val_dataset = torch.utils.data.TensorDataset(torch.tensor(X_val, dtype=torch.float32),
                                                     torch.tensor(Y_val, dtype=torch.float32))
        train_loader = torch.utils.data.DataLoader(train_dataset, batch_size=batch_size, shuffle=True)
        val_loader = torch.utils.data.DataLoader(val_dataset, batch_size=batch_size, shuffle=False)
        for epoch in range(num_epochs):
            model.train()
            running_loss = 0.0
            for inputs, labels in train_loader:
                optimizer.zero_grad()
                outputs = model(inputs)
                loss = criterion(outputs, labels)
                loss.backward()
                optimizer.step()
                running_loss += loss.item()
        model.eval()
        val_loss = 0.0
        with torch.no_grad():
            for inputs, labels in val_loader:
                val_loss += criterion(model(inputs), labels).item()
        cv_errors.append([val_loss / len(val_loader)])
    return cv_errors


for path in args.files:
    t0 = time.perf_counter()
    c0 = time.process_time()
    data = np.genfromtxt(path, delimiter=",", names=True)
    feats = [n for n in data.dtype.names if n not in ("label", "is_test")]
    X = np.column_stack([data[n] for n in feats]).astype(np.float32)
    Y = data["label"].astype(np.float32).reshape(-1, 1)
    test = data["is_test"] == 1
    model = FeedForwardNN(len(feats), 32, 16, 1)
    train_model(model, X[~test], Y[~test], 30, 32, 5)
    model.eval()
    pred = model(torch.tensor(X[test], dtype=torch.float32))
    f1 = f1_score(Y[test].ravel(), (pred >= 0.5).float().numpy().ravel(), zero_division=0)
    print(json.dumps({"file": path, "seconds": time.perf_counter() - t0, "cpu_seconds": time.process_time() - c0,
                      "f1": float(f1),
                      "import_seconds": import_seconds, "torch": torch.__version__}))
    sys.stdout.flush()
