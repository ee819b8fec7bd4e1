"""``meili periods``: the calendar through the CLI, signed in with ``--as`` (password from $MEILI_PASSWORD)."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from meili.app import Meili
from meili.cli import app
from meili.store import init_workspace

PASSWORD = "Meili-test-passphrase-2024"


def people(root):
    """An admin, a publisher and a reporter of 信丰县 in a new workspace."""
    from meili.app.accounts import Accounts

    init_workspace(root)
    acc = Accounts(Meili(root).workspace)
    admin = acc.add_user("admin", ["user_admin"], password=PASSWORD, admin=True, actor=None)
    acc.add_user("pub", ["publisher"], password=PASSWORD, actor=admin)
    acc.add_user("rev", ["reviewer"], password=PASSWORD, actor=admin)
    acc.add_user("rep", ["reporter"], ["360722"], password=PASSWORD, actor=admin)
    acc.add_user("lead", ["unit_lead"], ["360722"], password=PASSWORD, actor=admin)
    return root


def meili(root, *args, user="pub"):
    return CliRunner().invoke(app, [*args, "-w", str(root), "--as", user], env={"MEILI_PASSWORD": PASSWORD})


@pytest.fixture
def ws(tmp_path):
    return people(tmp_path)


def test_open_close_finalize_publish_revise(ws):
    r = meili(ws, "periods", "open", "2024", "--closes", "2025-03-31")
    assert r.exit_code == 0, r.output
    assert "2024: open, 截止 / closes 2025-03-31" in r.output
    assert meili(ws, "periods", "close", "2024").exit_code == 0
    assert meili(ws, "periods", "finalize", "2024").exit_code == 0
    r = meili(ws, "periods", "publish", "2024")
    assert r.exit_code == 0, r.output
    assert r.output.splitlines()[0] == "1" and "published" in r.output
    r = meili(ws, "periods", "revise", "2024", "--reason", "林业局更正湿地面积")
    assert r.exit_code == 0 and "revision 1" in r.output
    listed = CliRunner().invoke(app, ["periods", "list", "-w", str(ws), "--format", "csv"])
    assert "2024,ganzhou,open" in listed.output


def test_a_refusal_is_a_clear_error_without_traceback(ws):
    r = meili(ws, "periods", "open", "2024", user="rep")
    assert r.exit_code == 1
    assert "无权限 / forbidden" in r.output and "Traceback" not in r.output
    r = meili(ws, "periods", "finalize", "2024")  # no such period yet
    assert r.exit_code == 1 and "forbidden" in r.output


def test_a_wrong_password_signs_nobody_in(ws):
    r = CliRunner().invoke(app, ["periods", "open", "2024", "-w", str(ws), "--as", "pub"],
                           env={"MEILI_PASSWORD": "wrong"})
    assert r.exit_code == 1 and Meili(ws).workflow.period(2024) is None


def test_a_bad_date_is_a_usage_error(ws):
    r = meili(ws, "periods", "open", "2024", "--closes", "31.3.2025")
    assert r.exit_code == 2 and "YYYY-MM-DD" in r.output
