"""`meili audit verify` finds every tampering — an audit row edited, deleted or reordered, a value row changed
behind the store's back — and names the first broken row; `meili audit export` writes the log."""

from __future__ import annotations

import json

import duckdb
import pytest
from typer.testing import CliRunner

from meili.app.accounts import Accounts
from meili.cli import app
from meili.store import init_workspace
from tests.store.test_audit import _write_value

PW = "correct horse battery"


def run(ws, *args, user="audit"):
    r = CliRunner().invoke(app, [*args, "-w", str(ws.root)], env={"MEILI_USER": user, "MEILI_PASSWORD": PW})
    assert "Traceback" not in r.output
    return r


@pytest.fixture
def ws(tmp_path):
    ws = init_workspace(tmp_path / "ws")
    acc = Accounts(ws)
    acc.add_user("admin", ["user_admin"], password=PW, admin=True, actor=None)   # seq 1
    admin = acc.verify_login("admin", PW)                                        # seq 2
    acc.add_user("audit", ["auditor"], password=PW, actor=admin)                 # seq 3
    _write_value(ws, 76.5)                                                       # seq 4
    _write_value(ws, 77.0)                                                       # seq 5
    acc.add_user("li", ["reporter"], ["360702"], password=PW, actor=admin)       # seq 6
    return ws


def _raw(ws, sql):
    con = duckdb.connect(str(ws.db_path))
    try:
        con.execute(sql)
    finally:
        con.close()


def test_intact(ws):
    r = run(ws, "audit", "verify")
    assert r.exit_code == 0, r.output
    assert "audit log intact" in r.stdout and "head 7:" in r.stdout  # seq 7: the auditor's own sign-in


@pytest.mark.parametrize("tamper, seq", [
    ("UPDATE audit_log SET actor = 'mallory' WHERE seq = 3", 3),                 # edited
    ("DELETE FROM audit_log WHERE seq = 3", 4),                                  # deleted: the next row breaks
    ("UPDATE audit_log SET seq = CASE seq WHEN 3 THEN 4 ELSE 3 END WHERE seq IN (3, 4)", 3),  # reordered
    ("UPDATE observations SET value = 90 WHERE revision = 1", 4),                # a value behind the store's back
    ("UPDATE observations SET note = 'x' WHERE revision = 2", 5),
])
def test_tampering_is_reported_with_the_first_broken_row(ws, tamper, seq):
    assert run(ws, "audit", "verify").exit_code == 0
    _raw(ws, tamper)
    r = run(ws, "audit", "verify")
    assert r.exit_code == 1, r.output
    assert f"第 {seq} 行 / row {seq}" in r.output and f"seq={seq}" in r.output
    assert "审计日志已损坏" in r.output and "audit log broken" in r.output


def test_export_jsonl_and_csv(ws, tmp_path):
    r = run(ws, "audit", "export", "-o", str(tmp_path / "log.jsonl"))
    assert r.exit_code == 0, r.output
    lines = (tmp_path / "log.jsonl").read_text(encoding="utf-8").splitlines()
    assert [json.loads(x)["seq"] for x in lines] == list(range(1, 8))
    assert run(ws, "audit", "export", "-o", str(tmp_path / "log.csv")).exit_code == 0
    assert (tmp_path / "log.csv").read_text(encoding="utf-8-sig").startswith('"seq","at","actor"')
    r = run(ws, "audit", "export", "-o", str(tmp_path / "log.txt"))
    assert r.exit_code == 1 and ".jsonl" in r.output
    assert run(ws, "audit", "verify").exit_code == 0  # the exports are audited, and the chain still holds


def test_only_an_auditor(ws):
    r = run(ws, "audit", "verify", user="admin")
    assert r.exit_code == 1 and "admin 不能查阅审计日志" in r.output and "needs the role auditor" in r.output
