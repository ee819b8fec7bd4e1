"""The workflow through :class:`meili.app.workflow.Workflow`: periods, submissions and what each state locks (in
the store), versions, entry through the import's validation, checks stored with their explanations, queries,
approval into the observations in one transaction, publishing and revising, completeness, the audit rows."""

from __future__ import annotations

from datetime import date

import pytest

from meili.app.policy import Forbidden
from meili.app.workflow import CheckFailed
from meili.errors import InputError
from meili.store import audit
from meili.store import workflow as wf_store
from meili.store.workflow import ConflictError, LockedError
from tests.helpers.workflow import (
    CLOSES,
    PUBLISHER,
    REVIEWER,
    YEAR,
    approved,
    full_rows,
    lead,
    reporter,
    workspace,
)

UNIT = "360722"  # 信丰县


@pytest.fixture
def app(tmp_path):
    return workspace(tmp_path)


def audit_rows(app):
    with app.workspace.store.reading() as con:
        return audit.read(con)


def verified(app):
    with app.workspace.store.reading() as con:
        return audit.verify(con)


# --- periods -----------------------------------------------------------------------------------------------
def test_a_period_moves_open_closed_finalized_published_and_refuses_skipping(app):
    wf = app.workflow
    assert wf.period(YEAR)["state"] == "open" and wf.period(YEAR)["closes"] == CLOSES
    with pytest.raises(Forbidden):  # the policy: finalize needs a closed period
        wf.finalize_period(PUBLISHER, YEAR)
    wf.close_period(PUBLISHER, YEAR)
    wf.finalize_period(PUBLISHER, YEAR)
    info = wf.publish_period(PUBLISHER, YEAR)
    assert wf.period(YEAR)["state"] == "published" and wf.period(YEAR)["release"] == info.number == 1
    assert [(r["action"], r["result"]) for r in audit_rows(app)] == [
        ("open_period", "ok"), ("finalize_period", "refused"), ("close_period", "ok"), ("finalize_period", "ok"),
        ("publish", "ok")]
    assert verified(app).ok


def test_the_store_refuses_a_period_move_its_state_does_not_allow(app):
    with app.workspace.store.writing() as con:
        with pytest.raises(LockedError):
            wf_store.move_period(con, YEAR, "publish", actor="x", time=None, release=1)


# --- entry and versions ----------------------------------------------------------------------------------
def test_save_returns_the_next_version_and_a_stale_version_is_a_conflict(app):
    wf = app.workflow
    first = wf.save_values(reporter(UNIT), YEAR, UNIT, [(UNIT, "12", 70.0)], expected_version=0)
    assert first.version == 1
    with pytest.raises(ConflictError) as e:  # a second form loaded at version 0
        wf.save_values(reporter(UNIT), YEAR, UNIT, [(UNIT, "12", 71.0)], expected_version=0)
    assert e.value.kind == "version_conflict"
    assert wf.values(YEAR, UNIT)[0]["value"] == 70.0


def test_entry_goes_through_the_imports_validation(app):
    wf = app.workflow
    with pytest.raises(CheckFailed) as e:
        wf.save_values(reporter(UNIT), YEAR, UNIT, [(UNIT, "12", 170.0), (UNIT, "13", "abc"),
                                                    (UNIT, "15.2", "很严重")], expected_version=0)
    assert {f.rule for f in e.value.findings} == {"percent_out_of_range", "non_numeric", "state_not_in_vocabulary"}
    assert wf.values(YEAR, UNIT) == [] and wf.submission(YEAR, UNIT)["version"] == 0  # nothing saved
    stored = wf.check_results(YEAR, UNIT)  # … but the findings are kept
    assert {r["rule"] for r in stored} == {"percent_out_of_range", "non_numeric", "state_not_in_vocabulary"}
    assert audit_rows(app)[-1]["result"] == "failed"
    ok = wf.save_values(reporter(UNIT), YEAR, UNIT, [(UNIT, "15.2", "不明显"), (UNIT, "12", "70.5%")],
                        expected_version=0)
    assert ok.version == 1
    assert {(v["measure"], v["value"], v["state"]) for v in wf.values(YEAR, UNIT)} == {("12", 70.5, None),
                                                                                     ("15.2", None, "不明显")}


