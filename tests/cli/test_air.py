"""`meili air` commands on small files: outputs, exit codes, recorded indicators."""

from __future__ import annotations

import csv

import ibis
import pytest
from typer.testing import CliRunner

from meili.cli import app
from meili.ingest.air import AirInputError, read_stations
from tests.helpers import REPO
from tests.helpers.air import write_cnemc_day, write_registry, write_wide


def test_cli_hourly_daily_annual_and_error_exit(tmp_path):
    rows = [f"A,2019-01-{d:02d} {h:02d}:00,10,20,1.0,50,60,75.4\n" for d in range(1, 4) for h in range(24)]
    data = write_wide(tmp_path, rows)
    runner = CliRunner()
    out = tmp_path / "hourly_out.csv"
    result = runner.invoke(app, ["air", "hourly", str(data), "-o", str(out)])
    assert result.exit_code == 0, result.output
    hourly = list(csv.DictReader(out.open(encoding="utf-8-sig")))
    first = hourly[0]
    assert (first["time"], first["aqi"], first["primary_pollutant"]) == ("2019-01-01 00:00", "100", "PM2.5")
    assert [r["time"] for r in hourly] == sorted(r["time"] for r in hourly)  # the same input gives the same file
    out = tmp_path / "d.parquet"
    result = runner.invoke(app, ["air", "daily", str(data), "--stations", str(write_registry(tmp_path)), "--by", "group",
                                 "-o", str(out)])
    assert result.exit_code == 0, result.output
    daily = ibis.read_parquet(out).to_pyarrow().to_pylist()
    assert {r["key"] for r in daily} == {"central_urban"}
    assert [r["pm25"] for r in daily if r["date"].day == 2] == [75.0]
    bad = write_wide(tmp_path, ["A,yesterday,1,1,1,1,1,1\n"], name="bad.csv")
    result = runner.invoke(app, ["air", "hourly", str(bad), "-o", str(tmp_path / "x.csv")])
    assert result.exit_code == 1
    assert "yesterday" in result.output and "Traceback" not in result.output



def test_indicators_command_records_16_1_and_17_1_in_the_workspace(tmp_path):
    """The real Ganzhou 2019 extract → 中心城区 PM2.5 29 μg/m³ and 优良天数比率 92.1 %, provisional (HJ 663 month rule
    not met at the source), with the input file and its sha256 as provenance; county groups not computable."""
    import hashlib

    from typer.testing import CliRunner

    from meili.cli import app
    from meili.store import init_workspace

    examples = REPO / "examples" / "air"
    parquet = examples / "ganzhou-2019-hourly.parquet"
    ws = init_workspace(tmp_path / "ws")
    result = CliRunner().invoke(app, ["air", "indicators", str(parquet), "--stations", str(examples / "ganzhou-stations.csv"),
                                      "--year", "2019", "--workspace", str(ws.root)])
    assert result.exit_code == 0, result.output
    stored = {r["measure"]: r for r in ws.current_observations(plan="ganzhou").to_pylist()}
    assert set(stored) == {"16.1", "17.1"}
    assert (stored["16.1"]["region"], stored["16.1"]["value"], stored["17.1"]["value"]) == ("central_urban", 29.0, 92.1)
    assert stored["16.1"]["provisional"] and "valid days (AQI) 342" in stored["16.1"]["note"]
    [imp] = ws.imports().to_pylist()
    digest = hashlib.sha256(parquet.read_bytes()).hexdigest()
    # one file: a name and a digest (store schema 1) or lists of one (schema 2)
    assert imp["file"] in (parquet.name, [parquet.name]) and imp["sha256"] in (digest, [digest])
    assert "not computed, not written: 2" in result.output



def test_defect_21_indicators_output_imports_as_it_is(tmp_path):
    """``air indicators -o out.csv`` writes a report's columns (the quality flag as ``provisional`` and a note, no
    ``state``); ``data import out.csv`` into a fresh workspace takes it as it is, with the same values."""
    import csv

    from typer.testing import CliRunner

    from meili.cli import app
    from meili.store import init_workspace

    examples = REPO / "examples" / "air"
    first, fresh = init_workspace(tmp_path / "ws"), init_workspace(tmp_path / "fresh")
    out = tmp_path / "out.csv"
    runner = CliRunner()
    result = runner.invoke(app, ["air", "indicators", str(examples / "ganzhou-2019-hourly.parquet"), "--stations",
                                 str(examples / "ganzhou-stations.csv"), "--year", "2019", "-o", str(out),
                                 "--workspace", str(first.root)])
    assert result.exit_code == 0, result.output
    with out.open(encoding="utf-8-sig") as fh:
        written = list(csv.DictReader(fh))
    assert list(written[0]) == ["plan", "region", "measure", "year", "value", "state", "unit", "source", "note",
                                "provisional"]
    assert [(r["measure"], r["value"], r["state"], r["provisional"]) for r in written] == [
        ("16.1", "29", "", "true"), ("17.1", "92.1", "", "true")]
    imported = runner.invoke(app, ["data", "import", str(out), "--workspace", str(fresh.root)])
    assert imported.exit_code == 0, imported.output
    key = ("region", "measure", "year", "value", "state", "unit", "note", "provisional")
    computed = [tuple(r[k] for k in key) for r in first.current_observations(plan="ganzhou").to_pylist()]
    assert [tuple(r[k] for k in key) for r in fresh.current_observations(plan="ganzhou").to_pylist()] == computed
    assert [c[:4] for c in computed] == [("central_urban", "16.1", 2019, 29.0), ("central_urban", "17.1", 2019, 92.1)]



