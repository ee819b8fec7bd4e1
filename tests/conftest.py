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


@pytest.fixture(scope="session")
def demo_workspace(tmp_path_factory) -> Path:
    """A workspace after ``meili demo`` (imports, air and water results, release 1), built once per session and
    shared by the portal and report tests. Do not change it in a test; copy it (``shutil.copytree``) to change it."""
    from tests.helpers.portal import make_demo_workspace

    return make_demo_workspace(tmp_path_factory.mktemp("demo") / "meili-demo")
