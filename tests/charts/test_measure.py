"""A measure's chart: every target kind of the plans drawn and said; points, baseline, projection."""

from __future__ import annotations

import pytest

from meili.charts import measure_chart, render
from meili.plan import Direction, load_plan, parse_target

POINTS = [
    {"year": 2020, "value": 9.95, "baseline": True},
    {"year": 2021, "value": 10.0},
    {"year": 2022, "value": 10.2, "provisional": True},
]


def _svg(targets, lang="zh", **kw):
    chart = measure_chart(POINTS, targets, unit="%", title="2 自然保护地面积占国土面积比例", lang=lang, **kw)
    return chart, render.svg(chart)


@pytest.mark.parametrize(("target", "zh", "en"), [
    ({"year": 2025, "kind": "bound", "op": ">=", "value": 10}, "2025目标 ≥ 10", "2025 target ≥ 10"),
    ({"year": 2025, "kind": "range", "low": 3, "high": 5}, "2025目标 3–5", "2025 target 3–5"),
    ({"year": 2025, "kind": "cumulative", "op": ">=", "value": 18}, "2025目标 累计 ≥ 18",
     "2025 target: cumulative ≥ 18"),
    ({"year": 2035, "kind": "trend", "trend": "保持稳定"}, "2035目标：保持稳定", "2035 target: 保持稳定 (remain stable)"),
    ({"year": 2035, "kind": "qualitative", "state": "优"}, "2035目标：优", "2035 target: 优"),
    ({"year": 2025, "kind": "delegated", "assigned_by": "province"}, "2025目标 待下达（按省下达）",
     "2025 target pending (assigned by the province)"),
    ({"year": 2025, "kind": "delegated", "assigned_by": "province", "op": "<=", "value": 95,
      "document": "赣水发〔2022〕5号"}, "2025目标 ≤ 95（省下达：赣水发〔2022〕5号）",
     "2025 target ≤ 95 (assigned by the province: 赣水发〔2022〕5号)"),
])
def test_each_target_kind_is_drawn_with_its_words(target, zh, en):
    chart, svg = _svg([target])
    assert f">{zh}</text>" in svg
    assert zh in chart.alt
    assert {"year": target["year"], "kind": "目标", "note": zh} == {
        k: v for k, v in chart.table[-1].items() if k != "value"}
    _, svg_en = _svg([target], lang="en")
    assert f">{en}</text>" in svg_en


def test_a_band_is_drawn_from_low_to_high():
    chart, _ = _svg([{"year": 2025, "kind": "range", "low": 3, "high": 5}])
    band = [layer for layer in chart.spec.to_dict()["layer"] if layer["mark"].get("type") == "rect"]
    assert band[0]["data"]["values"][0] == {"year": 2025, "x0": 2024.65, "x1": 2025.35, "v": 3.0, "v2": 5.0,
                                                  "label": "2025目标 3–5"}


def test_targets_straight_from_the_plan():
    """The real plan's targets (pydantic models) as ``{year: Target}``: measure 2 (≥10, 保持稳定), 5 (按省下达目标)."""
    plan = load_plan("ganzhou")
    _, svg = _svg(plan.measure("2").targets)
    assert ">2025目标 ≥ 10</text>" in svg and ">2035目标：保持稳定</text>" in svg
    _, svg = _svg(plan.measure("5").targets)
    assert svg.count("待下达（按省下达）</text>") == 2  # 2025 and 2035
    nation = parse_target("不低于国家下发数据", Direction.HIGHER)
    _, svg = _svg({2025: nation})
    assert ">2025目标 待下达（按国家下达）</text>" in svg


def test_points_baseline_provisional_and_projection():
    chart, svg = _svg([{"year": 2025, "kind": "bound", "op": ">=", "value": 10}],
                      projection={"year": 2025, "value": 10.6})
    for word in ("观测值", "预计值", "基期值", "预测 10.6"):
        assert word in svg
    assert chart.alt == ("折线图：2 自然保护地面积占国土面积比例，2020—2022年由 9.95 % 变为 10.2 %（2022年为预计值）；"
                         "2025目标 ≥ 10；按趋势预测 2025年为 10.6 %。")
    assert [(r["year"], r["value"], r["kind"]) for r in chart.table] == [
        (2020, 9.95, "基期值"), (2021, 10.0, "观测值"), (2022, 10.2, "预计值"), (2025, 10.6, "预测"),
        (2025, 10.0, "目标")]
    # the provisional point is hollow: white fill, blue outline
    points = next(layer for layer in chart.spec.to_dict()["layer"] if layer["mark"].get("type") == "point")
    fill = points["encoding"]["fill"]["scale"]
    assert dict(zip(fill["domain"], fill["range"], strict=True))["预计值"] == "white"


def test_unknown_kind_is_refused():
    with pytest.raises(ValueError, match="kind among"):
        measure_chart(POINTS, [{"year": 2025, "kind": "wish"}], lang="zh")
