"""Bindings as data: which computation feeds which measure is the plan file's word (``computed_by``)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import ibis
import pytest
import yaml

from meili.observation import OBSERVATION_SCHEMA
from meili.plan import PlanError, builtin_plans, load_plan, read_plan_file
from meili.standards.computations import COMPUTATIONS, WATER_CLASSES, AirScope, SectionShare
from tests.helpers import REPO
from tests.helpers.water import registry, samples

EXAMPLES = REPO / "examples"

#: A made-up second city (吉安, 360800) whose plan numbers its measures its own way.
JIAN = {
    "id": "jian-test",
    "title": "美丽吉安（测试用虚构规划）",
    "title_en": "A made-up plan for tests",
    "level": "city",
    "region": "360800",
    "parent": "jiangxi",
    "base_year": 2020,
    "milestones": [2025],
    "source": "tests/plan/test_bindings.py",
    "categories": [{"id": "environment", "name": "美丽环境", "name_en": "Environment"}],
    "indicators": [
        {"number": 1, "category": "environment", "name": "细颗粒物浓度", "name_en": "PM2.5", "unit": "ug/m3",
         "measures": [{"id": "1", "direction": "lower", "baseline": "30", "targets": {2025: "28"},
                       "computed_by": {"computation": "air.pm25_annual_mean", "region": "360800"}}]},
        {"number": 2, "category": "environment", "name": "优良天数比例", "name_en": "Good days", "unit": "%",
         "measures": [{"id": "2", "direction": "higher", "baseline": "90", "targets": {2025: "92"},
                       "computed_by": {"computation": "air.good_day_rate", "region": "360800"}}]},
        {"number": 3, "category": "environment", "name": "地表水", "name_en": "Surface water", "unit": "%",
         "measures": [
             {"id": "3.1", "direction": "higher", "baseline": "90", "targets": {2025: "95"},
              "computed_by": {"computation": "water.section_share", "levels": ["national", "provincial"],
                              "classes": ["I", "II", "III"], "regions": ["city"]}},
             {"id": "3.2", "direction": "lower", "baseline": "5", "targets": {2025: "0"},
              "computed_by": {"computation": "water.section_share", "levels": ["provincial"],
                              "classes": ["劣V"], "regions": ["counties"]}},
         ]},
    ],
}


def write_plan(tmp_path: Path, data: dict, name: str = "plan.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def ganzhou_with(tmp_path: Path, measure_id: str, binding) -> Path:
    data = yaml.safe_load(builtin_plans()["ganzhou"].read_text(encoding="utf-8"))
    measure = next(m for ind in data["indicators"] for m in ind["measures"] if m["id"] == measure_id)
    measure["computed_by"] = binding
    return write_plan(tmp_path, data, "broken.yaml")


def test_ganzhou_bindings():
    b = load_plan("ganzhou").bindings
    assert list(b) == ["16.1", "16.2", "17.1", "17.2", "18.1", "18.2", "19.1", "19.2"]
    assert b["16.1"] == AirScope(computation="air.pm25_annual_mean", group="central_urban", fallback="city")
    assert b["17.2"] == AirScope(computation="air.good_day_rate", group="county_level_cities",
                                 aggregate="mean_of_counties")
    assert isinstance(b["18.1"], SectionShare) and b["18.1"].levels == ["national"] and b["18.1"].ranks == (1, 2, 3)
    assert b["19.1"].ranks == (1, 2) and b["19.2"].ranks == (5, 6) and b["19.2"].levels == ["provincial"]
    assert load_plan("jiangxi").bindings == {}


def test_water_classes_are_the_tables_classes():
    from meili.standards.water.tables import load_table

    assert tuple(load_table("classes").column("class").to_pylist()) == WATER_CLASSES


@pytest.mark.parametrize(("measure", "binding", "field", "words"), [
    ("16.1", {"computation": "air.pm25", "group": "central_urban"}, "computed_by.computation",
     ["未知计算", "unknown computation", "'air.pm25'", "air.pm25_annual_mean"]),
    ("16.2", {"computation": "air.pm25_annual_mean", "aggregate": "county_mean"}, "computed_by.aggregate",
     ["无效", "invalid value", "'county_mean'", "'mean_of_counties'"]),
    ("16.2", {"computation": "air.pm25_annual_mean", "groups": "x"}, "computed_by.groups",
     ["未知字段", "unknown field", "'x'", "group, region"]),
    ("17.2", {"computation": "air.good_day_rate", "group": "nowhere"}, "computed_by.group",
     ["未知区域组", "unknown region group", "'nowhere'", "county_level_cities"]),
    ("17.2", {"computation": "air.good_day_rate", "group": "central_urban"}, "computed_by.group",
     ["不一致", "is not the measure's scope_group", "'central_urban'", "'county_level_cities'"]),
    ("17.2", {"computation": "air.good_day_rate", "region": "360100"}, "computed_by.region",
     ["不在规划区域", "not within the plan's region 360700", "'360100'"]),
    ("17.2", {"computation": "air.pm25_annual_mean"}, "computed_by.computation",
     ["单位", "gives μg/m³, the measure is in %", "air.pm25_annual_mean"]),
    ("23", {"computation": "air.good_day_rate"}, "computed_by.group", ["缺少", "give group or region"]),
    ("18.1", {"computation": "water.section_share", "levels": ["national"], "classes": ["Ⅵ"]},
     "computed_by.classes.0", ["无效", "invalid value", "'Ⅵ'", "'劣Ⅴ'"]),
    ("18.1", {"computation": "water.section_share", "levels": ["county"], "classes": ["Ⅰ"]},
     "computed_by.levels.0", ["无效", "invalid value", "'county'", "'national'"]),
    ("18.2", {"levels": ["national"], "classes": ["Ⅰ"]}, "computed_by.computation", ["缺少", "water.section_share"]),
    ("19.1", "water", "computed_by", ["应为映射", "expected a mapping", "'water'"]),
])
def test_bad_binding_is_refused_naming_measure_field_value_and_expected(tmp_path, measure, binding, field, words):
    path = ganzhou_with(tmp_path, measure, binding)
    with pytest.raises(PlanError) as e:
        read_plan_file(path)
    [p] = e.value.problems
    assert (p.file, p.measure, p.field) == (str(path), measure, field), str(e.value)
    for w in words:
        assert w in str(p), (w, str(p))


def test_bad_binding_through_the_cli(tmp_path):
    from typer.testing import CliRunner

    from meili.cli import app

    path = ganzhou_with(tmp_path, "17.1", {"computation": "air.good_day_rate", "aggregate": "median"})
    result = CliRunner().invoke(app, ["plan", "validate", str(path)])
    assert result.exit_code == 1
    assert "17.1" in result.output and "computed_by.aggregate" in result.output and "median" in result.output


def test_every_registered_computation_is_in_the_schema():
    from meili.plan.schema import plan_json_schema

    schema = plan_json_schema()
    assert all(f'"{name}"' in schema for name in COMPUTATIONS)


def test_second_city_water_rows_come_from_its_own_bindings(tmp_path):
    path = write_plan(tmp_path, JIAN)
    sections = registry([
        {"section": "N1", "level": "national", "region_code": "360802"},
        {"section": "P1", "level": "provincial", "region_code": "360802"},
        {"section": "P2", "level": "provincial", "region_code": "360803"},
        {"section": "G1", "level": "national", "region_code": "360702"},  # another city: not counted
    ])
    t = dt.datetime(2024, 7, 1)
    data = samples([("N1", "nh3n", 0.3, False, t), ("P1", "nh3n", 1.2, False, t), ("P2", "nh3n", 2.5, False, t),
                    ("G1", "nh3n", 0.1, False, t)])
    from meili.standards.water.indicators import plan_indicators

    out = plan_indicators(data, sections, year=2024, plan=path, source="s.csv")
    assert out.schema == OBSERVATION_SCHEMA
    got = {(r["region"], r["measure"]): r["value"] for r in out.to_pylist()}
    # 3.1: Ⅰ–Ⅲ over national and provincial sections, city only; 3.2: 劣Ⅴ over provincial sections, per county
    assert got == {("360800", "3.1"): 33.3, ("360802", "3.2"): 0.0, ("360803", "3.2"): 100.0}  # 1 of 3, to 0.1
    assert {r["plan"] for r in out.to_pylist()} == {"jian-test"}
    # the same from explicit bindings; a plan without water bindings gives no rows
    plan = read_plan_file(path)
    again = plan_indicators(data, sections, year=2024, bindings=plan.bindings, plan="jian-test", city_code="360800",
                            source="s.csv")
    assert again.equals(out)
    assert plan_indicators(data, sections, year=2024, plan="jiangxi").num_rows == 0


def test_second_city_air_rows_come_from_its_own_bindings(tmp_path):
    from meili.ingest.air import read_hourly, read_stations
    from meili.standards.air.indicators import plan_indicators

    path = write_plan(tmp_path, JIAN)
    # Ganzhou's 中心城区 stations relabelled as a city 360800 (no groups): the city's value is theirs
    text = (EXAMPLES / "air" / "ganzhou-stations.csv").read_text(encoding="utf-8")
    (tmp_path / "stations.csv").write_text(
        text.replace("360700,360702", "360800,360802").replace("360700,360700", "360800,360800")
        .replace("central_urban", ""), encoding="utf-8")
    stations = read_stations(tmp_path / "stations.csv")
    con = ibis.duckdb.connect()
    hourly = con.create_table("h", read_hourly([EXAMPLES / "air" / "ganzhou-2019-hourly.parquet"], con=con,
                                               stations=stations), temp=True)
    out = plan_indicators(hourly, stations.table, year=2019, sources=["x"], plan=path)
    assert out.schema == OBSERVATION_SCHEMA
    rows = [(r["plan"], r["region"], r["measure"], r["value"], r["unit"]) for r in out.to_pylist()]
    assert rows == [("jian-test", "360800", "1", 29.0, "μg/m³"), ("jian-test", "360800", "2", 92.1, "%")]