def test_a_unit_saves_only_its_own_cells(app):
    wf = app.workflow
    with pytest.raises(InputError) as e:  # forest cover is the Forestry Bureau's (ownership.yaml)
        wf.save_values(reporter(UNIT), YEAR, UNIT, [(UNIT, "11.1", 78.0)], expected_version=0)
    assert e.value.problems[0].kind == "not_unit_cell"
    with pytest.raises(Forbidden):  # and only its own unit
        wf.save_values(reporter("360723"), YEAR, UNIT, [(UNIT, "12", 70.0)], expected_version=0)
    assert audit_rows(app)[-1]["result"] == "refused"


def test_values_are_locked_once_submitted_in_the_store_itself(app):
    wf = app.workflow
    wf.save_values(reporter(UNIT), YEAR, UNIT, full_rows(app, UNIT), expected_version=0)
    wf.submit(lead(UNIT), YEAR, UNIT)
    with app.workspace.store.writing() as con:  # below the policy: the store function refuses
        with pytest.raises(LockedError):
            wf_store.write_values(con, YEAR, UNIT, [{"region": UNIT, "measure": "12", "value": 1.0}],
                                  expected_version=None, actor="x", time=None)
    wf.withdraw(lead(UNIT), YEAR, UNIT)  # back to draft: editable again
    assert wf.save_values(reporter(UNIT), YEAR, UNIT, [(UNIT, "12", 66.0)],
                          expected_version=wf.submission(YEAR, UNIT)["version"]).version > 0


def test_a_closed_period_locks_entry_in_the_store(app):
    wf = app.workflow
    wf.save_values(reporter(UNIT), YEAR, UNIT, [(UNIT, "12", 70.0)], expected_version=0)
    wf.close_period(PUBLISHER, YEAR)
    with app.workspace.store.writing() as con:
        with pytest.raises(LockedError):
            wf_store.write_values(con, YEAR, UNIT, [{"region": UNIT, "measure": "12", "value": 1.0}],
                                  expected_version=None, actor="x", time=None)


# --- checks on submit ------------------------------------------------------------------------------------
def test_submit_needs_every_cell_and_an_explanation_for_soft_findings(app):
    wf = app.workflow
    rows = full_rows(app, UNIT)
    wf.save_values(reporter(UNIT), YEAR, UNIT, rows[:-1], expected_version=0)
    with pytest.raises(CheckFailed) as e:
        wf.submit(lead(UNIT), YEAR, UNIT)
    assert [f.rule for f in e.value.findings if f.blocking] == ["missing_cell"]
    region, measure, _ = rows[-1]
    # missing with a stock phrase as its reason: still refused; with a real reason: accepted
    wf.save_values(reporter(UNIT), YEAR, UNIT, [{"region": region, "measure": measure, "missing_reason": "无"}],
                   expected_version=wf.submission(YEAR, UNIT)["version"])
    with pytest.raises(CheckFailed) as e:
        wf.submit(lead(UNIT), YEAR, UNIT)
    assert [f.rule for f in e.value.findings if f.blocking] == ["missing_reason"]
    wf.save_values(reporter(UNIT), YEAR, UNIT, [{"region": region, "measure": measure,
                                                 "missing_reason": "该县尚未建立此项统计，2025 年起报送"}],
                   expected_version=wf.submission(YEAR, UNIT)["version"])
    # a soft finding (22.2 below 90) explained with a stock phrase, then with a real explanation
    v = wf.submission(YEAR, UNIT)["version"]
    found = wf.save_values(reporter(UNIT), YEAR, UNIT, [(UNIT, "22.2", 85.0, None, "已核实")], expected_version=v)
    assert [(f.rule, f.accepted) for f in found.findings] == [("soft_range", False)]
    with pytest.raises(CheckFailed):
        wf.submit(lead(UNIT), YEAR, UNIT)
    wf.save_values(reporter(UNIT), YEAR, UNIT, [(UNIT, "22.2", 85.0, None, "县城第二水厂水源地 4 月受藻类影响超标两次")],
                   expected_version=v + 1)
    assert wf.submit(lead(UNIT), YEAR, UNIT)["state"] == "submitted"
    kept = [r for r in wf.check_results(YEAR, UNIT) if r["rule"] == "soft_range" and r["stage"] == "submit"]
    assert kept[-1]["explanation"].startswith("县城第二水厂") and kept[-1]["accepted"]


