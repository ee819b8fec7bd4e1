"""Shared test fixtures: where the real data in ../shared lives."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import REPO

SHARED = REPO.parent / "shared"
SHARED_DATA = SHARED / "data"


@pytest.fixture
def shared_data() -> Path:
    """The real public monitoring data; skipped only when ../shared is absent (never in CI)."""
    if not SHARED_DATA.is_dir():
        pytest.skip("../shared/data is absent")
    return SHARED_DATA
