"""The desk's HTML pages (``/desk/…``) through HTTP on a copy of the demo workspace: each page for each role, the
buttons the policy allows and no others, forms refused without the session's CSRF token or from another origin,
a stale version answered with the conflict message, checks beside the cells (hard → error, soft → explanation),
the template upload, the completeness export, and a whole round: entry, submit, query, answer, approve, finalize,
publish."""

from __future__ import annotations

import io
import re
import shutil
from datetime import date, timedelta

import pytest
from fastapi.testclient import TestClient

from meili.app import Meili
from tests.helpers.workflow import typical

PASSWORD = "Meili-desk-passphrase-2024"
YEAR = 2025
UNITS = ["360722", "360723", "360724", "360725"]
PEOPLE = {"rep": (["reporter"], UNITS), "lead": (["unit_lead"], UNITS), "rev": (["reviewer"], ["dept-environment"]),
          "pub": (["publisher"], []), "aud": (["auditor"], [])}
BASE = "https://127.0.0.1"  # the session cookie is __Host- (Secure): sent over https only


def make_workspace(demo_workspace, folder) -> Meili:
    """A copy of the demo workspace with one user per role and 2025's period open."""
    from meili.app.accounts import Accounts

    shutil.copytree(demo_workspace, folder)
    app = Meili(folder)
    acc = Accounts(app.workspace)
    admin = acc.add_user("admin", ["user_admin"], password=PASSWORD, admin=True, actor=None)
    for name, (roles, units) in PEOPLE.items():
        acc.add_user(name, roles, units, password=PASSWORD, actor=admin)
    app.workflow.open_period(acc.user("pub"), YEAR, closes=date.today() + timedelta(days=30))
    return app


def signed_in(asgi, name: str | None) -> TestClient:
    """A client signed in as ``name`` (None: anonymous) through the JSON sign-in (the same session cookie)."""
    c = TestClient(asgi, base_url=BASE)
    token = c.get("/api/desk/session").json()["csrf_token"]
    if name is not None:
        r = c.post("/api/desk/session", json={"name": name, "password": PASSWORD}, headers={"X-CSRF-Token": token})
        assert r.status_code == 200, r.text
    return c


