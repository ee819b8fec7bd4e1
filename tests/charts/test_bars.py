"""County bars and the status summary: order, ties, the table beside the chart."""

from __future__ import annotations

import pytest

from meili.charts import county_bars, render, status_bars

# In code-point order the names would run 南 U+5357, 瑞 U+745E, 章 U+7AE0, 赣 U+8D63 — neither order tested here.
ROWS = [
    {"adcode": "360781", "name": "瑞金市", "pm25": 24.0},
    {"adcode": "360704", "name": "赣县区", "pm25": 30.5},
    {"adcode": "360703", "name": "南康区", "pm25": 28.0},
    {"adcode": "360702", "name": "章贡区", "pm25": 30.5},
]


def _axis_order(chart) -> list[str]:
    spec = chart.spec.to_dict()
    return spec["layer"][0]["encoding"]["y"]["sort"]


def test_sorted_by_value_ties_by_adcode():
    chart = county_bars(ROWS, value="pm25", label="PM₂.₅", unit="μg/m³", title="t", lang="zh")
    # 30.5 twice: 360702 章贡区 before 360704 赣县区; then 28.0, 24.0
    assert [r["adcode"] for r in chart.table] == ["360702", "360704", "360703", "360781"]
    assert _axis_order(chart) == ["章贡区", "赣县区", "南康区", "瑞金市"]


def test_ascending_keeps_ties_by_adcode():
    chart = county_bars(ROWS, value="pm25", label="PM₂.₅", title="t", lang="zh", descending=False)
    assert [r["adcode"] for r in chart.table] == ["360781", "360703", "360702", "360704"]


def test_sorted_by_adcode():
    chart = county_bars(ROWS, value="pm25", label="PM₂.₅", title="t", lang="zh", sort="adcode")
    assert [r["adcode"] for r in chart.table] == ["360702", "360703", "360704", "360781"]
    assert _axis_order(chart) == ["章贡区", "南康区", "赣县区", "瑞金市"]


def test_table_holds_the_input_values_and_equal_values_draw_equal_bars():
    chart = county_bars(ROWS, value="pm25", label=("PM₂.₅ 年均浓度", "PM2.5 annual mean"), unit="μg/m³",
                        title="t", lang="en")
    assert {r["adcode"]: r["pm25"] for r in chart.table} == {r["adcode"]: r["pm25"] for r in ROWS}
    assert chart.columns == [("adcode", "code"), ("name", "region name"), ("pm25", "PM2.5 annual mean (μg/m³)")]
    bars = chart.spec.to_dict()["data"]["values"]
    assert [b["v"] for b in bars if b["adcode"] in ("360702", "360704")] == [30.5, 30.5]
    svg = render.svg(chart)
    assert svg.count(">30.5</text>") == 2  # the value at each bar's end
    assert "highest 章贡区 (30.5 μg/m³), lowest 瑞金市 (24 μg/m³)" in chart.alt


def test_missing_value_is_kept_and_said():
    rows = [*ROWS, {"adcode": "360783", "name": "龙南市", "pm25": None}]
    chart = county_bars(rows, value="pm25", label="PM₂.₅", title="t", lang="zh")
    assert chart.table[-1] == {"adcode": "360783", "name": "龙南市", "pm25": None}
    assert "无数据：龙南市" in chart.alt
    assert "无数据" in render.svg(chart)


def test_highlight_is_marked_by_a_sign_not_only_by_colour():
    chart = county_bars(ROWS, value="pm25", label="PM₂.₅", title="t", lang="zh", highlight="360703")
    assert "▶ 南康区" in _axis_order(chart)
    assert "▶ 南康区" in render.svg(chart)


def test_status_bars_fixed_order_words_in_legend_and_table():
    rows = [
        {"category": "美丽空间", "status": "lagging"},
        {"category": "美丽空间", "status": "achieved", "count": 3},
        {"category": "绿色低碳", "status": "target_pending", "count": 2},
        {"category": "绿色低碳", "status": "achieved"},
    ]
    chart = status_bars(rows, lang="zh")
    assert chart.columns == [("category", "类别"), ("achieved", "已达标"), ("lagging", "滞后"),
                             ("target_pending", "待下达"), ("total", "合计")]
    assert chart.table == [
        {"category": "美丽空间", "achieved": 3, "lagging": 1, "target_pending": 0, "total": 4},
        {"category": "绿色低碳", "achieved": 1, "lagging": 0, "target_pending": 2, "total": 3},
    ]
    svg = render.svg(chart)
    for word in ("已达标", "滞后", "待下达", "美丽空间", "绿色低碳"):
        assert word in svg
    assert "共 7 个测度，已达标 4、滞后 1、待下达 2" in chart.alt


def test_status_bars_refuse_an_unknown_status():
    with pytest.raises(ValueError, match="unknown status"):
        status_bars([{"category": "x", "status": "great"}], lang="zh")
