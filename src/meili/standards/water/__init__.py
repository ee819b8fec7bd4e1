"""meili.standards.water."""
