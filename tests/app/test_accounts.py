"""Accounts: argon2id hashes, the first administrator, grants and their conflicts, sign-in, lockout, TOTP — and
every one of them in the audit log."""

from __future__ import annotations

from datetime import datetime, timedelta

import pyotp
import pytest

from meili.app.accounts import Accounts, LoginFailed, PasswordRejected
from meili.app.policy import ConflictingRoles, Forbidden, Role
from meili.errors import NotFoundError, RequestError
from meili.store import audit, init_workspace

PW = "correct horse battery"


class Clock:
    def __init__(self):
        self.now = datetime(2025, 3, 1, 8, 0, 0)

    def __call__(self):
        return self.now


@pytest.fixture
def acc(tmp_path):
    return Accounts(init_workspace(tmp_path / "ws"), clock=Clock())


@pytest.fixture
def admin(acc):
    acc.add_user("admin", ["user_admin"], password=PW, admin=True, actor=None)
    return acc.verify_login("admin", PW)


def _log(acc):
    with acc.workspace.store.reading() as con:
        return audit.read(con), audit.verify(con)


def test_first_user_and_argon2id(acc, admin):
    assert admin.admin and admin.roles == {Role.user_admin}
    with acc.workspace.store.reading() as con:
        digest = con.execute("SELECT password_hash FROM users WHERE name = 'admin'").fetchone()[0]
    assert digest.startswith("$argon2id$v=19$") and PW not in digest
    rows, result = _log(acc)
    assert [(r["action"], r["result"]) for r in rows] == [("users.add", "ok"), ("login", "ok")]
    assert rows[0]["actor"].startswith("os:") and result.ok
    assert all(PW not in str(v) for r in rows for v in r.values())


def test_first_user_must_be_an_administrator(acc):
    with pytest.raises(RequestError, match="first one must be an administrator"):
        acc.add_user("li", ["reporter"], ["360702"], password=PW, actor=None)
    with pytest.raises(RequestError, match="first one must be an administrator"):
        acc.add_user("li", ["reviewer"], password=PW, admin=True, actor=None)
    assert not acc.has_users()
    assert [r["result"] for r in _log(acc)[0]] == ["refused", "refused"]


def test_later_users_need_a_user_admin(acc, admin):
    with pytest.raises(Forbidden, match="not signed in"):
        acc.add_user("li", ["reporter"], ["360702"], password=PW, actor=None)
    li = acc.add_user("li", ["reporter"], ["360702"], password=PW, actor=admin)
    assert li.units == {"360702"} and li.units_for(Role.reporter) == {"360702"}
    with pytest.raises(Forbidden, match="li may not manage users"):
        acc.add_user("wang", ["reporter"], ["360703"], password=PW, actor=li)
    rows, result = _log(acc)
    assert rows[-1]["result"] == "refused" and rows[-1]["actor"] == "li" and result.ok


def test_conflicting_roles_refused_at_grant_time(acc, admin):
    with pytest.raises(ConflictingRoles, match="the unit that submits never approves"):
        acc.add_user("x", ["reporter", "reviewer"], ["360702"], password=PW, actor=admin)
    acc.add_user("zhao", ["reviewer"], password=PW, actor=admin)
    with pytest.raises(ConflictingRoles, match="cannot hold city reviewer and unit lead together"):
        acc.grant("zhao", ["unit_lead"], ["360702"], actor=admin)
    with pytest.raises(ConflictingRoles, match="never changes values"):
        acc.grant("admin", ["publisher"], actor=admin)
    acc.add_user("audit", ["auditor"], password=PW, actor=admin)
    with pytest.raises(ConflictingRoles, match="the auditor only reads"):
        acc.grant("audit", ["reporter"], ["360702"], actor=admin)
    assert acc.user("zhao").roles == {Role.reviewer}
    assert [r["result"] for r in _log(acc)[0] if r["action"] == "users.grant"] == ["refused"] * 3


def test_grant_and_revoke(acc, admin):
    acc.add_user("li", ["reporter"], ["360702"], password=PW, actor=admin)
    li = acc.grant("li", ["reporter", "unit_lead"], ["360703"], actor=admin)
    assert li.grants == {(Role.reporter, "360702"), (Role.reporter, "360703"), (Role.unit_lead, "360703")}
    li = acc.revoke("li", ["reporter"], ["360702"], actor=admin)
    assert li.grants == {(Role.reporter, "360703"), (Role.unit_lead, "360703")}
    li = acc.revoke("li", ["unit_lead"], actor=admin)
    assert li.grants == {(Role.reporter, "360703")}
    rows, result = _log(acc)
    assert rows[-1]["before"] == '{"grants":["reporter:360703","unit_lead:360703"]}' and result.ok


def test_unknown_unit_role_and_user(acc, admin):
    with pytest.raises(NotFoundError, match="no such reporting unit"):
        acc.add_user("li", ["reporter"], ["999999"], password=PW, actor=admin)
    with pytest.raises(RequestError, match="reporter"):
        acc.add_user("li", ["boss"], password=PW, actor=admin)
    with pytest.raises(NotFoundError, match="no such user"):
        acc.grant("nobody", ["reporter"], ["360702"], actor=admin)
    with pytest.raises(ConflictingRoles, match="needs a unit"):
        acc.add_user("li", ["reporter"], password=PW, actor=admin)


