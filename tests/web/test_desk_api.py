"""The desk's JSON write API (``/api/desk/…``) through HTTP: a unit's values saved, submitted, queried, answered,
approved and published; the status codes of each refusal (401, 403, 409, 422) with messages in both languages;
the source address in the audit log; the desk API's own OpenAPI document — and schemathesis per role over it."""

from __future__ import annotations

import shutil
from datetime import date

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, Phase, settings

from meili.app import Meili
from tests.helpers.workflow import full_rows

PASSWORD = "Meili-desk-passphrase-2024"
UNIT, OTHER_UNIT = "360722", "360723"
YEAR = 2024
#: One signed-in person per role (the reviewer belongs to the city bureau, whose submissions it never reviews).
PEOPLE = {
    "reporter": (["reporter"], [UNIT]), "unit_lead": (["unit_lead"], [UNIT]),
    "reviewer": (["reviewer"], ["dept-environment"]), "publisher": (["publisher"], []),
    "user_admin": (["user_admin"], []), "auditor": (["auditor"], []),
}
BASE = "https://testserver"  # the session cookie is Secure (__Host-): httpx sends it over https only


def make_desk_workspace(demo_workspace, folder) -> Meili:
    """A copy of the session's demo workspace with one user per role (``admin`` is the first, user_admin)."""
    from meili.app.accounts import Accounts

    shutil.copytree(demo_workspace, folder)
    app = Meili(folder)
    acc = Accounts(app.workspace)
    admin = acc.add_user("admin", ["user_admin"], password=PASSWORD, admin=True, actor=None)
    for role, (roles, units) in PEOPLE.items():
        if role != "user_admin":
            acc.add_user(role.replace("_", "-"), roles, units, password=PASSWORD, actor=admin)
    return app


def login_name(role: str) -> str:
    return "admin" if role == "user_admin" else role.replace("_", "-")


def client_for(asgi, role: str | None) -> TestClient:
    """A client signed in as ``role`` (None: anonymous) with its CSRF token in every request's header."""
    c = TestClient(asgi, base_url=BASE)
    token = c.get("/api/desk/session").json()["csrf_token"]
    if role is not None:
        r = c.post("/api/desk/session", json={"name": login_name(role), "password": PASSWORD},
                   headers={"X-CSRF-Token": token})
        assert r.status_code == 200, r.text
        token = r.json()["csrf_token"]
    c.headers["X-CSRF-Token"] = token
    return c


def desk_app(app: Meili):
    from meili.web.server import create_app

    return create_app(app=app, desk=True)


@pytest.fixture(scope="module")
def desk(demo_workspace, tmp_path_factory):
    app = make_desk_workspace(demo_workspace, tmp_path_factory.mktemp("desk") / "ws")
    asgi = desk_app(app)
    clients = {role: client_for(asgi, role) for role in PEOPLE}
    clients[None] = client_for(asgi, None)
    return app, asgi, clients


def typed_rows(app, unit, **override) -> list[dict]:
    why = "数值已与县统计年鉴及监测站原始记录逐项核对"
    return [{"region": r, "measure": m, "value": v, "explanation": why} for r, m, v in full_rows(app, unit, **override)]


