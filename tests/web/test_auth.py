"""Sign-in, sessions and CSRF of the desk (OWASP ASVS level 2 where it applies): the ``__Host-`` cookie's
attributes, a new session id at sign-in (fixation), sign-out and expiry ending a session, CSRF tokens and the
origin check, the per-address limit on failed sign-ins and the account lockout."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from meili.web.auth import COOKIE
from tests.web.test_desk_api import BASE, PASSWORD, desk_app, make_desk_workspace


@pytest.fixture(scope="module")
def desk_ws(demo_workspace, tmp_path_factory):
    return make_desk_workspace(demo_workspace, tmp_path_factory.mktemp("auth") / "ws")


@pytest.fixture
def asgi(desk_ws):
    return desk_app(desk_ws)  # a new app: its own sessions and sign-in limiter


def anonymous(asgi) -> tuple[TestClient, str]:
    c = TestClient(asgi, base_url=BASE, follow_redirects=False)
    return c, c.get("/api/desk/session").json()["csrf_token"]


def form_login(c: TestClient, token: str, name="reporter", password=PASSWORD, **headers):
    return c.post("/desk/login", data={"name": name, "password": password, "csrf_token": token,
                                       "next": "/desk/"}, headers=headers)


def test_the_session_cookie_is_host_prefixed_secure_httponly_strict(asgi):
    c, token = anonymous(asgi)
    r = form_login(c, token, Origin=BASE)
    assert r.status_code == 303 and r.headers["location"] == "/desk/"
    cookie = r.headers["set-cookie"]
    attrs = {a.strip().split("=")[0].lower() for a in cookie.split(";")[1:]}
    assert cookie.startswith(f"{COOKIE}=") and attrs == {"path", "secure", "httponly", "samesite"}
    assert "Path=/;" in cookie + ";" and "SameSite=Strict" in cookie and "domain" not in cookie.lower()
    value = cookie.split(";")[0].split("=", 1)[1]
    assert len(value) >= 43  # 256 bits, url-safe base64
    assert r.headers["cache-control"] == "no-store" and r.headers["referrer-policy"] == "same-origin"
    me = c.get("/api/desk/session").json()
    assert me["signed_in"] and me["user"] == "reporter" and me["units"] == ["360722"]


def test_sign_in_issues_a_new_session_id_and_a_planted_one_is_never_promoted(asgi):
    c, token = anonymous(asgi)
    before = c.cookies.get(COOKIE)
    assert before
    assert form_login(c, token).status_code == 303
    after = c.cookies.get(COOKIE)
    assert after and after != before
    # the attacker who planted `before` holds nothing
    attacker = TestClient(asgi, base_url=BASE, cookies={COOKIE: before})
    assert attacker.get("/api/desk/session").json()["signed_in"] is False
    assert attacker.get("/api/desk/periods").status_code == 401
    # an id the server never issued is ignored too (and replaced at sign-in)
    c2 = TestClient(asgi, base_url=BASE, cookies={COOKIE: "chosen-by-the-attacker"}, follow_redirects=False)
    token2 = c2.get("/api/desk/session").json()["csrf_token"]
    assert form_login(c2, token2).status_code == 303
    issued = [k.value for k in c2.cookies.jar if k.name == COOKIE and k.domain]  # the server's, not the planted
    assert issued and "chosen-by-the-attacker" not in issued


def test_sign_out_destroys_the_session(asgi):
    c, token = anonymous(asgi)
    form_login(c, token)
    sid = c.cookies.get(COOKIE)
    csrf = c.get("/api/desk/session").json()["csrf_token"]
    r = c.post("/desk/logout", data={"csrf_token": csrf})
    assert r.status_code == 303 and r.headers["location"] == "/desk/login"
    assert "Max-Age=0" in r.headers["set-cookie"]
    stolen = TestClient(asgi, base_url=BASE, cookies={COOKIE: sid})
    assert stolen.get("/api/desk/periods").status_code == 401


def test_sessions_expire_when_idle_and_after_eight_hours(asgi):
    sessions = asgi.state.desk.sessions
    now = [1000.0]
    sessions.clock = lambda: now[0]
    c, token = anonymous(asgi)
    form_login(c, token)
    assert c.get("/api/desk/periods").status_code == 200
    now[0] += 29 * 60  # active within 30 minutes: kept
    assert c.get("/api/desk/periods").status_code == 200
    now[0] += 31 * 60  # 31 minutes idle: ended
    assert c.get("/api/desk/periods").status_code == 401
    c, token = anonymous(asgi)
    form_login(c, token)
    for _ in range(17):  # busy all day, but 8 hours is the most
        now[0] += 29 * 60
        status = c.get("/api/desk/periods").status_code
    assert status == 401


def test_a_post_without_or_with_a_wrong_csrf_token_is_refused(asgi):
    c, token = anonymous(asgi)
    r = c.post("/desk/login", data={"name": "reporter", "password": PASSWORD})
    assert r.status_code == 403 and "CSRF" in r.text
    r = form_login(c, "x" * len(token))
    assert r.status_code == 403
    form_login(c, token)
    csrf = c.get("/api/desk/session").json()["csrf_token"]
    assert csrf != token  # a new session, a new token
    for headers in ({}, {"X-CSRF-Token": token}, {"X-CSRF-Token": csrf + "x"}):
        r = c.post("/api/desk/periods/2024/open", headers=headers)
        assert r.status_code == 403 and r.json()["error"] == "csrf" and r.json()["message"]["zh"]
    r = c.delete("/api/desk/session")  # signing out needs it too
    assert r.status_code == 403 and c.get("/api/desk/session").json()["signed_in"]


def test_a_cross_origin_form_post_is_refused(asgi):
    c, token = anonymous(asgi)
    assert form_login(c, token, Origin="https://evil.example").status_code == 403
    assert form_login(c, token, Origin="null").status_code == 403
    assert form_login(c, token, Referer="https://evil.example/page").status_code == 403
    assert form_login(c, token, Origin=BASE).status_code == 303  # this site: accepted
    csrf = c.get("/api/desk/session").json()["csrf_token"]
    r = c.post("/api/desk/periods/2030/close", headers={"X-CSRF-Token": csrf, "Origin": "https://evil.example"})
    assert r.status_code == 403 and r.json()["error"] == "csrf"


def test_failed_sign_ins_per_address_are_limited(asgi):
    c, token = anonymous(asgi)
    for i in range(10):  # different names: no account lockout involved
        r = c.post("/api/desk/session", json={"name": f"nobody{i}", "password": "wrong-password-123"},
                   headers={"X-CSRF-Token": token})
        assert r.status_code == 401 and r.json()["error"] == "login_failed"
    r = c.post("/api/desk/session", json={"name": "reporter", "password": PASSWORD}, headers={"X-CSRF-Token": token})
    assert r.status_code == 429 and int(r.headers["retry-after"]) > 0
    assert r.json()["error"] == "too_many_attempts" and r.json()["message"]["zh"]
    assert form_login(c, token).status_code == 429  # the form too
    limiter = asgi.state.desk.limiter
    limiter.clock = lambda: 10**9  # five minutes later
    r = c.post("/api/desk/session", json={"name": "reporter", "password": PASSWORD}, headers={"X-CSRF-Token": token})
    assert r.status_code == 200 and r.json()["signed_in"]


def test_the_account_locks_after_five_failures_even_for_the_right_password(demo_workspace, tmp_path):
    app = make_desk_workspace(demo_workspace, tmp_path / "ws")
    c, token = anonymous(desk_app(app))
    for _ in range(5):
        assert form_login(c, token, name="auditor", password="not-the-password").status_code == 401
    r = form_login(c, token, name="auditor")
    assert r.status_code == 401 and "锁定" in r.text and "locked" in r.text
    from meili.store import audit

    with app.workspace.store.reading() as con:
        rows = [x for x in audit.read(con) if x["action"] == "login"]
    assert rows[-1]["result"] == "refused" and rows[-1]["reason"] == "locked"
    assert rows[-1]["source_ip"] == "testclient"


def test_the_sign_in_page_has_the_token_and_no_open_redirect(asgi):
    c = TestClient(asgi, base_url=BASE, follow_redirects=False)
    page = c.get("/desk/login?next=//evil.example/x").text
    token = c.get("/api/desk/session").json()["csrf_token"]
    assert f'name="csrf_token" value="{token}"' in page and 'value="/desk/"' in page
    r = c.post("/desk/login", data={"name": "reporter", "password": PASSWORD, "csrf_token": token,
                                    "next": "https://evil.example/"})
    assert r.status_code == 303 and r.headers["location"] == "/desk/"
    wrong = TestClient(asgi, base_url=BASE)
    t = wrong.get("/api/desk/session").json()["csrf_token"]
    r = wrong.post("/desk/login", data={"name": "reporter", "password": "wrong-password-123", "csrf_token": t})
    assert r.status_code == 401 and "用户名或密码错误" in r.text and "wrong name or password" in r.text


def test_a_page_needing_a_user_redirects_to_sign_in(asgi):
    from fastapi import Depends

    from meili.web.auth import require_user

    @asgi.get("/desk/_probe")  # appended after the catch-all: reached through a fresh router order below
    def probe(user=Depends(require_user)):
        return {"user": user.name}

    asgi.router.routes.insert(0, asgi.router.routes.pop())
    c = TestClient(asgi, base_url=BASE, follow_redirects=False)
    r = c.get("/desk/_probe?x=1")
    assert r.status_code == 303 and r.headers["location"] == "/desk/login?next=/desk/_probe%3Fx%3D1"
    t = c.get("/api/desk/session").json()["csrf_token"]
    form_login(c, t)
    assert c.get("/desk/_probe").json() == {"user": "reporter"}


def test_a_disabled_account_is_signed_out(desk_ws, asgi):
    from meili.app.accounts import Accounts

    c, token = anonymous(asgi)
    form_login(c, token, name="publisher")
    assert c.get("/api/desk/periods").status_code == 200
    acc = Accounts(desk_ws.workspace)
    admin = acc.verify_login("admin", PASSWORD)
    acc.set_active("publisher", False, actor=admin)
    try:
        assert c.get("/api/desk/periods").status_code == 401
    finally:
        acc.set_active("publisher", True, actor=admin)
