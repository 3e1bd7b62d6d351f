// Tracking module: the SQLite store of experiments, runs, params, metrics, tags and artifacts
// (see docs/ARCHITECTURE.md).
//
// - `TrackingStore` (TrackingStore.swift): opening, the schema (TrackingStore+Schema.swift), claims
//   (TrackingStore+Claims.swift), batched writes (TrackingStore+Record.swift), queries (TrackingStore+Queries.swift).
// - `RunFilter` (RunFilter.swift): the `--where` language, compiled to SQL with bound arguments only.
// - Value types shared with the runner and the CLI: Models.swift.