def test_a_unit_reports_and_the_city_approves_and_publishes(desk):
    app, _asgi, c = desk
    r = c["publisher"].post(f"/api/desk/periods/{YEAR}/open", json={"closes": "2025-03-31"})
    assert r.status_code == 200, r.text
    assert r.json()["state"] == "open" and r.json()["closes"] == "2025-03-31"
    rows = typed_rows(app, UNIT)
    r = c["reporter"].put(f"/api/desk/submissions/{YEAR}/{UNIT}/values", json={"expected_version": 0, "rows": rows})
    assert r.status_code == 200, r.text
    version = r.json()["version"]
    # a second form loaded at version 0: 409, nothing written
    stale = c["reporter"].put(f"/api/desk/submissions/{YEAR}/{UNIT}/values",
                              json={"expected_version": 0, "rows": rows[:1]})
    assert stale.status_code == 409 and stale.json()["error"] == "version_conflict"
    assert stale.json()["message"]["zh"] and stale.json()["message"]["en"]
    # the reporter may not sign off; the lead may
    r = c["reporter"].post(f"/api/desk/submissions/{YEAR}/{UNIT}/submit")
    assert r.status_code == 403 and "unit lead" in r.json()["message"]["en"]
    r = c["unit_lead"].post(f"/api/desk/submissions/{YEAR}/{UNIT}/submit", json={"expected_version": version})
    assert r.status_code == 200, r.text
    assert r.json()["state"] == "submitted"
    region, measure = rows[0]["region"], rows[0]["measure"]
    q = c["reviewer"].post(f"/api/desk/submissions/{YEAR}/{UNIT}/queries",
                           json={"region": region, "measure": measure, "question": "该数值是否已复核？"})
    assert q.status_code == 201, q.text
    qid = q.json()["id"]
    blocked = c["reviewer"].post(f"/api/desk/submissions/{YEAR}/{UNIT}/approve")
    assert blocked.status_code == 422 and blocked.json()["error"] == "check_failed"
    assert "findings" in blocked.json()
    assert c["reporter"].post(f"/api/desk/queries/{qid}/answer", json={"answer": "已于 5 月复测"}).status_code == 200
    assert c["reviewer"].post(f"/api/desk/queries/{qid}/close").status_code == 200
    r = c["reviewer"].post(f"/api/desk/submissions/{YEAR}/{UNIT}/approve")
    assert r.status_code == 200 and r.json()["state"] == "approved", r.text
    detail = c["auditor"].get(f"/api/desk/submissions/{YEAR}/{UNIT}").json()
    assert detail["submission"]["approved_by"] == "reviewer" and detail["queries"][0]["state"] == "closed"
    status = c["reviewer"].get(f"/api/desk/periods/{YEAR}/completeness").json()
    assert next(row for row in status if row["unit"] == UNIT)["state"] == "approved" and len(status) > 20
    mine = c["reporter"].get(f"/api/desk/periods/{YEAR}/completeness").json()
    assert [row["unit"] for row in mine] == [UNIT]  # a reporter sees its own units only
    assert c["publisher"].post(f"/api/desk/periods/{YEAR}/close").status_code == 200
    assert c["publisher"].post(f"/api/desk/periods/{YEAR}/finalize").status_code == 200
    before = app.release().info.number
    r = c["publisher"].post(f"/api/desk/periods/{YEAR}/publish", json={"note": "2024 年度报送"})
    assert r.status_code == 200 and r.json()["number"] == before + 1
    # the audit log has the web's source address
    from meili.store import audit

    with app.workspace.store.reading() as con:
        rows_ = audit.read(con)
        assert audit.verify(con).ok
    approve = [x for x in rows_ if x["action"] == "approve" and x["result"] == "ok"][-1]
    assert approve["actor"] == "reviewer" and approve["source_ip"] == "testclient"


def test_refusals_carry_status_and_message(desk):
    _app, _asgi, c = desk
    anon = c[None]
    r = anon.put(f"/api/desk/submissions/{YEAR}/{UNIT}/values", json={"expected_version": 0, "rows": []})
    assert r.status_code == 401 and r.json()["error"] == "not_signed_in" and r.json()["message"]["zh"]
    assert anon.get("/api/desk/periods").status_code == 401
    r = c["reporter"].post(f"/api/desk/periods/{YEAR + 1}/open")
    assert r.status_code == 403 and r.json()["error"] == "forbidden"
    assert "不能开启填报期" in r.json()["message"]["zh"]
    r = c["reporter"].put(f"/api/desk/submissions/{YEAR}/{OTHER_UNIT}/values",
                          json={"expected_version": 0, "rows": []})
    assert r.status_code == 403
    r = c["reporter"].put(f"/api/desk/submissions/{YEAR}/{UNIT}/values", json={"expected_version": "x"})
    assert r.status_code == 422 and r.json()["error"] == "invalid_request"
    assert c["reviewer"].get(f"/api/desk/submissions/{YEAR}/no-such-unit").status_code == 404
    assert c["reviewer"].post("/api/desk/queries/999999/close").status_code == 404
    assert c["auditor"].get(f"/api/desk/periods/{YEAR}/completeness").status_code in (200, 404)
    assert c["user_admin"].get(f"/api/desk/periods/{YEAR}/completeness").status_code == 403


def test_hard_check_is_422_with_findings_and_nothing_saved(demo_workspace, tmp_path):
    app = make_desk_workspace(demo_workspace, tmp_path / "ws")
    asgi = desk_app(app)
    c = {role: client_for(asgi, role) for role in ("publisher", "reporter")}
    assert c["publisher"].post(f"/api/desk/periods/{YEAR}/open").status_code == 200
    r = c["reporter"].put(f"/api/desk/submissions/{YEAR}/{UNIT}/values", json={
        "expected_version": 0, "rows": [{"region": UNIT, "measure": "12", "value": 170.0}]})
    assert r.status_code == 422 and r.json()["error"] == "check_failed"
    assert r.json()["findings"][0]["rule"] == "percent_out_of_range" and r.json()["findings"][0]["blocking"]
    assert app.workflow.values(YEAR, UNIT) == []
    r = c["reporter"].put(f"/api/desk/submissions/{YEAR}/{UNIT}/values", json={
        "expected_version": 0, "rows": [{"region": UNIT, "measure": "11.1", "value": 70}]})
    assert r.status_code == 422 and r.json()["error"] == "not_unit_cell"  # forest cover is the Forestry Bureau's


