"""The Ganzhou plan file against the seed's 附表, cell by cell (the source of truth: ../shared/seeds)."""

from __future__ import annotations

import csv
import io

import pytest
from typer.testing import CliRunner

from meili.cli import app
from meili.plan import load_plan
from tests.conftest import SHARED

SEED = SHARED / "seeds" / "000_80dc1c19d9ecd5f7.txt"


def seed_table_rows() -> list[list[str]]:
    """The 附表's data rows: every non-empty line after the header row (序号 类别 指标 …), as tab-separated cells."""
    lines = SEED.read_text(encoding="utf-8").splitlines()
    start = max(i for i, line in enumerate(lines) if line.startswith("序号\t类别\t指标"))
    return [line.rstrip("\t").split("\t") for line in lines[start + 1:] if line.strip()]


@pytest.fixture
def seed_rows():
    if not SEED.exists():
        pytest.skip("../shared/seeds is absent")
    return seed_table_rows()


@pytest.fixture
def exported() -> list[dict]:
    result = CliRunner().invoke(app, ["plan", "export", "ganzhou", "--format", "csv"])
    assert result.exit_code == 0, result.output
    return list(csv.DictReader(io.StringIO(result.stdout)))


def test_export_has_56_rows_in_table_order(exported):
    assert len(exported) == 56
    assert [r["id"] for r in exported][:12] == ["1", "2", "3", "4", "5", "6", "7", "8", "9.1", "9.2", "9.3", "9.4"]
    assert exported[-1]["id"] == "38"
    ids = {r["id"]: r for r in exported}
    assert ids["9.3"]["measure"] == "低碳/零碳社区"
    assert ids["17.2"]["measure"] == "空气质量优良天数比率" and ids["17.2"]["scope"] == "县级及以上城市"
    required = "id,no,category,indicator,measure,unit,direction,scope,baseline_year,baseline_value,baseline_text,target_2025_text,target_2035_text"
    assert set(required.split(",")) <= set(exported[0])


def test_export_texts_match_the_seed_cell_by_cell(seed_rows, exported):
    assert len(seed_rows) == 56
    for seed, row in zip(seed_rows, exported, strict=True):
        baseline, t2025, t2035 = seed[-3:]
        assert (row["baseline_text"], row["target_2025_text"], row["target_2035_text"]) == (baseline, t2025, t2035), row["id"]
        if seed[0].strip().isdigit():  # a numbered row starts a new indicator
            assert seed[0] == row["no"], row["id"]


def test_names_match_the_seed_after_recorded_corrections(seed_rows):
    plan = load_plan("ganzhou")
    for seed, m in zip(seed_rows, plan.measures, strict=True):
        ind = next(i for i in plan.indicators if i.no == m.no)
        starts_indicator = seed[0].strip().isdigit()
        text = "\t".join(seed)
        for c in [*(ind.corrections if starts_indicator else []), *m.corrections]:
            assert c.seed in text, (m.id, c.seed)
            text = text.replace(c.seed, c.corrected)
        if starts_indicator:
            assert m.indicator in text, (m.id, m.indicator, text)
        if m.name != m.indicator:
            assert m.name in text, (m.id, m.name, text)
        if m.scope and m.scope != "省考监测断面":  # 19.1's scope is part of its name in the table
            assert m.scope in text, (m.id, m.scope)


def test_corrections_recorded_for_known_glitches():
    plan = load_plan("ganzhou")
    assert plan.measure("15.2").name == "外来物种入侵"
    assert plan.measure("28").name == "农村生活垃圾无害化处理村占比"
    fixes = {c.seed: c.corrected for m in plan.measures for c in m.corrections}
    fixes |= {c.seed: c.corrected for i in plan.indicators for c in i.corrections}
    assert fixes["外来物种★侵"] == "外来物种入侵"


def test_categories_follow_the_table():
    plan = load_plan("ganzhou")
    by_no = {m.no: m.category for m in plan.measures}
    expected = {"space": (1, 2), "green_low_carbon": (3, 9), "ecology": (10, 15), "environment": (16, 21),
                "health_safety": (22, 26), "living": (27, 30), "culture": (31, 34), "reform": (35, 38)}
    for cat, (lo, hi) in expected.items():
        assert all(by_no[n] == cat for n in range(lo, hi + 1)), cat


def test_starred_baselines_are_2021():
    plan = load_plan("ganzhou")
    starred = {m.id for m in plan.measures if m.baseline.year == 2021}
    assert starred == {"25", "28", "30", "33", "34"}
    assert plan.measure("25").baseline.value == 92.2


def test_jiangxi_is_the_parent_with_eight_models():
    jx, gz = load_plan("jiangxi"), load_plan("ganzhou")
    assert gz.parent == jx.id and jx.level == "province" and jx.milestones == [2025, 2030, 2035]
    assert len(jx.categories) == 8 and all(c.name.endswith("样板") and c.goals for c in jx.categories)
    assert jx.goals[2030].startswith("到2030年")
