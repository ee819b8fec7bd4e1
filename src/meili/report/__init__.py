"""meili.report."""
