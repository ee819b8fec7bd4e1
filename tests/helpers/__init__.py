"""Helpers shared by the tests, imported one way: ``from tests.helpers.<topic> import …``.

``REPO``, ``EXAMPLES`` and ``SHARED_DATA`` locate the checkout, its bundled example and the real data beside it.
"""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples"
SHARED_DATA = REPO.parent / "shared" / "data"