def token_of(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def version_of(html: str) -> str:
    return re.search(r'name="version" value="(\d+)"', html).group(1)


def steady_values(app: Meili, unit: str, **override) -> dict[str, str]:
    """Every cell of ``unit`` at last year's value (no check fires), else a typical one; ``override``: by measure."""
    with app.workspace.store.reading() as con:
        last = {(r, m): (s if s is not None else v) for r, m, v, s in con.execute(
            "SELECT region, measure, value, state FROM current_observations WHERE year = ? AND region = ?",
            [YEAR - 1, unit]).fetchall()}
    out = {}
    for region, m in app.workflow.cells(unit):
        value = override.get(m.id, last.get((region, m.id), typical(m)))
        out[f"value:{region}|{m.id}"] = str(value)
    return out


@pytest.fixture(scope="module")
def desk(demo_workspace, tmp_path_factory):
    from meili.web.server import create_app

    app = make_workspace(demo_workspace, tmp_path_factory.mktemp("desk-pages") / "ws")
    asgi = create_app(app=app, desk=True)
    clients = {name: signed_in(asgi, name) for name in PEOPLE}
    clients[None] = signed_in(asgi, None)
    return app, clients


def form_of(c: TestClient, path: str) -> tuple[str, str, str]:
    """(the page, its CSRF token, its version)."""
    page = c.get(path)
    assert page.status_code == 200, page.text
    return page.text, token_of(page.text), version_of(page.text)


# --- every page for every role ---------------------------------------------------------------------------------
EXPECT = {  # page → status per user
    "/desk/": {"rep": 200, "lead": 200, "rev": 200, "pub": 200, "aud": 200},
    f"/desk/{YEAR}/360722": {"rep": 200, "lead": 200, "rev": 200, "pub": 200, "aud": 200},
    f"/desk/{YEAR}/360722/review": {"rep": 403, "lead": 403, "rev": 200, "pub": 200, "aud": 200},
    "/desk/periods": {"rep": 200, "lead": 200, "rev": 200, "pub": 200, "aud": 200},
    f"/desk/{YEAR}/360781": {"rep": 403, "lead": 403, "rev": 200, "pub": 200, "aud": 200},
}


@pytest.mark.parametrize("path", list(EXPECT))
@pytest.mark.parametrize("who", list(PEOPLE))
def test_each_page_renders_for_each_role(desk, who, path):
    _app, clients = desk
    r = clients[who].get(path)
    assert r.status_code == EXPECT[path][who], r.text[:500]
    assert r.headers["content-type"].startswith("text/html")
    assert r.headers["cache-control"] == "no-store"
    assert "<script" not in r.text  # the desk needs no JavaScript
    if r.status_code == 200:
        assert f">{who}<" in r.text or f"：{who}<" in r.text  # who is signed in is shown
        for form in re.findall(r"<form method=\"post\".*?</form>", r.text, re.S):
            assert 'name="csrf_token"' in form  # every form carries the token


def test_not_signed_in_goes_to_the_sign_in_page(desk):
    _app, clients = desk
    for path in ("/desk/", f"/desk/{YEAR}/360722", f"/desk/{YEAR}/360722/review", "/en/desk/"):
        r = clients[None].get(path, follow_redirects=False)
        sign_in = "/en/desk/login" if path.startswith("/en/") else "/desk/login"
        assert r.status_code == 303 and r.headers["location"].startswith(f"{sign_in}?next="), r.headers


def test_the_sign_in_page_in_both_languages(desk):
    _app, clients = desk
    zh, en = clients[None].get("/desk/login").text, clients[None].get("/en/desk/login?next=/en/desk/").text
    assert '<html lang="zh-CN">' in zh and "工作台登录" in zh and 'action="/desk/login"' in zh
    assert '<html lang="en">' in en and "Sign in to the desk" in en and 'action="/en/desk/login"' in en
    assert "工作台登录" not in en and 'name="next" value="/en/desk/"' in en and 'href="/desk/login' in en
    assert 'name="csrf_token"' in zh and 'name="csrf_token"' in en


def test_the_reviewer_sees_the_completeness_of_every_unit_and_a_reporter_its_own(desk):
    app, clients = desk
    units = app.workflow.units()
    rev = clients["rev"].get("/desk/").text
    assert len(re.findall(r"<tr class=\"state-row-", rev)) == len(units) >= 25
    assert f'href="/desk/{YEAR}/completeness.xlsx"' in rev and "剩余天数" in rev
    rep = clients["rep"].get("/desk/").text
    assert len(re.findall(r'<tr class="state-row-', rep)) == len(UNITS)
    assert "completeness.xlsx" not in rep
    from openpyxl import load_workbook

    r = clients["rep"].get(f"/desk/{YEAR}/completeness.xlsx")  # the same rule as the API: its own units only
    assert r.status_code == 200
    rows = list(load_workbook(io.BytesIO(r.content)).active.iter_rows(min_row=2, values_only=True))
    assert sorted(row[0] for row in rows) == sorted(UNITS)


def test_the_completeness_export_is_an_excel_workbook(desk):
    from openpyxl import load_workbook

    app, clients = desk
    r = clients["rev"].get(f"/desk/{YEAR}/completeness.xlsx")
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(r.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "单位代码 unit" and len(rows) == 1 + len(app.workflow.units())


def test_english_pages(desk):
    _app, clients = desk
    r = clients["rev"].get("/en/desk/")
    assert r.status_code == 200 and '<html lang="en">' in r.text and "Completeness" in r.text
    r = clients["rep"].get(f"/en/desk/{YEAR}/360722")
    assert r.status_code == 200 and "Last year" in r.text and f'action="/en/desk/{YEAR}/360722"' in r.text


def test_buttons_follow_the_policy(desk):
    _app, clients = desk
    rep = clients["rep"].get(f"/desk/{YEAR}/360725").text
    assert 'value="save"' in rep and 'value="submit"' not in rep and 'name="template"' in rep
    lead = clients["lead"].get(f"/desk/{YEAR}/360725").text
    assert 'value="save"' not in lead and 'value="submit"' in lead and "<output" in lead
    rev = clients["rev"].get(f"/desk/{YEAR}/360725/review").text  # a draft: nothing to decide yet
    assert 'value="approve"' not in rev and 'value="query"' not in rev
    aud = clients["aud"].get(f"/desk/{YEAR}/360725/review").text
    assert "<button" not in aud.split("<main", 1)[1]


# --- CSRF, conflicts, checks -----------------------------------------------------------------------------------
def test_forms_are_refused_without_the_sessions_csrf_token(desk):
    app, clients = desk
    c = clients["rep"]
    _page, token, version = form_of(c, f"/desk/{YEAR}/360724")
    fields = {**steady_values(app, "360724"), "version": version}
    for bad in ({}, {"csrf_token": "forged"}, {"csrf_token": token_of(clients["lead"].get("/desk/").text)}):
        r = c.post(f"/desk/{YEAR}/360724", data={**fields, **bad}, follow_redirects=False)
        assert r.status_code == 403, r.text[:300]
    # the right token from another origin (a forged cross-site form) is refused too
    r = c.post(f"/desk/{YEAR}/360724", data={**fields, "csrf_token": token}, follow_redirects=False,
               headers={"Origin": "https://evil.example"})
    assert r.status_code == 403
    for path, data in ((f"/desk/{YEAR}/360724/state", {"action": "submit"}), ("/desk/periods", {"action": "close",
                       "year": str(YEAR)}), (f"/desk/{YEAR}/360724/review", {"action": "approve"})):
        assert clients["pub"].post(path, data=data, follow_redirects=False).status_code == 403
    assert app.workflow.submission(YEAR, "360724")["version"] == 0  # nothing was saved
    assert app.workflow.period(YEAR)["state"] == "open"


def test_a_save_with_a_stale_version_shows_the_conflict(desk):
    app, clients = desk
    c = clients["rep"]
    _page, token, version = form_of(c, f"/desk/{YEAR}/360723")
    fields = {**steady_values(app, "360723"), "csrf_token": token, "version": version}
    first = c.post(f"/desk/{YEAR}/360723", data=fields, follow_redirects=False)
    assert first.status_code == 303 and first.headers["location"].endswith("?done=saved")
    kept = app.workflow.values(YEAR, "360723")
    again = c.post(f"/desk/{YEAR}/360723", data={**fields, "value:360723|12": "12.5"}, follow_redirects=False)
    assert again.status_code == 409
    assert "其他人已保存了新的数值" in again.text and "重新加载" in again.text
    assert app.workflow.values(YEAR, "360723") == kept  # no lost update


def test_the_excel_template_upload_takes_the_same_validation_path(desk):
    app, clients = desk
    c, unit = clients["rep"], "360725"
    _page, token, version = form_of(c, f"/desk/{YEAR}/{unit}")
    header = "plan,region,measure,year,value,state,unit,source,note\n"
    bad = header + f"ganzhou,{unit},12,{YEAR},170,,%,县统计局,\n"
    r = c.post(f"/desk/{YEAR}/{unit}/upload", data={"csrf_token": token, "version": version},
               files={"template": ("report.csv", bad.encode("utf-8"), "text/csv")})
    assert r.status_code == 422 and 'class="finding hard"' in r.text
    good = header + f"ganzhou,{unit},12,{YEAR},{steady_values(app, unit)[f'value:{unit}|12']},,%,县统计局,\n"
    r = c.post(f"/desk/{YEAR}/{unit}/upload", data={"csrf_token": token, "version": version},
               files={"template": ("report.csv", good.encode("utf-8"), "text/csv")})
    assert r.status_code == 200 and "模板已上传" in r.text
    assert [v["measure"] for v in app.workflow.values(YEAR, unit)] == ["12"]


def test_checks_are_shown_beside_the_cells_and_a_soft_one_is_explained_before_submitting(desk):
    app, clients = desk
    rep, lead, unit = clients["rep"], clients["lead"], "360722"
    _page, token, version = form_of(rep, f"/desk/{YEAR}/{unit}")
    values = steady_values(app, unit)
    key = f"{unit}|12"
    # hard: outside the plausible range → nothing saved, the error beside the cell
    r = rep.post(f"/desk/{YEAR}/{unit}", data={**values, f"value:{key}": "170", "csrf_token": token,
                                                "version": version})
    assert r.status_code == 422 and 'aria-invalid="true"' in r.text and 'class="finding hard"' in r.text
    assert app.workflow.submission(YEAR, unit)["version"] == 0
    # soft: a jump from last year → saved, but the cell asks for an explanation
    jump = str(round(float(values[f"value:{key}"]) * 0.5, 2))
    r = rep.post(f"/desk/{YEAR}/{unit}", data={**values, f"value:{key}": jump, "csrf_token": token,
                                                "version": version})
    assert r.status_code == 200 and "已保存" in r.text
    assert 'class="finding soft"' in r.text and f'name="explain:{key}"' in r.text
    _page, token_l, version = form_of(lead, f"/desk/{YEAR}/{unit}")
    refused = lead.post(f"/desk/{YEAR}/{unit}/state", data={"action": "submit", "csrf_token": token_l,
                                                            "version": version})
    assert refused.status_code == 422 and app.workflow.submission(YEAR, unit)["state"] == "draft"
    why = "受城区污水管网改造影响，本年度处理量下降约一半，已附工程说明"
    _page, token, version = form_of(rep, f"/desk/{YEAR}/{unit}")
    r = rep.post(f"/desk/{YEAR}/{unit}", data={**values, f"value:{key}": jump, f"explain:{key}": why,
                                                "csrf_token": token, "version": version})
    assert r.status_code == 200 and 'class="finding soft ok"' in r.text
    _page, token_l, version = form_of(lead, f"/desk/{YEAR}/{unit}")
    r = lead.post(f"/desk/{YEAR}/{unit}/state", data={"action": "submit", "csrf_token": token_l,
                                                      "version": version})
    assert r.status_code == 200 and "已提交审核" in r.text
    assert app.workflow.submission(YEAR, unit)["state"] == "submitted"
    # submitted: the reporter's form is read-only now
    assert 'value="save"' not in rep.get(f"/desk/{YEAR}/{unit}").text


def test_query_answer_approve_finalize_publish(desk):
    """Follows the previous test (360722 submitted): a whole round through the pages."""
    app, clients = desk
    rev, rep, pub, unit = clients["rev"], clients["rep"], clients["pub"], "360722"
    page = rev.get(f"/desk/{YEAR}/{unit}/review").text
    assert 'value="approve"' in page and 'value="query"' in page and "受城区污水管网改造影响" in page
    token = token_of(page)
    r = rev.post(f"/desk/{YEAR}/{unit}/review", data={"action": "query", "cell": f"{unit}|12",
                                                      "question": "降幅是否已由住建部门确认？", "csrf_token": token})
    assert r.status_code == 200 and "已提出质询" in r.text
    qid = app.workflow.queries(YEAR, unit)[0]["id"]
    blocked = rev.post(f"/desk/{YEAR}/{unit}/review", data={"action": "approve", "csrf_token": token})
    assert blocked.status_code == 422 and app.workflow.submission(YEAR, unit)["state"] == "submitted"
    entry = rep.get(f"/desk/{YEAR}/{unit}").text
    assert f'id="answer-{qid}"' in entry
    r = rep.post(f"/desk/{YEAR}/{unit}/queries/{qid}", data={"answer": "已确认，见住建局 3 月函件",
                                                             "csrf_token": token_of(entry)})
    assert r.status_code == 200 and "已答复质询" in r.text
    r = rev.post(f"/desk/{YEAR}/{unit}/review", data={"action": "close_query", "query": str(qid), "csrf_token": token})
    assert r.status_code == 200
    r = rev.post(f"/desk/{YEAR}/{unit}/review", data={"action": "approve", "csrf_token": token})
    assert r.status_code == 200 and "已审核通过" in r.text
    assert app.workflow.submission(YEAR, unit)["state"] == "approved"
    # the publisher: close, finalize (定库), publish → the new release's number and its portal link
    token = token_of(pub.get("/desk/periods").text)
    for action in ("close", "finalize"):
        r = pub.post("/desk/periods", data={"action": action, "year": str(YEAR), "csrf_token": token})
        assert r.status_code == 200, r.text[:400]
    before = app.release().info.number
    r = pub.post("/desk/periods", data={"action": "publish", "year": str(YEAR), "csrf_token": token})
    number = before + 1
    assert r.status_code == 200 and f'<strong class="release-number">{number}</strong>' in r.text
    assert f'href="/releases/{number}/zh/"' in r.text
    assert app.workflow.period(YEAR)["state"] == "published"
