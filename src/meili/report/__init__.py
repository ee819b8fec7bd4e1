"""The documents the bureau issues (DOCX and PDF), generated from a release: see :mod:`meili.report.model`."""
