#!/usr/bin/env python3
"""Prints MLflow's SQLite tracking schema at one alembic revision, as MLflow's own migrations create it.

Sources/Tracking/MLflowExport+Schema.swift embeds this output for the pinned revision; the end-to-end test
MLflowSchemaPinTests re-runs this script and compares. Run with the Python of the MLflow virtual environment:

    .venv-mlflow/bin/python Tests/Scripts/mlflow_pinned_schema.py 97727af70f4d

Output: the statements of sqlite_master in creation order (tables and indexes), each ending with ';'. MLflow first
creates its initial tables (mlflow.store.tracking.dbmodels.initial_models), then alembic upgrades to the revision,
exactly what mlflow.store.db.utils._initialize_tables does up to head.
"""

import os
import sqlite3
import sys
import tempfile


def main(revision):
    import sqlalchemy
    from alembic import command
    from mlflow.store.db.utils import _get_alembic_config
    from mlflow.store.tracking.dbmodels.initial_models import Base as InitialBase

    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "pin.db")
        url = f"sqlite:///{path}"
        engine = sqlalchemy.create_engine(url)
        InitialBase.metadata.create_all(engine)
        config = _get_alembic_config(url)
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, revision)
        engine.dispose()
        db = sqlite3.connect(path)
        rows = [r[0] for r in db.execute("SELECT sql FROM sqlite_master WHERE sql IS NOT NULL ORDER BY rowid")]
        (stamped,) = db.execute("SELECT version_num FROM alembic_version").fetchone()
        db.close()
    if stamped != revision:
        raise SystemExit(f"alembic stamped {stamped}, expected {revision}")
    sys.stdout.write("".join(r.strip() + ";\n" for r in rows))


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "97727af70f4d")
