"""`meili users`: the first administrator, sign-in on the command line, and the policy matrix of the commands the
CLI exposes (users and audit) — every role, every command: done, or refused with a clear bilingual error."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from meili.cli import app
from meili.store import audit, init_workspace

PW = "correct horse battery"
ROLE_USERS = {  # one user per role (the unit roles for one county)
    "reporter": ["--role", "reporter", "--unit", "360702"],
    "unit_lead": ["--role", "unit_lead", "--unit", "360702"],
    "reviewer": ["--role", "reviewer"],
    "publisher": ["--role", "publisher"],
    "auditor": ["--role", "auditor"],
    "public": ["--role", "public"],
}


def run(ws, *args, user=None, password=PW, **kw):
    env = {"MEILI_USER": user, "MEILI_PASSWORD": password} if user else {"MEILI_USER": None, "MEILI_PASSWORD": None}
    r = CliRunner().invoke(app, [*args, "-w", str(ws.root)], env=env, **kw)
    assert "Traceback" not in r.output
    return r


@pytest.fixture(scope="module")
def ws(tmp_path_factory):
    root = tmp_path_factory.mktemp("users")
    ws = init_workspace(root / "ws")
    (root / "pw").write_text(PW + "\n", encoding="utf-8")
    r = run(ws, "users", "add", "admin", "--admin", "--role", "user_admin", "--password-file", str(root / "pw"))
    assert r.exit_code == 0, r.output
    for role, args in ROLE_USERS.items():
        r = run(ws, "users", "add", f"u-{role}", *args, "--password-file", str(root / "pw"), user="admin")
        assert r.exit_code == 0, r.output
    ws.pw = root / "pw"
    return ws


def test_first_admin_then_sign_in_needed(ws):
    r = run(ws, "users", "add", "x", "--role", "reporter", "--unit", "360702", "--password-file", str(ws.pw))
    assert r.exit_code == 1 and "需要登录" in r.output and "MEILI_PASSWORD" in r.output


def test_first_user_must_be_admin(tmp_path):
    w = init_workspace(tmp_path / "w")
    (tmp_path / "pw").write_text(PW, encoding="utf-8")
    r = run(w, "users", "add", "li", "--role", "reporter", "--unit", "360702", "--password-file", str(tmp_path / "pw"))
    assert r.exit_code == 1 and "第一个用户必须是管理员" in r.output and "user_admin" in r.output


def test_no_password_without_a_terminal(tmp_path):
    w = init_workspace(tmp_path / "w")
    r = run(w, "users", "add", "admin", "--admin", "--role", "user_admin")
    assert r.exit_code == 1 and "--password-file" in r.output


def test_wrong_password_is_refused(ws):
    r = run(ws, "users", "list", user="admin", password="not the password")
    assert r.exit_code == 1 and "用户名或密码错误" in r.output and "wrong name or password" in r.output


def test_list(ws):
    r = run(ws, "users", "list", "-f", "json", user="admin")
    assert r.exit_code == 0, r.output
    assert '"name": "u-reporter"' in r.stdout and '"units": "360702"' in r.stdout
    assert "argon2" not in r.stdout and PW not in r.stdout


def test_conflicting_roles_are_a_clear_error(ws):
    r = run(ws, "users", "grant", "u-reviewer", "--role", "reporter", "--unit", "360703", user="admin")
    assert r.exit_code == 1
    assert "角色冲突" in r.output and "the unit that submits never approves" in r.output


def test_unknown_unit_and_role(ws):
    r = run(ws, "users", "grant", "u-reporter", "--role", "reporter", "--unit", "999", user="admin")
    assert r.exit_code == 1 and "no such reporting unit" in r.output
    r = run(ws, "users", "grant", "u-reporter", "--role", "king", user="admin")
    assert r.exit_code == 1 and "king" in r.output


def test_grant_and_revoke(ws):
    r = run(ws, "users", "grant", "u-reporter", "--role", "reporter", "--unit", "360703", user="admin")
    assert r.exit_code == 0 and "reporter:360703" in r.output
    r = run(ws, "users", "revoke", "u-reporter", "--role", "reporter", "--unit", "360703", user="admin")
    assert r.exit_code == 0 and "reporter:360703" not in r.output and "reporter:360702" in r.output


# --- the matrix --------------------------------------------------------------------------------------------
# command → the one role that may run it (the CLI's part of the policy: manage_users, read_audit)
COMMANDS = {
    "users add": "user_admin", "users grant": "user_admin", "users revoke": "user_admin", "users list": "user_admin",
    "audit verify": "auditor", "audit export": "auditor",
}
ACTORS = {"user_admin": "admin", **{role: f"u-{role}" for role in ROLE_USERS}}


def _args(ws, command, role, tmp_path):
    target = f"t-{role.replace('_', '-')}"
    return {
        "users add": ["users", "add", target, "--role", "reporter", "--unit", "360704", "--password-file",
                      str(ws.pw)],
        "users grant": ["users", "grant", "u-reporter", "--role", "reporter", "--unit", "360704"],
        "users revoke": ["users", "revoke", "u-reporter", "--role", "reporter", "--unit", "360704"],
        "users list": ["users", "list"],
        "audit verify": ["audit", "verify"],
        "audit export": ["audit", "export", "-o", str(tmp_path / f"{role}.jsonl")],
    }[command]


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize("role", ACTORS)
def test_cli_matrix(ws, role, command, tmp_path):
    r = run(ws, *_args(ws, command, role, tmp_path), user=ACTORS[role])
    if COMMANDS[command] == role:
        assert r.exit_code == 0, r.output
    else:
        assert r.exit_code == 1, r.output
        assert "无权限" in r.output and f"{ACTORS[role]} may not" in r.output


def test_matrix_refusals_are_in_the_audit_log_and_the_chain_holds(ws):
    with ws.store.reading() as con:
        rows, result = audit.read(con), audit.verify(con)
    assert result.ok
    assert any(r["result"] == "refused" and r["action"] == "audit.verify" for r in rows)
    assert any(r["result"] == "refused" and r["action"] == "users.add" for r in rows)