def test_a_fifty_percent_jump_from_last_years_observation_needs_a_word(app, tmp_path):
    wf = app.workflow
    last_year = tmp_path / "2023.csv"
    last_year.write_text(f"plan,region,measure,year,value,source\nganzhou,{UNIT},29,2023,20,住建局\n",
                         encoding="utf-8")
    app.import_files([last_year])
    found = wf.save_values(reporter(UNIT), YEAR, UNIT, [(UNIT, "29", 30.0)], expected_version=0)
    assert [(f.rule, f.value) for f in found.findings] == [("yoy_change", "30")]
    assert "+50.0%" in found.findings[0].detail.zh


# --- review ----------------------------------------------------------------------------------------------
def test_approval_writes_the_observations_in_its_transaction_and_never_by_the_submitter(app):
    wf = app.workflow
    wf.save_values(reporter(UNIT), YEAR, UNIT, full_rows(app, UNIT), expected_version=0)
    wf.submit(lead(UNIT), YEAR, UNIT)
    with app.workspace.store.writing() as con:  # the store refuses an approver who submitted
        with pytest.raises(LockedError):
            wf_store.set_submission_state(con, YEAR, UNIT, "approved", actor=lead(UNIT).name, time=None)
    with pytest.raises(Forbidden):  # and the policy refuses the unit's own people
        wf.approve(lead(UNIT), YEAR, UNIT)
    result = wf.approve(REVIEWER, YEAR, UNIT)
    sub = wf.submission(YEAR, UNIT)
    assert sub["state"] == "approved" and sub["approved_by"] == "rev" and sub["import_id"] == result.import_id
    imports = app.imports().to_pylist()
    assert imports[-1]["producer"] == f"submission {YEAR} {UNIT}" and imports[-1]["actor"] == "rev"
    current = app.current(region=UNIT, year=YEAR)
    assert current.num_rows == len(full_rows(app, UNIT)) == result.new
    last = audit_rows(app)[-1]
    assert last["action"] == "approve" and last["rows"] is not None and verified(app).ok


def test_open_queries_block_approval_until_closed(app):
    wf = app.workflow
    wf.save_values(reporter(UNIT), YEAR, UNIT, full_rows(app, UNIT), expected_version=0)
    wf.submit(lead(UNIT), YEAR, UNIT)
    q = wf.raise_query(REVIEWER, YEAR, UNIT, UNIT, "12", "湿地保护率比上年高出许多，请说明")
    with pytest.raises(CheckFailed) as e:
        wf.approve(REVIEWER, YEAR, UNIT)
    assert any(p.kind == "open_queries" for p in e.value.problems)
    assert wf.answer_query(reporter(UNIT), q["id"], "新增省级湿地公园一处，见附件")["state"] == "answered"
    assert wf.close_query(REVIEWER, q["id"])["state"] == "closed"
    assert wf.approve(REVIEWER, YEAR, UNIT).new > 0


def test_return_needs_a_reason_and_the_unit_corrects_and_resubmits(app):
    wf = app.workflow
    wf.save_values(reporter(UNIT), YEAR, UNIT, full_rows(app, UNIT), expected_version=0)
    wf.submit(lead(UNIT), YEAR, UNIT)
    with pytest.raises(Exception):  # noqa: B017 — a stock phrase is no reason
        wf.return_submission(REVIEWER, YEAR, UNIT, "不对")
    back = wf.return_submission(REVIEWER, YEAR, UNIT, "12 湿地保护率与林业局数据不一致，请核对")
    assert back["state"] == "returned" and back["reason"].startswith("12 湿地")
    wf.save_values(reporter(UNIT), YEAR, UNIT, [(UNIT, "12", 66.0)], expected_version=back["version"])
    assert wf.submit(lead(UNIT), YEAR, UNIT)["state"] == "submitted"


