"""meili.ingest."""
