"""The evaluation report on the demo workspace: the summary line counts the release's statuses, every number is the
release's value, the status words follow docs/reports.md."""

from __future__ import annotations

from collections import Counter

import pytest

from meili.report.documents import build_assessment, build_bulletin, build_evaluation, status_word, value_of
from meili.report.documents.config import read_config
from meili.report.model import Paragraph, Table


@pytest.fixture(scope="module")
def report(demo_app):
    return build_evaluation(demo_app, year=2024, kind="midterm")


def _statuses(app, year=2024, milestone=2025):
    rows = app.release().table("evaluations").to_pylist()
    return [r for r in rows if r["region"] == "360700" and r["year"] == year and r["milestone"] == milestone]


def test_summary_line_counts_the_release_statuses(report, demo_app):
    line = report.blocks[2]
    assert isinstance(line, Paragraph)
    counts = {}
    runs = line.runs
    for i, r in enumerate(runs):
        if hasattr(r, "value") and i + 1 < len(runs) and isinstance(runs[i + 1], str):
            counts[runs[i + 1].lstrip("项")] = r.value
    rows = _statuses(demo_app)
    status = Counter(r["status"] for r in rows)
    assert "".join(map(str, runs)).startswith(f"{len(rows)}项指标中")
    level = [r for r in rows if r["status"] == "achieved" and r["target_kind"] != "trend"]
    trend = [r for r in rows if r["status"] == "achieved" and r["target_kind"] == "trend"]
    ahead = [r for r in rows if r["status"] == "on_track" and r["progress"] - r["expected_progress"] >= 0.1 - 1e-12]
    assert counts["提前实现"] == len(level) == 13
    assert counts["快于预期"] == len(ahead)
    assert counts["基本符合预期"] == status["on_track"] - len(ahead) + len(trend)
    assert counts["相对滞后"] == status["lagging"]
    assert counts["可能难以实现"] == status["regressing"]
    assert counts["目标待下达"] == status["target_pending"]
    # and the category summary of the release agrees
    summary = [r for r in demo_app.release().table("summary").to_pylist() if r["year"] == 2024 and r["milestone"] == 2025]
    assert sum(r["achieved"] for r in summary) == len(level) + len(trend) == 18


def test_every_number_is_the_release_value(report, demo_app):
    release = demo_app.release(report.release)
    numbers = report.numbers()
    assert len(numbers) > 100
    for n in numbers:
        if n.ref is not None:
            assert value_of(release, n.ref) == n.value, n
        else:
            assert n.inputs or n.text == "—", n
            for ref in n.inputs:
                value_of(release, ref)


def test_tables_by_domain_with_the_issue_header(report):
    tables = [b for b in report.blocks if isinstance(b, Table)]
    assert tables[0].header == ["序号", "领域", "指标", "单位", "2020年基期值", "2025年目标值", "2035年目标值",
                                "现状值（年份）", "序时进度要求", "完成进度", "评估结论", "数据来源/备注"]
    rows = {r[0]: r for t in tables[:-1] for r in t.rows}
    assert len(rows) == 56
    # 16.1 中心城区 PM2.5: 30.3 → 20.42 against 25.5 (lower is better), achieved in 2024 before 2025
    assert rows["16.1"][10].endswith("提前实现")
    assert str(rows["16.1"][8]) == "80.0%"  # (2024 − 2020)/(2025 − 2020)
    assert rows["5"][10] == "目标待下达"
    counties = tables[-1]
    assert counties.header[0] == "名次" and len(counties.rows) == 18


def test_status_words():
    cfg = read_config("evaluation")
    base = {"year": 2024, "milestone": 2025, "target_kind": "bound", "progress": 0.85, "expected_progress": 0.8}
    assert status_word({**base, "status": "achieved"}, cfg) == "提前实现"
    assert status_word({**base, "status": "achieved", "year": 2025}, cfg) == "已实现"
    assert status_word({**base, "status": "achieved"}, cfg, kind="final") == "已实现"
    assert status_word({**base, "status": "achieved", "target_kind": "trend"}, cfg) == "基本符合预期"
    assert status_word({**base, "status": "on_track"}, cfg) == "基本符合预期"      # 0.85 − 0.8 < 0.1
    assert status_word({**base, "status": "on_track", "progress": 0.9}, cfg) == "快于预期"  # margin reached
    assert status_word({**base, "status": "lagging"}, cfg, provisional=True) == "预计相对滞后"
    assert status_word({**base, "status": "regressing"}, cfg) == "可能难以实现"
    assert status_word({**base, "status": "target_pending"}, cfg, provisional=True) == "目标待下达"


def test_slots_and_judgements(demo_app, tmp_path):
    from meili.errors import InputError

    f = tmp_path / "slots.yaml"
    f.write_text("slots:\n  tasks: 推进情况正文。\njudgements:\n  '15.2': 进展顺利\n", encoding="utf-8")
    doc = build_evaluation(demo_app, year=2024, slots=f)
    slots = {b.name: b.text for b in doc.blocks if hasattr(b, "name") and hasattr(b, "title")}
    assert slots["tasks"] == "推进情况正文。" and slots["problems"] is None
    row = next(r for b in doc.blocks if isinstance(b, Table) for r in b.rows if r[0] == "15.2")
    assert row[10] == "进展顺利" and "人工判定" in row[11]
    f.write_text("judgements:\n  '16.1': 进展顺利\n", encoding="utf-8")  # not a qualitative measure
    with pytest.raises(InputError, match=r"16\.1"):
        build_evaluation(demo_app, year=2024, slots=f)


def test_bulletin_and_assessment(demo_app):
    bulletin = build_bulletin(demo_app, year=2024, charts=False)
    release = demo_app.release()
    for n in bulletin.numbers():
        if n.ref is not None:
            assert value_of(release, n.ref) == n.value
    cwqi = next(b for b in bulletin.blocks if isinstance(b, Table) and "CWQI" in b.caption)
    assert [str(r[0]) for r in cwqi.rows[:3]] == ["1（并列）", "1（并列）", "3"]  # 3.15, 3.15, 3.17
    appendix = bulletin.blocks[-1]
    assert {r[1] for r in appendix.rows} >= {"GB 3095-2012", "GB 3838-2002", "环办监测〔2017〕51号"}
    assert "GB 3095-2026" not in {r[1] for r in appendix.rows}
    assessment = build_assessment(demo_app, year=2024)
    table = next(b for b in assessment.blocks if isinstance(b, Table))
    assert table.header == ["名次", "县（市、区）", "综合得分", "等次", "名次变化"] and len(table.rows) == 18
    for row in table.rows:
        grade = read_config("assessment").grade(row[2].value)
        assert row[3] == grade