def test_a_plain_import_cannot_change_an_approved_or_finalized_value(app, tmp_path):
    approved(app, UNIT)
    sneaky = tmp_path / "sneaky.csv"
    sneaky.write_text(f"plan,region,measure,year,value,source\nganzhou,{UNIT},12,{YEAR},1,someone\n", encoding="utf-8")
    with pytest.raises(LockedError):
        app.import_files([sneaky])
    other = tmp_path / "other.csv"  # another unit's cell, not submitted: a plain import still works …
    other.write_text(f"plan,region,measure,year,value,source\nganzhou,360723,12,{YEAR},60,大余县\n", encoding="utf-8")
    assert app.import_files([other]).new == 1
    app.workflow.close_period(PUBLISHER, YEAR)
    app.workflow.finalize_period(PUBLISHER, YEAR)
    other.write_text(f"plan,region,measure,year,value,source\nganzhou,360723,12,{YEAR},61,大余县\n", encoding="utf-8")
    with pytest.raises(LockedError):  # … until 定库
        app.import_files([other])


def test_unapproval_then_correction_makes_a_revision(app):
    wf = app.workflow
    approved(app, UNIT)
    with pytest.raises(Exception):  # noqa: B017 — a reason is required
        wf.unapprove(REVIEWER, YEAR, UNIT, "")
    sub = wf.unapprove(REVIEWER, YEAR, UNIT, "林业局更正了湿地面积")
    assert sub["state"] == "submitted" and sub["submitted_by"] == lead(UNIT).name
    wf.return_submission(REVIEWER, YEAR, UNIT, "请按林业局更正后的湿地面积重新填报")
    wf.save_values(reporter(UNIT), YEAR, UNIT, [(UNIT, "12", 66.6)], expected_version=wf.submission(YEAR, UNIT)["version"])
    wf.submit(lead(UNIT), YEAR, UNIT)
    assert wf.approve(REVIEWER, YEAR, UNIT).revised == 1
    history = app.history(region=UNIT, measure="12", year=YEAR).to_pylist()
    assert [r["revision"] for r in history] == [1, 2] and history[-1]["value"] == 66.6


def test_finalize_waits_for_review_and_publishing_again_after_a_revision_is_release_two(app):
    wf = app.workflow
    wf.save_values(reporter(UNIT), YEAR, UNIT, full_rows(app, UNIT), expected_version=0)
    wf.submit(lead(UNIT), YEAR, UNIT)
    wf.close_period(PUBLISHER, YEAR)
    with pytest.raises(LockedError):  # a submission awaits review
        wf.finalize_period(PUBLISHER, YEAR)
    wf.approve(REVIEWER, YEAR, UNIT)
    wf.finalize_period(PUBLISHER, YEAR)
    assert wf.publish_period(PUBLISHER, YEAR).number == 1
    with pytest.raises(Exception):  # noqa: B017 — a revision needs a reason
        wf.revise_period(PUBLISHER, YEAR, " ")
    assert wf.revise_period(PUBLISHER, YEAR, "林业局更正湿地面积")["revision"] == 1
    wf.unapprove(REVIEWER, YEAR, UNIT, "林业局更正湿地面积")
    wf.return_submission(REVIEWER, YEAR, UNIT, "请按更正后的湿地面积重新填报")
    wf.save_values(reporter(UNIT), YEAR, UNIT, [(UNIT, "12", 61.0)], expected_version=wf.submission(YEAR, UNIT)["version"])
    wf.submit(lead(UNIT), YEAR, UNIT)
    wf.approve(REVIEWER, YEAR, UNIT)
    wf.close_period(PUBLISHER, YEAR)
    wf.finalize_period(PUBLISHER, YEAR)
    assert wf.publish_period(PUBLISHER, YEAR).number == 2
    assert [(r["revision"], r["release"]) for r in wf.period_releases(YEAR)] == [(0, 1), (1, 2)]
    one, two = (app.release(n).table("observations") for n in (1, 2))
    def wetland(t):
        return [r["value"] for r in t.to_pylist() if r["region"] == UNIT and r["measure"] == "12"]

    assert wetland(one) != [61.0] and wetland(two) == [61.0]  # release 1 kept as it was
    assert verified(app).ok


