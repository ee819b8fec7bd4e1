"""meili.evaluate."""