def test_registry_not_measured_column_and_the_cli_applies_it(tmp_path):
    """``not_measured`` (HJ 633-2026 §5.3.2) is read in any spelling, normalised, refused when unknown; the CLI's
    hourly and daily reports apply it to 2026 days."""
    path = tmp_path / "nm.csv"
    path.write_text("station,name,city_code,region_code,lon,lat,not_measured\n"
                    "A,a,C1,R1,,,CO\n"
                    "B,b,C1,R1,,,pm2.5; SO2\n"
                    "C,c,C1,R1,,,\n", encoding="utf-8")
    reg = read_stations(path).table.to_pylist()
    assert [r["not_measured"] for r in reg] == ["co", "so2;pm25", ""]
    bad = tmp_path / "bad_nm.csv"
    bad.write_text("station,name,city_code,region_code,lon,lat,not_measured\nA,a,C1,R1,,,CO;苯\n", encoding="utf-8")
    with pytest.raises(AirInputError) as e:
        read_stations(bad)
    assert (e.value.row, e.value.column, e.value.value) == (2, "not_measured", "苯")
    # no CO anywhere on a 2026 day: A (CO not measured by design) is published, C (CO lost) is not
    rows = [f"{s},2026-05-01 {h:02d}:00,10,20,,50,60,40\n" for s in ("A", "C") for h in range(1, 24)]
    data = write_wide(tmp_path, rows)
    runner = CliRunner()
    out = tmp_path / "h_with.csv"
    result = runner.invoke(app, ["air", "hourly", str(data), "--stations", str(path), "-o", str(out)])
    assert result.exit_code == 0, result.output
    by_station = {}
    for r in csv.DictReader(out.open(encoding="utf-8-sig")):
        by_station.setdefault(r["station"], set()).add(r["aqi"])
    assert by_station == {"A": {"60"}, "C": {""}}
    out = tmp_path / "h_without.csv"
    result = runner.invoke(app, ["air", "hourly", str(data), "-o", str(out)])  # without the registry: both NA
    assert result.exit_code == 0, result.output
    assert {r["aqi"] for r in csv.DictReader(out.open(encoding="utf-8-sig"))} == {""}



def test_cli_annual_writes_the_ranking_and_shows_it_as_bars(tmp_path):
    """`meili air annual`: the file holds the HJ 663 statistics and 综合指数 ranking; the console shows the latest
    period's ranking with names. I_sum by hand (Σ C/S, S = 60, 40, 70, 35, CO 4, O3 160): C1 = 10/60 + 20/40 +
    60/70 + 75/35 + 1.0/4 + 50/160 = 4.229…; C2 the same with PM2.5 30: 2.943…"""
    reg = tmp_path / "two.csv"
    reg.write_text("station,name,city_code,region_code,lon,lat,city\nA,a,C1,R1,,,甲市\nB,b,C2,R2,,,乙市\n",
                   encoding="utf-8")
    rows = [f"{s},2019-01-{d:02d} {h:02d}:00,10,20,1.0,50,60,{pm}\n"
            for s, pm in (("A", 75.4), ("B", 30)) for d in range(1, 4) for h in range(24)]
    data = write_wide(tmp_path, rows)
    out = tmp_path / "annual.csv"
    result = CliRunner().invoke(app, ["air", "annual", str(data), "--stations", str(reg), "--year", "2019",
                                      "--period", "month", "-o", str(out)])
    assert result.exit_code == 0, result.output
    got = {r["key"]: r for r in csv.DictReader(out.open(encoding="utf-8-sig"))}
    assert (got["C2"]["rank"], got["C1"]["rank"]) == ("1", "2")
    assert abs(float(got["C1"]["composite_index"]) - 4.229) < 0.01
    assert abs(float(got["C2"]["composite_index"]) - 2.943) < 0.01
    shown = " ".join(result.output.split())
    assert "composite index ranking" in shown and "2019-01" in shown
    assert shown.index("乙市") < shown.index("甲市")  # rank 1 first, by name from the registry



def test_defect_26_daily_by_city_keys_are_codes_with_names_and_no_day_before_the_input(tmp_path):
    """``air daily --by city`` over national files: a station missing from the registry is refused (it names the
    station), or dropped on request; the key is the city's code with its name beside it; the hour ending 00:00 on
    1 January (the last hour of 31 December) makes no empty 2018-12-31 row."""
    folder = tmp_path / "cnemc"
    folder.mkdir()
    for day in ("20190101", "20190102"):
        write_cnemc_day(folder, day, {"1001A": 40.0, "9999Z": 80.0})
    registry = tmp_path / "stations.csv"
    registry.write_text("监测点编码,监测点名称,城市,经度,纬度,对照点\n1001A,省站,南昌,115.9,28.7,N\n", encoding="utf-8")
    out = tmp_path / "daily.csv"
    runner = CliRunner()
    args = ["air", "daily", str(folder), "--stations", str(registry), "--by", "city", "-o", str(out)]
    refused = runner.invoke(app, args)
    assert refused.exit_code == 1 and "9999Z" in refused.output and not out.exists()
    result = runner.invoke(app, [*args, "--drop-unknown-stations"])
    assert result.exit_code == 0, result.output
    with out.open(encoding="utf-8-sig") as fh:
        daily = list(csv.DictReader(fh))
    assert list(daily[0])[:3] == ["key", "name", "date"]
    # 1 January: 23 hours of 1 January's file + the 00:00 hour of 2 January's; 2 January: 23 hours (≥ 20: valid)
    assert [(r["key"], r["name"], r["date"], r["pm25"]) for r in daily] == [
        ("360100", "南昌", "2019-01-01", "40.0"), ("360100", "南昌", "2019-01-02", "40.0")]

