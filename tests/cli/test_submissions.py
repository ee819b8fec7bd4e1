"""``meili submissions``: a unit's template saved, submitted, queried, answered, approved; status to Excel."""

from __future__ import annotations

from openpyxl import load_workbook
from typer.testing import CliRunner

from meili.app import Meili
from meili.cli import app
from tests.cli.test_periods import meili, people
from tests.helpers.workflow import typical

UNIT = "360722"


def filled_template(root, path, **override):
    m = Meili(root)
    m.template(path, "ganzhou", 2024, regions=[UNIT])
    mine = {mm.id for _, mm in m.workflow.cells(UNIT)}
    measures = {mm.id: mm for mm in m.plan("ganzhou").measures}
    wb = load_workbook(path)
    ws = wb["填报数据"]
    for row in ws.iter_rows(min_row=2):
        mid = row[3].value
        if mid in mine:
            value = override.get(mid, {"18.1": 90, "18.2": 90, "19.1": 80, "19.2": 2}.get(mid, typical(measures[mid])))
            row[10].value, row[12].value = value, "信丰县生态环境局"
    wb.save(path)
    return path


def test_save_submit_query_answer_approve_and_status(tmp_path):
    ws = people(tmp_path / "ws")
    assert meili(ws, "periods", "open", "2024", "--closes", "2025-03-31").exit_code == 0
    book = filled_template(ws, tmp_path / "信丰县.xlsx", **{"22.2": 85})
    r = meili(ws, "submissions", "save", "2024", UNIT, str(book), user="rep")
    assert r.exit_code == 0, r.output
    assert "版本 / version 1" in r.output and "⚠" in r.output and "22.2" in r.output
    r = meili(ws, "submissions", "submit", "2024", UNIT, user="lead")
    assert r.exit_code == 1 and "需要说明 / needs an explanation" in r.output and "Traceback" not in r.output
    wb = load_workbook(book)
    for row in wb["填报数据"].iter_rows(min_row=2):
        if row[3].value == "22.2":
            row[13].value = "县城第二水厂水源地 4 月受藻类影响超标两次"
    wb.save(book)
    assert meili(ws, "submissions", "save", "2024", UNIT, str(book), user="rep").exit_code == 0
    r = meili(ws, "submissions", "submit", "2024", UNIT, user="lead")
    assert r.exit_code == 0 and "submitted" in r.output, r.output
    r = meili(ws, "submissions", "approve", "2024", UNIT, user="lead")  # the unit never approves itself
    assert r.exit_code == 1 and "forbidden" in r.output
    r = meili(ws, "submissions", "query", "raise", "2024", UNIT, UNIT, "22.2", "水源地超标是否已整改？", user="rev")
    assert r.exit_code == 0, r.output
    qid = r.output.strip()
    assert meili(ws, "submissions", "approve", "2024", UNIT, user="rev").exit_code == 1  # an open query
    assert meili(ws, "submissions", "query", "answer", qid, "已于 5 月完成除藻并复测达标", user="rep").exit_code == 0
    assert meili(ws, "submissions", "query", "close", qid, user="rev").exit_code == 0
    r = meili(ws, "submissions", "approve", "2024", UNIT, user="rev")
    assert r.exit_code == 0 and "approved" in r.output and "导入 / import #1" in r.output, r.output
    out = tmp_path / "status.xlsx"
    r = meili(ws, "submissions", "status", "2024", "-o", str(out), user="rev")
    assert r.exit_code == 0, r.output
    rows = list(load_workbook(out).active.iter_rows(values_only=True))
    assert len(rows) > 20  # the reviewer reads every unit
    mine = next(row for row in rows if row[0] == UNIT)
    assert mine[2] == "approved"
    r = meili(ws, "submissions", "status", "2024", "-f", "csv", user="rep")  # a reporter: its own unit only
    assert r.exit_code == 0 and [line.split(",")[0] for line in r.stdout.splitlines()[1:]] == [UNIT], r.output
    r = meili(ws, "submissions", "checks", "2024", UNIT, "--format", "csv", user="rev")
    assert "soft_range" in r.output and "县城第二水厂" in r.output
    r = meili(ws, "submissions", "show", "2024", UNIT, user="rep")
    assert r.exit_code == 0 and "approved" in r.output and "22.2" in r.output, r.output
    r = meili(ws, "submissions", "show", "2024", "360723", user="rep")  # another county's report
    assert r.exit_code == 1 and "forbidden" in r.output and "360723" in r.output
    assert "Traceback" not in r.output
    r = CliRunner().invoke(app, ["submissions", "status", "2024", "-w", str(ws)], env={"MEILI_PASSWORD": None})
    assert r.exit_code == 1 and "需要登录" in r.output  # reading a unit's report signs in too


def test_return_and_unapprove_need_a_reason(tmp_path):
    ws = people(tmp_path / "ws")
    meili(ws, "periods", "open", "2024")
    r = meili(ws, "submissions", "return", "2024", UNIT, user="rev")
    assert r.exit_code == 2 and "--reason" in r.output
