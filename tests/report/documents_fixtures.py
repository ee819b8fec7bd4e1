"""Fixtures of the content builders' tests (imported by tests/report/test_documents_*.py; to move into conftest.py):
the demo workspace's app (``demo_workspace`` of conftest.py) and a workspace holding January 2019 of Jiangxi's 11
cities recorded from the real CNEMC files."""

from __future__ import annotations

from pathlib import Path

import pytest

AIR = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "air"


@pytest.fixture(scope="session")
def demo_app(demo_workspace):
    from meili.app import Meili

    return Meili(demo_workspace)


@pytest.fixture(scope="session")
def jiangxi_app(tmp_path_factory):
    """``meili init``; ``meili air record`` of 2019-01-01 … 01-31 (the 64 stations of the 11 cities, the national
    station list as registry); ``meili publish``."""
    files = sorted((AIR / "jiangxi-2019").glob("china_sites_201901*.csv"))
    if not files:
        pytest.skip("../shared/data is absent")
    from meili.app import Meili
    from meili.store import init_workspace

    root = tmp_path_factory.mktemp("report") / "jiangxi"
    init_workspace(root)
    app = Meili(root)
    app.record_air(app.read_air(files, stations=AIR / "cnemc-stations.csv"), 2019)
    app.publish(note="2019年1月 江西省11个设区市")
    return app
