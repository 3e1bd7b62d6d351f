extension MLflowExport {
  /// The MLflow schema revision (alembic) a new export file is stamped with: `97727af70f4d`, "Add creation_time and
  /// last_update_time to experiments table" (an MLflow 2 revision, the 19th of MLflow's migrations).
  ///
  /// An older revision than current MLflow's, on purpose: MLflow refuses a file stamped with a revision it does not
  /// know (a newer one), and upgrades an older one by itself the first time it opens the file (its tables for later
  /// features are missing, so `mlflow.store.db.utils._safe_initialize_tables` runs `alembic upgrade heads`). Checked
  /// with the versions docs/mlflow.md lists. The tables written here (experiments, experiment_tags, runs, params,
  /// tags, metrics, latest_metrics) have had the same columns since; later revisions only add columns with defaults,
  /// tables and indexes, so exporting again into a file MLflow has upgraded works too (checked by
  /// ``prepareSchema(_:path:)``).
  public static let schemaRevision = "97727af70f4d"

  /// The schema at ``schemaRevision`` exactly as MLflow's migrations create it in SQLite: the output of
  /// `Tests/Scripts/mlflow_pinned_schema.py 97727af70f4d` (the end-to-end tests compare it with MLflow's own).
  static let schemaSQL = """
    CREATE TABLE experiments (
    	experiment_id INTEGER NOT NULL, 
    	name VARCHAR(256) NOT NULL, 
    	artifact_location VARCHAR(256), 
    	lifecycle_stage VARCHAR(32), creation_time BIGINT, last_update_time BIGINT, 
    	CONSTRAINT experiment_pk PRIMARY KEY (experiment_id), 
    	CONSTRAINT experiments_lifecycle_stage CHECK (lifecycle_stage IN ('active', 'deleted')), 
    	UNIQUE (name)
    );
    CREATE TABLE alembic_version (
    	version_num VARCHAR(32) NOT NULL, 
    	CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num)
    );
    CREATE TABLE experiment_tags (
    	"key" VARCHAR(250) NOT NULL, 
    	value VARCHAR(5000), 
    	experiment_id INTEGER NOT NULL, 
    	CONSTRAINT experiment_tag_pk PRIMARY KEY ("key", experiment_id), 
    	FOREIGN KEY(experiment_id) REFERENCES experiments (experiment_id)
    );
    CREATE TABLE "tags" (
    	"key" VARCHAR(250) NOT NULL, 
    	value VARCHAR(5000), 
    	run_uuid VARCHAR(32) NOT NULL, 
    	CONSTRAINT tag_pk PRIMARY KEY ("key", run_uuid), 
    	FOREIGN KEY(run_uuid) REFERENCES runs (run_uuid)
    );
    CREATE TABLE registered_models (
    	name VARCHAR(256) NOT NULL, 
    	creation_time BIGINT, 
    	last_updated_time BIGINT, 
    	description VARCHAR(5000), 
    	CONSTRAINT registered_model_pk PRIMARY KEY (name), 
    	UNIQUE (name)
    );
    CREATE TABLE "runs" (
    	run_uuid VARCHAR(32) NOT NULL, 
    	name VARCHAR(250), 
    	source_type VARCHAR(20), 
    	source_name VARCHAR(500), 
    	entry_point_name VARCHAR(50), 
    	user_id VARCHAR(256), 
    	status VARCHAR(9), 
    	start_time BIGINT, 
    	end_time BIGINT, 
    	source_version VARCHAR(50), 
    	lifecycle_stage VARCHAR(20), 
    	artifact_uri VARCHAR(200), 
    	experiment_id INTEGER, deleted_time BIGINT, 
    	CONSTRAINT run_pk PRIMARY KEY (run_uuid), 
    	CONSTRAINT source_type CHECK (source_type IN ('NOTEBOOK', 'JOB', 'LOCAL', 'UNKNOWN', 'PROJECT')), 
    	CONSTRAINT runs_lifecycle_stage CHECK (lifecycle_stage IN ('active', 'deleted')), 
    	FOREIGN KEY(experiment_id) REFERENCES experiments (experiment_id), 
    	CHECK (status IN ('SCHEDULED', 'FAILED', 'FINISHED', 'RUNNING', 'KILLED'))
    );
    CREATE TABLE registered_model_tags (
    	"key" VARCHAR(250) NOT NULL, 
    	value VARCHAR(5000), 
    	name VARCHAR(256) NOT NULL, 
    	CONSTRAINT registered_model_tag_pk PRIMARY KEY ("key", name), 
    	FOREIGN KEY(name) REFERENCES registered_models (name) ON UPDATE cascade
    );
    CREATE TABLE model_version_tags (
    	"key" VARCHAR(250) NOT NULL, 
    	value VARCHAR(5000), 
    	name VARCHAR(256) NOT NULL, 
    	version INTEGER NOT NULL, 
    	CONSTRAINT model_version_tag_pk PRIMARY KEY ("key", name, version), 
    	FOREIGN KEY(name, version) REFERENCES model_versions (name, version) ON UPDATE cascade
    );
    CREATE TABLE "model_versions" (
    	name VARCHAR(256) NOT NULL, 
    	version INTEGER NOT NULL, 
    	creation_time BIGINT, 
    	last_updated_time BIGINT, 
    	description VARCHAR(5000), 
    	user_id VARCHAR(256), 
    	current_stage VARCHAR(20), 
    	source VARCHAR(500), 
    	run_id VARCHAR(32), 
    	status VARCHAR(20), 
    	status_message VARCHAR(500), 
    	run_link VARCHAR(500), 
    	CONSTRAINT model_version_pk PRIMARY KEY (name, version), 
    	FOREIGN KEY(name) REFERENCES registered_models (name) ON UPDATE CASCADE
    );
    CREATE TABLE "latest_metrics" (
    	"key" VARCHAR(250) NOT NULL, 
    	value FLOAT NOT NULL, 
    	timestamp BIGINT, 
    	step BIGINT NOT NULL, 
    	is_nan BOOLEAN NOT NULL, 
    	run_uuid VARCHAR(32) NOT NULL, 
    	CONSTRAINT latest_metric_pk PRIMARY KEY ("key", run_uuid), 
    	FOREIGN KEY(run_uuid) REFERENCES runs (run_uuid), 
    	CHECK (is_nan IN (0, 1))
    );
    CREATE TABLE "metrics" (
    	"key" VARCHAR(250) NOT NULL, 
    	value FLOAT NOT NULL, 
    	timestamp BIGINT NOT NULL, 
    	run_uuid VARCHAR(32) NOT NULL, 
    	step BIGINT DEFAULT '0' NOT NULL, 
    	is_nan BOOLEAN DEFAULT '0' NOT NULL, 
    	CONSTRAINT metric_pk PRIMARY KEY ("key", timestamp, step, run_uuid, value, is_nan), 
    	FOREIGN KEY(run_uuid) REFERENCES runs (run_uuid), 
    	CHECK (is_nan IN (0, 1))
    );
    CREATE INDEX index_metrics_run_uuid ON metrics (run_uuid);
    CREATE INDEX index_latest_metrics_run_uuid ON latest_metrics (run_uuid);
    CREATE INDEX index_tags_run_uuid ON tags (run_uuid);
    CREATE TABLE "params" (
    	"key" VARCHAR(250) NOT NULL, 
    	value VARCHAR(500) NOT NULL, 
    	run_uuid VARCHAR(32) NOT NULL, 
    	CONSTRAINT param_pk PRIMARY KEY ("key", run_uuid), 
    	FOREIGN KEY(run_uuid) REFERENCES runs (run_uuid)
    );
    CREATE INDEX index_params_run_uuid ON params (run_uuid);
    """
}