def test_a_failed_publish_leaves_the_period_finalized(app, monkeypatch):
    wf = app.workflow
    wf.close_period(PUBLISHER, YEAR)
    wf.finalize_period(PUBLISHER, YEAR)
    from meili.app import releases

    monkeypatch.setattr(releases, "build_release", lambda *a, **k: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        wf.publish_period(PUBLISHER, YEAR)
    assert wf.period(YEAR)["state"] == "finalized" and app.releases() == []


# --- template upload ---------------------------------------------------------------------------------------
def test_a_filled_template_is_saved_through_the_same_path(app, tmp_path):
    from openpyxl import load_workbook

    book = tmp_path / "t.xlsx"
    app.template(book, "ganzhou", YEAR, regions=[UNIT])
    wb = load_workbook(book)
    ws = wb["填报数据"]
    for row in ws.iter_rows(min_row=2):
        if row[3].value == "12":
            row[10].value, row[12].value = 71.5, "信丰县林业局"
        if row[3].value == "13":
            row[10].value = "abc"
    wb.save(book)
    with pytest.raises(CheckFailed) as e:
        app.workflow.save_template(reporter(UNIT), YEAR, UNIT, book)
    assert [f.rule for f in e.value.findings] == ["non_numeric"]
    for row in ws.iter_rows(min_row=2):
        if row[3].value == "13":
            row[10].value = 85
    wb.save(book)
    saved = app.workflow.save_template(reporter(UNIT), YEAR, UNIT, book)
    assert saved.version == 1
    assert {(v["measure"], v["value"]) for v in app.workflow.values(YEAR, UNIT)} == {("12", 71.5), ("13", 85.0)}


# --- completeness ------------------------------------------------------------------------------------------
def test_completeness_counts_cells_states_queries_and_days_left(app, tmp_path):
    wf = app.workflow
    rows = full_rows(app, UNIT)
    wf.save_values(reporter(UNIT), YEAR, UNIT, [*rows[:-2], {"region": rows[-1][0], "measure": rows[-1][1], "missing_reason": "该县尚未建立此项统计"}],
                   expected_version=0)
    table = wf.completeness(YEAR, today=date(2025, 3, 1))
    assert table.num_rows == len(wf.units()) >= 20
    mine = next(r for r in table.to_pylist() if r["unit"] == UNIT)
    assert mine == mine | {"state": "draft", "expected": len(rows), "entered": len(rows) - 2,
                           "missing_with_reason": 1, "empty": 1, "open_queries": 0, "days_left": 30}
    out = tmp_path / "status.xlsx"
    assert wf.write_completeness(REVIEWER, YEAR, out) == table.num_rows
    from openpyxl import load_workbook

    header = [c.value for c in next(load_workbook(out).active.iter_rows(max_row=1))]
    assert "单位 unit name" in header and "剩余天数 days left" in header


def test_the_workflow_tables_arrive_by_migration(tmp_path):
    """A store of schema 3 gains the workflow tables when first opened."""
    from meili.store import init_workspace

    ws = init_workspace(tmp_path)
    with ws.store.writing() as con:
        for t in (*wf_store.TABLES, "audit_log", "grants", "users"):
            con.execute(f"DROP TABLE {t}")
        con.execute("UPDATE meta SET value = '3' WHERE key = 'schema_version'")
    from meili.store.duckdb_connection import _registry

    _registry.clear()
    with ws.store.reading() as con:
        names = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
    assert set(wf_store.TABLES) <= names
