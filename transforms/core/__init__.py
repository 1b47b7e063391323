"""The bottom layer: the records passed between stages, the one row schema, dead letters
and the DuckDB writer lock. Imports nothing else of the project (docs/architecture.md)."""
