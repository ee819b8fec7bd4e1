"""meili.plan."""
