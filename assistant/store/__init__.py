"""Storage: the hash-chained event log (SQLite), its query-side projections and snapshots."""
