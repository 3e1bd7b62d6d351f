#!/usr/bin/env python3
"""Reads an experiment back through the real MLflow client and prints what MLflow sees, as JSON.

Used by Tests/EndToEndTests/MLflowExportEndToEndTests.swift, which compares this view with Almanac's store (the
expected values come from the store, never from this script). Run with the Python of the MLflow virtual environment
that scripts/install-mlflow creates:

    .venv-mlflow/bin/python Tests/Scripts/mlflow_check.py --tracking-uri sqlite:///mlflow.db --experiment NAME \
        --history rmse --search-filter "metrics.aic < 0" --search-order "metrics.aic ASC"

Output: {"mlflow_version", "experiment": {...}, "runs": [{"run_id", "run_name", "status", "start_time", "end_time",
"lifecycle_stage", "params", "metrics", "tags", "artifacts"}], "history": {run_id: {key: [[step, value, timestamp]]}},
"search": {"run_ids": [...], "values": [...]}, "deleted_run_ids": [...]}.
NaN metric values are written as the string "NaN" (JSON has no NaN).
"""

import argparse
import json
import math
import sys


def number(x):
    if isinstance(x, float) and math.isnan(x):
        return "NaN"
    if isinstance(x, float) and math.isinf(x):
        return "Infinity" if x > 0 else "-Infinity"
    return x


def artifact_paths(client, run_id, path=None):
    out = []
    for info in client.list_artifacts(run_id, path):
        if info.is_dir:
            out.extend(artifact_paths(client, run_id, info.path))
        else:
            out.append(info.path)
    return out


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--tracking-uri", required=True)
    parser.add_argument("--experiment", required=True)
    parser.add_argument("--history", action="append", default=[], help="metric keys whose full history to read")
    parser.add_argument("--search-filter", default="")
    parser.add_argument("--search-order", default="")
    parser.add_argument("--search-metric", default="", help="metric whose value to report for the searched runs")
    parser.add_argument("--artifacts", action="store_true", help="list every run's artifacts")
    parser.add_argument("--almanac-store", default="", help="also dump the experiment's runs from Almanac's store")
    args = parser.parse_args()
    if args.almanac_store:
        store = almanac_store(args.almanac_store, args.experiment)

    import mlflow
    from mlflow.entities import ViewType
    from mlflow.tracking import MlflowClient

    mlflow.set_tracking_uri(args.tracking_uri)
    client = MlflowClient(tracking_uri=args.tracking_uri)
    experiment = client.get_experiment_by_name(args.experiment)
    if experiment is None:
        print(json.dumps({"error": f"no experiment {args.experiment}"}))
        return 1
    runs = client.search_runs([experiment.experiment_id], max_results=50000, run_view_type=ViewType.ACTIVE_ONLY)
    deleted = client.search_runs([experiment.experiment_id], max_results=50000, run_view_type=ViewType.DELETED_ONLY)
    result = {
        "mlflow_version": mlflow.__version__,
        "experiment": {
            "experiment_id": experiment.experiment_id,
            "name": experiment.name,
            "lifecycle_stage": experiment.lifecycle_stage,
            "artifact_location": experiment.artifact_location,
            "tags": dict(experiment.tags),
        },
        "runs": [],
        "history": {},
        "deleted_run_ids": sorted(r.info.run_id for r in deleted),
    }
    for run in runs:
        entry = {
            "run_id": run.info.run_id,
            "run_name": run.info.run_name,
            "status": run.info.status,
            "start_time": run.info.start_time,
            "end_time": run.info.end_time,
            "lifecycle_stage": run.info.lifecycle_stage,
            "artifact_uri": run.info.artifact_uri,
            "params": dict(run.data.params),
            "metrics": {k: number(v) for k, v in run.data.metrics.items()},
            "tags": dict(run.data.tags),
        }
        if args.artifacts:
            entry["artifacts"] = sorted(artifact_paths(client, run.info.run_id))
        result["runs"].append(entry)
        histories = {}
        for key in args.history:
            points = client.get_metric_history(run.info.run_id, key)
            if points:
                histories[key] = [[p.step, number(p.value), p.timestamp] for p in points]
        if histories:
            result["history"][run.info.run_id] = histories
    if args.search_filter or args.search_order:
        searched = mlflow.search_runs(
            experiment_ids=[experiment.experiment_id],
            filter_string=args.search_filter,
            order_by=[args.search_order] if args.search_order else None,
            output_format="list",
            max_results=50000,
        )
        result["search"] = {
            "run_ids": [r.info.run_id for r in searched],
            "values": [number(r.data.metrics.get(args.search_metric, float("nan"))) for r in searched]
            if args.search_metric
            else [],
        }
    if args.almanac_store:
        result["store"] = store
    print(json.dumps(result))
    return 0


def almanac_store(path, experiment):
    """The experiment's runs as Almanac's store holds them (every run a rerun did not supersede), read with plain
    SQL before MLflow is imported: run id, trial key, status, times, params, scalar metrics and series points."""
    import sqlite3

    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    (experiment_id,) = db.execute("SELECT experiment_id FROM experiments WHERE name = ?", (experiment,)).fetchone()
    runs = {}
    for run_id, key, status, start, end in db.execute(
        "SELECT run_id, trial_key, status, start_time, end_time FROM runs "
        "WHERE experiment_id = ? AND superseded = 0 ORDER BY run_id",
        (experiment_id,),
    ):
        runs[run_id] = {"run_id": run_id, "trial_key": key, "status": status, "start_time": start, "end_time": end,
                        "params": {}, "metrics": {}, "series": {}}
    for run_id, key, value in db.execute("SELECT run_id, key, value FROM params"):
        if run_id in runs:
            runs[run_id]["params"][key] = value
    for run_id, key, value, step, timestamp, is_series in db.execute(
        "SELECT run_id, key, value, step, timestamp, is_series FROM metrics ORDER BY run_id, key, step, rowid"
    ):
        if run_id not in runs:
            continue
        value = "NaN" if value is None else value
        if is_series:
            runs[run_id]["series"].setdefault(key, []).append([step, value, timestamp])
        else:
            runs[run_id]["metrics"][key] = value
    return list(runs.values())


if __name__ == "__main__":
    sys.exit(main())
