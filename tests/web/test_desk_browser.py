"""The desk in a real browser (Debian's Chromium through Playwright) on a copy of the demo workspace: a reporter
signs in, fills the form, meets a soft check, explains it and saves; the unit lead submits; a reviewer raises a
query, the reporter answers, the reviewer closes it and approves; the publisher closes, finalizes and publishes,
and the public portal shows the new release. A forged cross-site form and a planted session id fail; axe-core
finds no serious or critical violation on the desk's pages; the keyboard reaches the form's controls.
Screenshots go to docs/img/ (the Screens section of docs/workflow.md)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.helpers.portal import LiveServer
from tests.web.test_browser import _axe_source
from tests.web.test_desk_pages import PASSWORD, YEAR, make_workspace, steady_values

pytestmark = pytest.mark.browser

UNIT = "360722"  # 信丰县
KEY = f"{UNIT}|12"
DOCS_IMG = Path(__file__).resolve().parents[2] / "docs" / "img"


@pytest.fixture(scope="module")
def desk_server(demo_workspace, tmp_path_factory, browser):
    from meili.web.server import create_app

    app = make_workspace(demo_workspace, tmp_path_factory.mktemp("desk-browser") / "ws")
    with LiveServer(create_app(app=app, desk=True)) as server:
        server.app = app
        yield server


@pytest.fixture(scope="module")
def evil_server():
    """Another origin (another port of the loopback) serving a form that posts to the desk."""
    from starlette.applications import Starlette
    from starlette.responses import HTMLResponse
    from starlette.routing import Route

    pages: dict[str, str] = {}

    async def page(request):
        return HTMLResponse(pages.get("form", "<p>nothing</p>"))

    with LiveServer(Starlette(routes=[Route("/", page)])) as server:
        server.pages = pages
        yield server


def new_page(browser, server, *, allow: tuple[str, ...] = ()):
    """A page of a fresh context (its own cookies) whose requests to anywhere but ``server`` (and ``allow``) fail
    and are recorded."""
    context = browser.new_context(viewport={"width": 1280, "height": 860}, locale="zh-CN")
    outside: list[str] = []

    def guard(route):
        url = route.request.url
        if url.startswith((server.url + "/", *[a + "/" for a in allow])) or url.startswith("data:"):
            route.continue_()
        else:
            outside.append(url)
            route.abort()

    context.route("**/*", guard)
    pg = context.new_page()
    pg.outside_requests = outside  # type: ignore[attr-defined]
    return pg


def sign_in(pg, server, name: str, next_path: str = "/desk/") -> None:
    pg.goto(server.url + next_path)
    assert "/desk/login" in pg.url  # not signed in: the sign-in page, coming back afterwards
    pg.fill("#name", name)
    pg.fill("#password", PASSWORD)
    pg.click("button[type=submit]")
    pg.wait_for_load_state()
    assert "/desk/login" not in pg.url, pg.content()[:800]


def axe_clean(pg) -> None:
    pg.evaluate(_axe_source())
    result = pg.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    bad = [f"{v['id']} ({v['impact']}): {v['nodes'][0]['target']}" for v in result["violations"]
           if v["impact"] in ("serious", "critical")]
    assert bad == [], pg.url


def shot(pg, name: str) -> None:
    if os.environ.get("MEILI_DESK_SCREENSHOTS", "1") != "0":
        DOCS_IMG.mkdir(parents=True, exist_ok=True)
        pg.screenshot(path=str(DOCS_IMG / f"{name}.png"))


def test_a_report_from_entry_to_the_published_release(browser, desk_server):
    server, app = desk_server, desk_server.app
    values = steady_values(app, UNIT)
    jump = str(round(float(values[f"value:{KEY}"]) * 0.5, 2))

    # the reporter: signs in, fills the form, meets a soft check, explains it, saves
    rep = new_page(browser, server)
    sign_in(rep, server, "rep", f"/desk/{YEAR}/{UNIT}")
    assert rep.url.endswith(f"/desk/{YEAR}/{UNIT}")
    for name, value in values.items():
        field = rep.locator(f'[name="{name}"]')
        if field.evaluate("e => e.tagName") == "SELECT":
            field.select_option(value)
        else:
            field.fill(jump if name == f"value:{KEY}" else value)
    rep.click("button[value=save]")
    assert "已保存" in rep.locator("[role=status]").inner_text()
    flagged = rep.locator(f'tr:has([name="value:{KEY}"]) .finding.soft')
    assert flagged.count() == 1 and "需要说明" in flagged.inner_text()
    rep.locator(f'tr:has([name="value:{KEY}"])').evaluate("e => e.scrollIntoView({block: 'center'})")
    shot(rep, "desk-entry-soft-check")
    explain = rep.locator(f'[name="explain:{KEY}"]')
    explain.fill("受城区污水管网改造影响，本年度处理量下降约一半，已附工程说明")
    rep.click("button[value=save]")
    assert rep.locator(f'tr:has([name="value:{KEY}"]) .finding.soft.ok').count() == 1
    axe_clean(rep)
    # the keyboard reaches the form's controls, in order, from the top
    wanted = {f"value:{KEY}", f"explain:{KEY}", next(iter(values))}
    reached: set[str] = set()
    rep.evaluate("document.activeElement && document.activeElement.blur()")
    for _ in range(400):
        rep.keyboard.press("Tab")
        name = rep.evaluate("document.activeElement && document.activeElement.name")
        if name:
            reached.add(name)
        if wanted <= reached and "action" in reached:
            break
    assert wanted <= reached and "action" in reached  # the inputs, the explanation and the Save button

    # the unit lead submits (统计法 第21条: the unit's head signs what it reports)
    lead = new_page(browser, server)
    sign_in(lead, server, "lead", f"/desk/{YEAR}/{UNIT}")
    lead.click("button[value=submit]")
    assert "已提交审核" in lead.locator("[role=status]").inner_text()

    # the reviewer: the dashboard first, then raises a query
    rev = new_page(browser, server)
    sign_in(rev, server, "rev")
    assert rev.locator("#table-completeness tbody tr").count() == len(app.workflow.units())
    axe_clean(rev)
    shot(rev, "desk-dashboard")
    rev.goto(server.url + f"/desk/{YEAR}/{UNIT}/review")
    rev.select_option("#query-cell", KEY)
    rev.fill("#query-text", "降幅是否已由住建部门确认？请附函件文号。")
    rev.click("button[value=query]")
    assert "已提出质询" in rev.locator("[role=status]").inner_text()
    axe_clean(rev)

    # the reporter answers
    rep.goto(server.url + f"/desk/{YEAR}/{UNIT}")
    rep.locator("#queries textarea").fill("已确认，见市住建局 2026 年 3 月函件（赣市建函〔2026〕12 号）")
    rep.locator("#queries button[type=submit]").click()
    assert "已答复质询" in rep.locator("[role=status]").inner_text()

    # the reviewer sees the answer, closes the query and approves
    rev.goto(server.url + f"/desk/{YEAR}/{UNIT}/review")
    assert "赣市建函" in rev.locator("#queries .answer").inner_text()
    shot(rev, "desk-review")
    rev.click("button[value=close_query]")
    rev.click("button[value=approve]")
    assert "已审核通过" in rev.locator("[role=status]").inner_text()
    assert app.workflow.submission(YEAR, UNIT)["state"] == "approved"

    # the publisher closes the period, finalizes it (定库) and publishes
    pub = new_page(browser, server)
    sign_in(pub, server, "pub", "/desk/periods")
    axe_clean(pub)
    before = app.release().info.number
    for action in ("close", "finalize", "publish"):
        pub.click(f"button[value={action}]")
        pub.wait_for_load_state()
    number = int(pub.locator(".release-number").inner_text())
    assert number == before + 1
    shot(pub, "desk-published")
    pub.click(f'a[href="/releases/{number}/zh/"]')
    assert pub.url.endswith(f"/releases/{number}/zh/")
    # the public portal shows the new release
    pub.goto(server.url + "/zh/releases")
    assert pub.locator(f'main :text("{number}")').count() >= 1
    for pg in (rep, lead, rev, pub):
        assert pg.outside_requests == []
        pg.context.close()


def test_a_forged_cross_site_form_is_refused(browser, desk_server, evil_server):
    server, app = desk_server, desk_server.app
    unit = "360723"
    pg = new_page(browser, server, allow=(evil_server.url,))
    sign_in(pg, server, "rep", f"/desk/{YEAR}/{unit}")
    token = pg.locator('input[name="csrf_token"]').first.get_attribute("value")
    version = app.workflow.submission(YEAR, unit)["version"]
    # even with the session's own token (stolen), a form from another origin is refused
    for sent in (token, "forged"):
        evil_server.pages["form"] = (
            f'<!doctype html><html lang="en"><title>win a prize</title><form method="post" '
            f'action="{server.url}/desk/{YEAR}/{unit}"><input name="csrf_token" value="{sent}">'
            f'<input name="version" value="{version}"><input name="value:{unit}|12" value="1">'
            '<button>claim</button></form></html>')
        pg.goto(evil_server.url + "/")
        with pg.expect_response(lambda r: r.request.method == "POST") as answer:
            pg.click("button")
        assert answer.value.status == 403
    assert app.workflow.values(YEAR, unit) == []
    pg.context.close()


def test_a_planted_session_id_is_not_promoted_at_sign_in(browser, desk_server):
    server = desk_server
    attacker = new_page(browser, server)
    attacker.goto(server.url + "/desk/login")
    planted = next(c for c in attacker.context.cookies() if c["name"] == "__Host-meili_session")
    victim = new_page(browser, server)
    victim.context.add_cookies([{k: planted[k] for k in ("name", "value", "domain", "path", "secure", "httpOnly",
                                                          "sameSite")}])
    sign_in(victim, server, "rep")
    after = next(c for c in victim.context.cookies() if c["name"] == "__Host-meili_session")
    assert after["value"] != planted["value"]  # a new id at sign-in
    assert after["httpOnly"] and after["secure"] and after["sameSite"] == "Strict"
    attacker.goto(server.url + "/desk/")
    assert "/desk/login" in attacker.url  # the planted id is not signed in
    for pg in (attacker, victim):
        pg.context.close()


def test_desk_pages_work_without_javascript(browser, desk_server):
    context = browser.new_context(java_script_enabled=False)
    pg = context.new_page()
    sign_in(pg, desk_server, "rev")
    assert pg.locator("#table-completeness").count() == 1
    pg.goto(desk_server.url + f"/en/desk/{YEAR}/{UNIT}/review")
    assert pg.locator("html[lang=en]").count() == 1 and pg.locator("button[value=approve]").count() == 0
    context.close()
