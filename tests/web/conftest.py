"""Fixtures of the portal tests: the demo workspace with release 1 (built once), the app, a client, and — for the
browser tests — one server and one Chromium for the whole session."""

from __future__ import annotations

import os

import pytest

from tests.helpers.portal import ARTEFACTS, CHROMIUM, CHROMIUM_ARGS, LiveServer


@pytest.fixture(scope="session")
def meili(demo_workspace):
    from meili.app import Meili

    return Meili(demo_workspace)


@pytest.fixture(scope="session")
def release(meili):
    return meili.release()


@pytest.fixture(scope="session")
def portal(meili):
    from meili.web.server import create_app

    return create_app(app=meili)


@pytest.fixture(scope="session")
def client(portal):
    from fastapi.testclient import TestClient

    with TestClient(portal, base_url="http://127.0.0.1") as c:
        yield c


@pytest.fixture(scope="session")
def site(portal):
    return portal.state.portal.site()


@pytest.fixture(scope="session")
def live_server(portal):
    with LiveServer(portal) as server:
        yield server


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        if os.environ.get("CI"):
            pytest.fail("Chromium is missing: .ci/run installs Debian's chromium package")
        pytest.skip("Debian's chromium is not installed (apt-get install -y chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser, live_server):
    """A fresh page whose every request not to the test server fails — and is recorded, so the test can assert
    that none was made."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    outside: list[str] = []

    def guard(route):
        url = route.request.url
        if url.startswith(live_server.url + "/") or url.startswith("data:"):
            route.continue_()
        else:
            outside.append(url)
            route.abort()

    context.route("**/*", guard)
    pg = context.new_page()
    pg.outside_requests = outside  # type: ignore[attr-defined]
    pg.base_url = live_server.url  # type: ignore[attr-defined]
    yield pg
    context.close()


@pytest.fixture(scope="session")
def artefacts():
    folder = ARTEFACTS / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    return folder
