"""One error model in the readers and the plan: every reader raises a MeiliError whose problems name file, row,
column and value, rendered in Chinese, English or both (Chinese first); no library message names a CLI flag."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from meili.errors import MeiliError, Problem, Text
from meili.ingest.air import AirInputError, read_hourly, read_stations
from meili.ingest.issues import KINDS, ObservationError, ObservationIssue
from meili.ingest.observations import check_files
from meili.ingest.water import WaterInputError, read_samples, read_sections
from meili.plan import (
    PlanError,
    PlanModelError,
    TargetTextError,
    UnknownRegionError,
    load_plan,
    load_regions,
    parse_target,
)
from tests.helpers import REPO

SRC = REPO / "src" / "meili"
WIDE = "station,time,so2,no2,co,o3,pm10,pm25\n"


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def languages(error: MeiliError) -> tuple[str, str, str]:
    return error.render("zh"), error.render("en"), error.render("both")


def assert_three_languages(error: MeiliError, zh_word: str, en_word: str) -> None:
    zh, en, both = languages(error)
    assert zh_word in zh and en_word not in zh
    assert en_word in en and zh_word not in en
    assert zh_word in both and en_word in both and both.index(zh_word) < both.index(en_word)  # Chinese first
    assert str(error) == both


# --- reported observations ------------------------------------------------------------------------------------
def test_observation_issues_are_problems_of_one_meili_error(tmp_path):
    path = write(tmp_path / "obs.csv", "plan,region,measure,year,value,state,unit,source,note\n"
                                       "ganzhou,火星,16.2,2021,20,,,x,\n"
                                       "ganzhou,360700,17.2,2021,约97,,,x,\n")
    with pytest.raises(ObservationError) as e:
        check_files([path])
    error = e.value
    assert isinstance(error, MeiliError) and isinstance(error, ValueError)
    assert ObservationIssue is Problem and error.issues is error.problems
    assert [(p.kind, p.file, p.row, p.column, p.value) for p in error.problems] == [
        ("unknown_region", str(path), 2, "region", "火星"), ("non_numeric", str(path), 3, "value", "约97")]
    assert isinstance(error.problems[1].detail, Text)
    assert_three_languages(error, "不是数值", "not a number")
    zh, en, both = languages(error)
    assert "第 3 行" in zh and "测度 17.2" in zh and "measure 17.2" not in zh
    assert "row 3" in en and "measure 17.2 takes a number" in en
    assert both.splitlines()[-1].startswith("共 2 个问题，未写入任何数据 / 2 issues, nothing written")
    assert set(KINDS) >= {"unknown_region", "non_numeric", "duplicate_key"}
    assert KINDS["unknown_region"] == "未知区域 / unknown region"  # titles from the catalog (labels.yaml)


# --- water ----------------------------------------------------------------------------------------------------
def test_water_collects_every_bad_cell_and_shows_the_first_20(tmp_path):
    rows = "".join(f"A,2024-01-{d:02d},x{d},0.1\n" for d in range(1, 26))
    path = write(tmp_path / "s.csv", "section,date,nh3n,tp\n" + rows)
    with pytest.raises(WaterInputError) as e:
        read_samples(path)
    error = e.value
    assert isinstance(error, MeiliError) and error.path == str(path)
    assert len(error.problems) == 25 and error.total == 25 and error.counts == {"non_numeric": 25}
    first = error.problems[0]
    assert (first.kind, first.file, first.row, first.column, first.value) == ("non_numeric", str(path), 2, "nh3n", "x1")
    assert [p.row for p in error.problems] == list(range(2, 27))
    lines = str(error).splitlines()
    assert len(lines) == 21 and lines[-1] == "… 另有 5 个问题 / and 5 more problems"
    assert error.render("en").splitlines()[-1] == "… and 5 more problems"
    assert error.render("zh").splitlines()[-1] == "… 另有 5 个问题"
    assert_three_languages(error, "不是数值", "not a number")


def test_water_reports_key_and_value_problems_together(tmp_path):
    registry = read_sections(write(tmp_path / "r.csv", "section,name,water_body,kind,level,region_code,target_class\n"
                                                       "A,甲,赣江,river,national,360702,Ⅲ\n"))
    path = write(tmp_path / "s.csv", "section,date,nh3n,ph\nA,2024-13-05,0.5,7\nB,2024-01-05,abc,15\n")
    with pytest.raises(WaterInputError) as e:
        read_samples(path, registry)
    got = [(p.kind, p.row, p.column, p.value) for p in e.value.problems]
    assert got == [("invalid_time", 2, "date", "2024-13-05"), ("unknown_section", 3, "section", "B"),
                   ("non_numeric", 3, "nh3n", "abc"), ("out_of_range", 3, "ph", "15")]


def test_water_registry_problems_are_structured(tmp_path):
    path = write(tmp_path / "r.csv", "section,name,water_body,kind,level,region_code,target_class\n"
                                     "A,甲,赣江,sea,national,3607,Ⅵ\nA,乙,赣江,river,国考,360702,\n")
    with pytest.raises(WaterInputError) as e:
        read_sections(path)
    got = {(p.kind, p.row, p.column, p.value) for p in e.value.problems}
    assert got == {("invalid_choice", 2, "kind", "sea"), ("invalid_value", 2, "region_code", "3607"),
                   ("invalid_value", 2, "target_class", "Ⅵ"), ("duplicate_key", 3, "section", "A")}


def test_water_older_form_still_builds_problems():
    error = WaterInputError("x.csv", [Text("需要断面名录", "a section registry is needed")])
    assert error.path == "x.csv" and error.problems[0].file == "x.csv"
    assert_three_languages(error, "需要断面名录", "a section registry is needed")


# --- air ------------------------------------------------------------------------------------------------------
def test_air_problems_in_two_files_are_both_reported(tmp_path):
    a = write(tmp_path / "a.csv", WIDE + "A,2019-01-01 01:00,1,1,1,1,1,1\nA,bad,1,1,1,1,1,1\n,2019-01-01 02:00,1,1,1,1,1,1\n")
    b = write(tmp_path / "b.csv", "station,time,pollutant,value\nA,2019-01-01 00:00,nox,3\n")
    c = write(tmp_path / "c.csv", "station,time,so2,no2,co,o3,pm10\nA,2019-01-01 01:00,1,1,1,1,1\n")
    with pytest.raises(AirInputError) as e:
        read_hourly([a, b, c])
    error = e.value
    assert isinstance(error, MeiliError) and isinstance(error, ValueError)
    got = [(Path(p.file).name, p.kind, p.row, p.column, p.value) for p in error.problems]
    assert got == [("a.csv", "invalid_time", 3, "time", "bad"), ("a.csv", "empty_cell", 4, "station", ""),
                   ("b.csv", "invalid_choice", 2, "pollutant", "nox"), ("c.csv", "missing_column", 1, "pm25", None)]
    assert (error.file, error.row, error.column, error.value) == (str(a.resolve()), 3, "time", "bad")
    assert_three_languages(error, "时间无效", "not a valid time")


def test_air_many_bad_rows_list_the_first_few_and_count_the_rest(tmp_path):
    rows = "".join(f"A,bad{i},1,1,1,1,1,1\n" for i in range(30))
    path = write(tmp_path / "many.csv", WIDE + rows)
    with pytest.raises(AirInputError) as e:
        read_hourly([path, tmp_path / "absent.csv"])
    error = e.value
    assert error.total == 31 and error.counts == {"file_not_found": 1, "invalid_time": 30}
    assert [p.row for p in error.problems if p.kind == "invalid_time"] == [2, 3, 4, 5, 6]
    assert str(error).splitlines()[-1] == "… 另有 25 个问题 / and 25 more problems"


def test_air_unknown_stations_in_a_cnemc_header_and_a_wide_file(tmp_path):
    registry = read_stations(write(tmp_path / "st.csv", "station,name,city_code,region_code,lon,lat\nA,a,C,R,,\n"))
    cnemc = write(tmp_path / "china_sites_20190101.csv", "date,hour,type,A,Z1\n20190101,1,PM2.5,3,4\n")
    wide = write(tmp_path / "w.csv", WIDE + "A,2019-01-01 01:00,1,1,1,1,1,1\nZ2,2019-01-01 01:00,1,1,1,1,1,1\n")
    with pytest.raises(AirInputError) as e:
        read_hourly([cnemc, wide], stations=registry)
    got = {(Path(p.file).name, p.kind, p.row, p.column, p.value) for p in e.value.problems}
    assert got == {("china_sites_20190101.csv", "unknown_station", 1, "Z1", "Z1"),
                   ("w.csv", "unknown_station", 3, "station", "Z2")}


def test_air_registry_collects_every_problem(tmp_path):
    path = write(tmp_path / "st.csv", "station,name,city_code,region_code,lon,lat,kind,not_measured\n"
                                      "A,a,C,R,east,,assessment,CO;苯\nA,b,C,R,,,other,\n")
    with pytest.raises(AirInputError) as e:
        read_stations(path)
    got = [(p.kind, p.row, p.column, p.value) for p in e.value.problems]
    assert got == [("non_numeric", 2, "lon", "east"), ("invalid_choice", 2, "not_measured", "苯"),
                   ("invalid_choice", 3, "kind", "other"), ("duplicate_key", 3, "station", "A")]


def test_air_parameters_are_named_not_flags():
    with pytest.raises(AirInputError) as e:
        read_hourly([], time_label="middle")
    assert "time_label" in str(e.value) and "--" not in str(e.value)


# --- plans ----------------------------------------------------------------------------------------------------
def test_plan_errors_are_meili_errors():
    with pytest.raises(PlanError) as e:
        load_plan("nowhere")
    assert isinstance(e.value, MeiliError) and e.value.problems[0].kind == "unknown_plan"
    assert e.value.problems[0].file == "nowhere" and e.value.problems[0].field == "plan"
    with pytest.raises(UnknownRegionError) as r:
        load_regions().resolve("火星")
    assert isinstance(r.value, MeiliError) and isinstance(r.value, KeyError)
    assert (r.value.problems[0].kind, r.value.problems[0].value) == ("unknown_region", "火星")
    assert_three_languages(r.value, "未知区域", "unknown region")
    with pytest.raises(TargetTextError) as t:
        parse_target("大约十个", None)
    assert isinstance(t.value, MeiliError) and t.value.problems[0].kind == "target_text"
    assert issubclass(PlanModelError, MeiliError) and issubclass(PlanModelError, ValueError)


# --- no CLI flag in library messages --------------------------------------------------------------------------
_FLAG = re.compile(r"(?<![\w-])--[a-z][a-z0-9-]*")
#: Strings that name a command line on purpose (path relative to src/meili, flag).
ALLOWED = {
    ("ingest/templates.py", "--dry-run"),  # the reporting template's instructions show the command to run
}


def _strings(tree: ast.AST):
    """Every string literal (f-string parts included) except docstrings, with its line."""
    docstrings = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                docstrings.add(id(first.value))
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings:
            yield node.lineno, node.value


def test_no_library_message_names_a_cli_flag():
    found: dict[tuple[str, str], int] = {}
    for path in sorted(SRC.rglob("*.py")):
        rel = path.relative_to(SRC).as_posix()
        if rel.startswith("cli/"):
            continue
        for line, text in _strings(ast.parse(path.read_text(encoding="utf-8"))):
            for flag in _FLAG.findall(text):
                found.setdefault((rel, flag), line)
    offending = {k: v for k, v in found.items() if k not in ALLOWED}
    assert not offending, f"library strings naming CLI flags (name the parameter or concept instead): {offending}"
