"""meili.store."""
