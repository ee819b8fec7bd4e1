"""Plausible ranges in the plan data (issue 15 #19, #20): validated with the plan, refused at import (hard limits),
followed by the template's data validation; ranges come from the measure's meaning, not from its unit."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pytest
import yaml

from meili.ingest.observations import validate
from meili.ingest.templates import FIELDS, write_template
from meili.plan import PlanError, builtin_plans, load_plan, read_plan_file
from meili.plan.model import PERCENT_SHARE, Plausible


def _variant(tmp_path: Path, mid: str, **fields) -> Path:
    data = yaml.safe_load(builtin_plans()["ganzhou"].read_text(encoding="utf-8"))
    m = next(m for ind in data["indicators"] for m in ind["measures"] if m["id"] == mid)
    m.update(fields)
    path = tmp_path / "plan.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def _cells(*rows: tuple[str, str, str]) -> pa.Table:
    """Report cells (region, measure, value) for ganzhou 2022, as an import reads them."""
    n = len(rows)
    data = {f: [None] * n for f in FIELDS}
    data.update(plan=["ganzhou"] * n, region=[r[0] for r in rows], measure=[r[1] for r in rows], year=["2022"] * n,
                value=[r[2] for r in rows], source=["县统计局"] * n)
    return pa.table({f: pa.array(data[f], pa.string()) for f in FIELDS} | {
        "_file": pa.array(["r.csv"] * n), "_file_no": pa.array([0] * n, pa.int32()),
        "_sheet": pa.nulls(n, pa.string()), "_row": pa.array(range(2, n + 2), pa.int64()),
        "_template": pa.array([False] * n)})


def _issues(*rows):
    _, issues, _total, counts, _ = validate(_cells(*rows))
    return [(i.row, i.kind, i.value) for i in issues], counts


def test_ganzhou_ranges_come_from_each_measures_meaning():
    plan = load_plan("ganzhou")
    ranges = {m.id: m.plausible_range for m in plan.measures}
    assert ranges["17.2"].hard == (0, 100) and ranges["17.2"].soft == (50, 100)  # a share in %
    assert ranges["6"].hard == (-100, 100)  # a % *change*: CO2 intensity may rise
    assert ranges["16.1"].hard == (0, 1000) and ranges["16.1"].soft == (0, 150)  # PM2.5 μg/m³
    assert ranges["9.1"].hard == (0, None)  # a count: never negative, no upper limit
    assert ranges["8"].hard == (0, 100)  # 亿吨: China's whole forest holds ~92 亿吨 of carbon
    # every numeric measure states its range; the qualitative ones (states) have none
    assert sorted(m.id for m in plan.measures if m.plausible is None) == ["15.2", "24", "35", "36"]
    assert all(ranges[mid] is None for mid in ("15.2", "24", "35", "36"))


def test_defect_19_negative_change_of_a_reduction_measure_is_accepted():
    # measure 6 (单位GDP二氧化碳排放降低, %): the intensity rose by 1.5 % → −1.5, a value, not "percentage outside 0–100"
    issues, _ = _issues(("360700", "6", "-1.5"), ("360722", "6", "-150"))
    assert issues == [(3, "implausible_value", "-150")]
    # a share in % still lies in 0–100, reported as before
    assert _issues(("360700", "17.2", "101"))[0] == [(2, "percent_out_of_range", "101")]


def test_defect_20_implausible_values_are_refused_at_import():
    issues, counts = _issues(
        ("360722", "9.1", "-3"),          # a negative count of green factories
        ("central_urban", "16.1", "2500"),  # PM2.5 2500 μg/m³ as an annual mean
        ("360700", "8", "1e9"),           # 1e9 亿吨 of forest carbon
        ("360722", "16.2", "35"),         # plausible: accepted
        ("360723", "9.1", "12"),          # plausible: accepted
    )
    assert issues == [(2, "implausible_value", "-3"), (3, "implausible_value", "2500"), (4, "implausible_value", "1e9")]
    assert counts == {"implausible_value": 3}
    _, [issue], _, _, _ = validate(_cells(("central_urban", "16.1", "2500")))
    assert "0 到 1000" in issue.detail.zh and "from 0 to 1000 μg/m³" in issue.detail.en


def test_defect_20_ranges_are_validated_with_the_plan(tmp_path):
    for fields, words in [
        ({"plausible": {"hard": [100, 0]}}, "min 100 > max 0"),
        ({"plausible": {"hard": [0, 100], "soft": [-5, 50]}}, "outside hard"),
        ({"plausible": {"hard": [0, 20]}}, "baseline 30.3"),  # 3's own baseline lies outside
        ({"plausible": {"hard": [0, 100], "low": 3}}, "low"),
    ]:
        with pytest.raises(PlanError) as e:
            read_plan_file(_variant(tmp_path, "3", **fields))
        [p] = e.value.problems
        assert p.measure == "3" and p.field.startswith("plausible") and words in p.render("en"), p.render("en")
    with pytest.raises(PlanError) as e:  # a qualitative measure takes states, not numbers
        read_plan_file(_variant(tmp_path, "35", plausible={"hard": [0, 1]}))
    assert e.value.problems[0].field == "plausible"


def test_defect_20_a_percent_measure_without_a_range_is_a_share():
    plan = read_plan_file(builtin_plans()["ganzhou"])
    assert PERCENT_SHARE.hard == (0, 100)
    m = plan.measure("17.2").model_copy(update={"plausible": None})
    assert m.plausible_range == PERCENT_SHARE
    assert Plausible(hard=(0, None), soft=(0, 150)).warns(151) and not Plausible(hard=(0, None)).refuses(1e9)


def test_defect_19_template_number_validation_follows_the_range(tmp_path):
    import openpyxl

    path = tmp_path / "t.xlsx"
    write_template(path, load_plan("ganzhou"), 2023, regions=["360700"])
    sheet = openpyxl.load_workbook(path).worksheets[1]
    rows = {sheet.cell(r, 4).value: r for r in range(2, sheet.max_row + 1)}
    rules = {}
    for dv in sheet.data_validations.dataValidation:
        for rng in dv.sqref.ranges:
            if rng.min_col != 11:  # column K: the value
                continue
            for r in range(rng.min_row, rng.max_row + 1):
                rules[r] = (dv.type, dv.formula1, dv.formula2)
    assert rules[rows["6"]] == ("decimal", "-100", "100")  # a change may be negative
    assert rules[rows["17.2"]] == ("decimal", "0", "100")
    assert rules[rows["9.1"]] == ("decimal", "0", "1000000000000")
    assert rules[rows["8"]] == ("decimal", "0", "100")
