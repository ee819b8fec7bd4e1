"""meili.standards.air."""
