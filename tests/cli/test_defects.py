"""Regression tests of issue 15's CLI items, named after its numbers: refuse or warn, never a silent empty answer;
choices checked before any input is read; help, words and pipes as a user expects."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from meili.cli import app
from meili.examples import load_example
from tests.helpers import REPO

REPO = REPO
AIR = REPO / "examples" / "air"
WATER = REPO / "examples" / "water"


def run(*args: str):
    return CliRunner().invoke(app, [str(a) for a in args])


@pytest.fixture(scope="module")
def ws(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("ws")
    load_example(root)
    return root


def test_defect_07_choices_are_checked_before_any_input_is_read(tmp_path):
    missing = tmp_path / "does-not-exist.csv"  # never opened: the choice is refused while parsing
    for args in (["water", "trophic", missing, "--year", "2024", "--period", "week", "-o", tmp_path / "o.csv"],
                 ["air", "daily", missing, "--by", "county", "-o", tmp_path / "o.csv"],
                 ["air", "hourly", missing, "--method", "x", "-o", tmp_path / "o.csv"],
                 ["air", "annual", missing, "--stations", missing, "--year", "2019", "--period", "week",
                  "-o", tmp_path / "o.csv"],
                 ["air", "hourly", missing, "--standard", "2030", "-o", tmp_path / "o.csv"],
                 ["rank", "--year", "2024", "--method", "magic"]):
        r = run(*args)
        assert r.exit_code == 2, (args, r.output)
        assert "Invalid value" in r.output and "does-not-exist" not in r.output.split("Invalid value")[1]
    assert not (tmp_path / "o.csv").exists()


def test_defect_08_an_unknown_input_format_is_a_usage_error_not_a_type_error(tmp_path):
    r = run("air", "hourly", tmp_path / "x.csv", "--format", "excel", "-o", tmp_path / "o.csv")
    assert r.exit_code == 2 and "excel" in r.output and "cnemc" in r.output


def test_defect_09_a_plan_without_measures_is_refused_with_a_reason(ws):
    r = run("evaluate", "--plan", "jiangxi", "--year", "2024", "-w", ws)
    assert r.exit_code == 1 and "jiangxi" in r.output and "no measures" in r.output
    assert "Traceback" not in r.output and "Ibis" not in r.output


def test_defect_24_regions_measures_plans_and_years_outside_the_plan_are_refused(ws, tmp_path):
    cases = [
        (["evaluate", "--region", "南昌市", "--year", "2024"], "region outside the plan"),
        (["rank", "-r", "南昌市", "--year", "2024"], "region outside the plan"),
        (["evaluate", "--year", "2010"], "2020–2035"),
        (["evaluate", "--year", "2040"], "2020–2035"),
        (["rank", "--year", "2019"], "2020–2035"),
        (["data", "list", "--measure", "99"], "unknown measure"),
        (["data", "list", "--plan", "gz"], "unknown plan"),
    ]
    for args, words in cases:
        r = run(*args, "-w", ws)
        assert r.exit_code == 1 and words in r.output, (args, r.output)
    r = run("data", "template", "-r", "南昌市", "-o", tmp_path / "t.xlsx")
    assert r.exit_code == 1 and "region outside the plan" in r.output and not (tmp_path / "t.xlsx").exists()
    r = run("data", "template", "--plan", "jiangxi", "-o", tmp_path / "t.xlsx")
    assert r.exit_code == 1 and "no measures" in r.output
    r = run("plan", "show", "jiangxi")
    assert r.exit_code == 0 and "0 测度 measures" in r.output and "环境品质综合提升样板" in r.output
    r = run("water", "indicators", WATER / "samples.csv", "--sections", WATER / "sections.csv", "--plan", "jiangxi",
            "--year", "2024", "-w", ws)
    assert r.exit_code == 1 and "no measures" in r.output


def test_defect_25_a_year_the_input_does_not_cover_is_said_not_answered_empty(tmp_path):
    r = run("air", "annual", AIR / "ganzhou-2019-hourly.parquet", "--stations", AIR / "ganzhou-stations.csv",
            "--year", "2020", "-o", tmp_path / "a.csv")
    assert r.exit_code == 1 and "no data for 2020" in r.output and not (tmp_path / "a.csv").exists()
    r = run("water", "summary", WATER / "samples.csv", "--sections", WATER / "sections.csv", "--year", "2030",
            "-o", tmp_path / "w.csv")
    assert r.exit_code == 1 and "no data for 2030" in r.output and "2023–2024" in r.output


def test_defect_29_tables_show_names_natural_order_rounded_numbers_chinese_headers(ws):
    r = run("data", "list", "--region", "360702", "--year", "2024", "-w", ws)
    assert r.exit_code == 0 and "章贡区" in r.output and "测度" in r.output and "现状值" in r.output
    measures = [line.split("│")[4].strip() for line in r.output.splitlines()
                if line.startswith("│") and line.split("│")[4].strip()]
    natural = sorted(measures, key=lambda m: tuple(int(x) for x in m.split(".")))
    assert measures == natural and measures.index("2") < measures.index("15.2") < measures.index("19.2")
    r = run("evaluate", "--year", "2024", "--region", "360702", "-w", ws)
    assert r.exit_code == 0 and "章贡区" in r.output and "状态" in r.output
    assert not any(len(tok.split(".")[-1]) > 2 for tok in r.output.split() if tok.replace(".", "").isdigit()
                   and "." in tok)


def _commands(command, path=()):
    if hasattr(command, "commands"):
        for name, sub in command.commands.items():
            yield from _commands(sub, (*path, name))
    else:
        yield path, command


def test_defect_30_every_option_has_help_and_no_flag_shows_a_type():
    root = typer.main.get_command(app)
    undocumented = [(" ".join(path), p.name) for path, c in _commands(root) for p in c.params if not p.help]
    assert undocumented == []
    assert "<bool>" not in run("data", "import", "--help").output
    assert "trophic" in run("water", "--help").output


def test_defect_30_plurals_and_a_closed_pipe(ws, tmp_path):
    r = run("water", "rank", WATER / "samples.csv", "--sections", WATER / "sections.csv", "--year", "2024",
            "--by", "all", "-o", tmp_path / "r.csv")
    assert r.exit_code == 0 and "wrote 1 row" in r.output and "1 rows" not in r.output
    # `meili data export | head -1`: the reader leaves early; no "Broken pipe" error, exit 0
    shell = f"{sys.executable} -m meili data export -w {ws} | head -1"
    done = subprocess.run(["bash", "-o", "pipefail", "-c", shell], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith('"plan"') and "Broken pipe" not in done.stderr and "Error" not in done.stderr


def test_defect_01_no_command_writes_over_the_store_or_its_own_input(ws, tmp_path):
    store = ws / "meili.duckdb"
    before = store.read_bytes()
    for args in (["data", "export", "-o", store, "-w", ws], ["data", "template", "-o", store],
                 ["data", "export", "-o", tmp_path / "x.xlsx", "-f", "csv", "-w", ws],
                 ["data", "template", "-o", tmp_path / "t.csv"]):
        r = run(*args)
        assert r.exit_code in (1, 2) and "Traceback" not in r.output, (args, r.output)
    assert store.read_bytes() == before and run("data", "list", "-w", ws, "-f", "csv").exit_code == 0
    wide = tmp_path / "wide.csv"
    wide.write_text("station,time,so2,no2,co,o3,pm10,pm25\nA,2019-01-01 01:00,1,1,1,1,1,1\n", encoding="utf-8")
    original = wide.read_bytes()
    r = run("air", "hourly", wide, "-o", wide)
    assert r.exit_code == 1 and "overwrite an input" in r.output and wide.read_bytes() == original
    r = run("data", "export", "-o", tmp_path / "obs.xlsx", "-w", ws)  # the suffix names the format
    assert r.exit_code == 0 and (tmp_path / "obs.xlsx").read_bytes()[:2] == b"PK"