def test_password_rules_never_echo_the_password(acc, admin):
    with pytest.raises(PasswordRejected, match="at least 12") as e:
        acc.add_user("li", ["reporter"], ["360702"], password="short-pw", actor=admin)
    assert "short-pw" not in str(e.value)
    with pytest.raises(PasswordRejected, match="may not be the user name"):
        acc.add_user("lixiaoming12", ["reporter"], ["360702"], password="LiXiaoMing12", actor=admin)


def test_wrong_password_and_unknown_name_say_the_same(acc, admin):
    with pytest.raises(LoginFailed) as a:
        acc.verify_login("admin", "wrong password!")
    with pytest.raises(LoginFailed) as b:
        acc.verify_login("nobody", "wrong password!")
    assert str(a.value) == str(b.value)
    rows = _log(acc)[0]
    assert [(r["action"], r["result"], r["reason"]) for r in rows[-2:]] == [
        ("login", "failed", "wrong password"), ("login", "failed", "unknown user")]


def test_lockout_after_five_failures(acc, admin):
    acc.add_user("li", ["reporter"], ["360702"], password=PW, actor=admin)
    for _ in range(4):
        with pytest.raises(LoginFailed, match="wrong name or password"):
            acc.verify_login("li", "not the password")
    with pytest.raises(LoginFailed, match="locked for 15 minutes"):
        acc.verify_login("li", "not the password")
    with pytest.raises(LoginFailed, match="locked until"):
        acc.verify_login("li", PW)  # even the right password, while locked
    assert acc.list_users(admin)[-1]["locked_until"] is not None
    acc.clock.now += timedelta(minutes=15, seconds=1)
    assert acc.verify_login("li", PW).name == "li"
    rows, result = _log(acc)
    assert [r["result"] for r in rows if r["target"] == "user:li" and r["action"] == "login"] == [
        "failed"] * 5 + ["refused", "ok"]
    assert result.ok


def test_lockout_is_configurable_and_unlock(tmp_path):
    acc = Accounts(init_workspace(tmp_path / "w"), max_failures=2, lockout=timedelta(minutes=1), clock=Clock())
    acc.add_user("admin", ["user_admin"], password=PW, admin=True, actor=None)
    admin = acc.verify_login("admin", PW)
    acc.add_user("li", ["reporter"], ["360702"], password=PW, actor=admin)
    for _ in range(2):
        with pytest.raises(LoginFailed):
            acc.verify_login("li", "nope nope nope")
    with pytest.raises(LoginFailed, match="locked"):
        acc.verify_login("li", PW)
    acc.unlock("li", actor=admin)
    assert acc.verify_login("li", PW).name == "li"


def test_totp(acc, admin):
    uri = acc.enable_totp("admin", actor=admin)
    secret = pyotp.parse_uri(uri).secret
    assert acc.needs_second_factor("admin")
    with pytest.raises(LoginFailed, match="one-time code"):
        acc.verify_login("admin", PW)
    with pytest.raises(LoginFailed, match="wrong name, password or one-time code"):
        acc.verify_login("admin", PW, totp="000000" if pyotp.TOTP(secret).now() != "000000" else "111111")
    assert acc.verify_login("admin", PW, totp=pyotp.TOTP(secret).now()).totp_enabled
    rows = _log(acc)[0]
    assert all(secret not in str(v) for r in rows for v in r.values())


def test_admins_without_totp_refused_when_required(tmp_path):
    acc = Accounts(init_workspace(tmp_path / "w"), require_admin_totp=True, clock=Clock())
    acc.add_user("admin", ["user_admin"], password=PW, admin=True, actor=None)
    with pytest.raises(LoginFailed, match="TOTP"):
        acc.verify_login("admin", PW)


def test_disabled_account(acc, admin):
    acc.add_user("li", ["reporter"], ["360702"], password=PW, actor=admin)
    acc.set_active("li", False, actor=admin)
    with pytest.raises(LoginFailed, match="disabled"):
        acc.verify_login("li", PW)
    assert not acc.user("li").active


def test_set_password_self_or_admin(acc, admin):
    li = acc.add_user("li", ["reporter"], ["360702"], password=PW, actor=admin)
    acc.set_password("li", "another long secret", actor=li)
    assert acc.verify_login("li", "another long secret").name == "li"
    acc.add_user("wang", ["reporter"], ["360703"], password=PW, actor=admin)
    with pytest.raises(Forbidden):
        acc.set_password("wang", "a third long secret", actor=li)
    acc.set_password("wang", "a third long secret", actor=admin)


def test_list_users_hides_secrets(acc, admin):
    acc.add_user("li", ["reporter", "unit_lead"], ["360702"], password=PW, actor=admin)
    users = acc.list_users(admin)
    assert [u["name"] for u in users] == ["admin", "li"]
    assert users[1]["roles"] == "reporter, unit_lead" and users[1]["units"] == "360702"
    assert not any("hash" in k or "secret" in k for k in users[0])