def test_the_desk_api_is_documented_apart_and_the_public_portal_stays_read_only(desk, portal):
    _app, _asgi, c = desk
    doc = c[None].get("/api/desk/openapi.json").json()
    assert "/api/desk/submissions/{year}/{unit}/values" in doc["paths"]
    assert "put" in doc["paths"]["/api/desk/submissions/{year}/{unit}/values"]
    assert doc["components"]["securitySchemes"]["session"]["name"] == "__Host-meili_session"
    public = c[None].get("/api/openapi.json").json()
    assert not any(p.startswith("/api/desk") for p in public["paths"])
    plain = TestClient(portal, base_url=BASE)  # the public portal (desk=False): none of it
    assert plain.get("/api/desk/session").status_code == 404
    assert plain.post("/desk/login").status_code in (404, 405)
    assert plain.get("/desk/login").status_code == 404
    r = c[None].get("/api/desk/session")
    assert "access-control-allow-origin" not in r.headers and r.headers["cache-control"] == "no-store"


# --- schemathesis per role ----------------------------------------------------------------------------------
ROLES = [*PEOPLE, None]


@pytest.fixture(scope="module")
def schema_desk(demo_workspace, tmp_path_factory):
    app = make_desk_workspace(demo_workspace, tmp_path_factory.mktemp("fuzz") / "ws")
    from tests.helpers.workflow import PUBLISHER

    app.workflow.open_period(PUBLISHER, YEAR, opens=date(2025, 1, 1), closes=date(2025, 3, 31))
    asgi = desk_app(app)
    return asgi, {role: client_for(asgi, role) for role in ROLES}


@pytest.fixture(scope="module")
def desk_schema(schema_desk):
    return schemathesis.openapi.from_asgi("/api/desk/openapi.json", schema_desk[0])


fuzz = schemathesis.pytest.from_fixture("desk_schema")
REFUSALS = {401, 403, 404, 405, 409, 422, 429}  # 405: a method an operation does not take


def _fuzz_as(role: str | None, coverage: bool = True):
    """``coverage``: also schemathesis's boundary examples (its explicit phase; slow) — for the roles that write
    units' values and the anonymous client; the other roles get generated examples only."""
    phases = [Phase.explicit, Phase.reuse, Phase.generate] if coverage else [Phase.generate]

    @fuzz.parametrize()
    @settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck), phases=phases)
    def test(case, schema_desk):
        """Every operation with generated input, signed in as the role: never a 500; every answer as documented;
        every refusal 401/403/404/409/422 with a message in both languages."""
        client = schema_desk[1][role]
        if case.path == "/api/desk/session" and case.method.upper() in ("POST", "DELETE"):
            return  # signing in or out would change the client under test; test_auth covers them
        headers = {**(case.headers or {}), "X-CSRF-Token": client.headers["X-CSRF-Token"]}
        cookies = dict(client.cookies.items())
        response = case.call(headers=headers, cookies=cookies, base_url=BASE)
        assert response.status_code < 500, (case.method, case.formatted_path, response.text)
        if response.status_code >= 400:
            assert response.status_code in REFUSALS, (response.status_code, response.text)
            body = response.json()
            assert body["error"] and body["message"]["zh"] and body["message"]["en"], body
        # positive_data_acceptance is left out: a schema-valid request may still be refused by the rules (a year
        # outside the plan, a stock-phrase reason, a cell the unit does not report) — 422 by design.
        case.validate_response(response, headers=headers,
                               excluded_checks=[schemathesis.checks.positive_data_acceptance])

    return test


test_schemathesis_reporter = _fuzz_as("reporter")
test_schemathesis_unit_lead = _fuzz_as("unit_lead", coverage=False)
test_schemathesis_reviewer = _fuzz_as("reviewer")
test_schemathesis_publisher = _fuzz_as("publisher", coverage=False)
test_schemathesis_user_admin = _fuzz_as("user_admin", coverage=False)
test_schemathesis_auditor = _fuzz_as("auditor", coverage=False)
test_schemathesis_anonymous = _fuzz_as(None)
