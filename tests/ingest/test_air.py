"""The air readers (CNEMC files, wide/long tables, registries): values, strict errors, formats."""

from __future__ import annotations

import csv

import pytest

from meili.ingest.air import AirInputError, read_hourly, read_stations
from tests.helpers.air import WIDE, write_cnemc_day, write_registry, write_wide


def test_invalid_values_are_null_never_zero(tmp_path):
    path = write_wide(tmp_path, ["A,2019-01-01 01:00,,-3,abc,40,50,60\n"])
    row = read_hourly([path]).to_pyarrow().to_pylist()[0]
    assert row["so2"] is None and row["no2"] is None and row["co"] is None and row["pm25"] == 60.0



def test_unparsable_time_names_file_row_column(tmp_path):
    path = write_wide(tmp_path, ["A,2019-01-01 01:00,1,1,1,1,1,1\n", "A,2019-13-45 01:00,1,1,1,1,1,1\n"])
    with pytest.raises(AirInputError) as err:
        read_hourly([path])
    assert err.value.row == 3 and err.value.column == "time" and err.value.value == "2019-13-45 01:00"
    assert "第 3 行" in str(err.value) and "row 3" in str(err.value)



def test_missing_and_unknown_columns(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("station,time,so2,no2,co,o3,pm10\nA,2019-01-01 01:00,1,1,1,1,1\n", encoding="utf-8")
    with pytest.raises(AirInputError, match="pm25"):
        read_hourly([path])
    path.write_text(WIDE.strip() + ",nox\nA,2019-01-01 01:00,1,1,1,1,1,1,1\n", encoding="utf-8")
    with pytest.raises(AirInputError, match="nox"):
        read_hourly([path])



def test_station_not_inwrite_registry(tmp_path):
    path = write_wide(tmp_path, ["A,2019-01-01 01:00,1,1,1,1,1,1\n", "Z,2019-01-01 01:00,1,1,1,1,1,1\n"])
    registry = read_stations(write_registry(tmp_path))
    with pytest.raises(AirInputError) as err:
        read_hourly([path], stations=registry)
    assert (err.value.row, err.value.column, err.value.value) == (3, "station", "Z")
    kept = read_hourly([path], stations=registry, unknown_stations="drop").to_pyarrow()
    assert kept.column("station").to_pylist() == ["A"]



def test_long_format_and_start_labels(tmp_path):
    path = tmp_path / "long.csv"
    path.write_text("station,time,pollutant,value\nA,2019-01-01 00:00,PM2.5,35.5\nA,2019-01-01 00:00,so2,3\n",
                    encoding="utf-8")
    row = read_hourly([path], time_label="start").to_pyarrow().to_pylist()[0]
    assert row["pm25"] == 35.5 and row["so2"] == 3.0 and str(row["time"]) == "2019-01-01 01:00:00"
    path.write_text("station,time,pollutant,value\nA,2019-01-01 00:00,nox,3\n", encoding="utf-8")
    with pytest.raises(AirInputError) as err:
        read_hourly([path])
    assert (err.value.row, err.value.column) == (2, "pollutant")



def test_cnemc_file_and_unknown_type(tmp_path):
    path = tmp_path / "china_sites_20190101.csv"
    rows = [["date", "hour", "type", "A"]]
    for t, v in (("AQI", "52"), ("PM2.5", "36"), ("PM10", "40"), ("SO2", "5"), ("NO2", "10"), ("O3", "20"), ("CO", "0.5")):
        rows.append(["20190101", "1", t, v])
    with path.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows(rows)
    seen = []
    row = read_hourly([tmp_path], on_file=seen.append).to_pyarrow().to_pylist()[0]
    assert seen == [path]  # the progress callback: once per CNEMC file parsed
    assert row["pm25"] == 36.0 and row["published_aqi"] == 52.0 and str(row["label"]) == "2019-01-01 01:00:00"
    rows.append(["20190101", "1", "NOX", "3"])
    with path.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows(rows)
    with pytest.raises(AirInputError) as err:
        read_hourly([path])
    assert (err.value.row, err.value.column, err.value.value) == (9, "type", "NOX")



def test_national_registry_marks_background_sites(shared_data):
    reg = read_stations(shared_data / "air" / "cnemc-stations.csv").table.to_pylist()
    by_code = {r["station"]: r for r in reg}
    assert by_code["2362A"]["kind"] == "background" and by_code["2363A"]["city_code"] == "360700"


NO_GB2260_CODE = {"兰州新区", "西咸新区", "赣江新区", "雄安新区", "胶南"}  # new areas, and a city abolished in 2012


def test_defect_26_national_registry_keys_cities_by_their_gb2260_codes(shared_data):
    """Issue 15 #26: the city key of the national list is one kind — the GB/T 2260 code — for every city that has
    one (370 of 375); only the four 新区 and 胶南, which have none, keep their names."""
    import re

    reg = read_stations(shared_data / "air" / "cnemc-stations.csv").table.to_pylist()
    by_city = {r["city"]: r["city_code"] for r in reg}
    named = {city for city, code in by_city.items() if not re.fullmatch(r"[1-8][0-9]{5}", code)}
    assert named == NO_GB2260_CODE
    assert (by_city["北京"], by_city["赣州"], by_city["大理州"], by_city["临安"], by_city["吐鲁番地区"]) == (
        "110100", "360700", "532900", "330112", "650400")  # (a municipality: its city-level code, as 高德 gives it)
    # two spellings of one city in the list get its one code (their stations then form one city); nothing else
    shared = {}
    for city, code in by_city.items():
        shared.setdefault(code, set()).add(city)
    assert {frozenset(c) for c in shared.values() if len(c) > 1} == {
        frozenset({"甘孜州", "甘孜藏族自治州"}), frozenset({"那曲", "那曲地区"}),
        frozenset({"黔东南州", "黔东南苗族侗族自治州"})}






# --- issue 15 ----------------------------------------------------------------------------------------------------
def _cnemc_rows(path):
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.reader(fh))


def _write_rows(path, rows):
    with path.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows(rows)


def test_defect_10_cnemc_header_with_spaces_is_read(tmp_path):
    path = write_cnemc_day(tmp_path, "20190101", {"1001A": 30.0})
    rows = _cnemc_rows(path)
    rows[0][3] = " 1001A "
    _write_rows(path, rows)
    out = read_hourly([path]).to_pyarrow().to_pylist()
    assert {r["station"] for r in out} == {"1001A"} and out[0]["pm25"] == 30.0


def test_defect_10_short_row_and_truncated_last_line_name_file_and_row(tmp_path):
    path = write_wide(tmp_path, ["A,2019-01-01 01:00,1,1,1,1,1,1\n", "A,2019-01-01 02:00,1,1\n"])
    with pytest.raises(AirInputError) as err:
        read_hourly([path])
    assert err.value.problems[0].kind == "malformed_row"
    assert err.value.file == str(path) and err.value.row == 3 and "4" in str(err.value)
    path.write_text(WIDE + "A,2019-01-01 01:00,1,1,1,1,1,1\nA,2019-01-01 02:00,1,", encoding="utf-8")
    with pytest.raises(AirInputError) as err:
        read_hourly([path])
    assert err.value.file == str(path) and err.value.row == 3


def test_defect_10_empty_folder_names_the_folder(tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(AirInputError) as err:
        read_hourly([tmp_path / "empty"])
    assert err.value.file == str(tmp_path / "empty") and f"no input files in {tmp_path / 'empty'}" in str(err.value)


def test_defect_11_duplicate_identical_columns_are_merged_with_a_note(tmp_path):
    path = write_cnemc_day(tmp_path, "20190101", {"1001A": 30.0, "3207A": 40.0})
    _write_rows(path, [[*r, r[-1]] for r in _cnemc_rows(path)])
    notes = []
    out = read_hourly([path], on_note=notes.append).to_pyarrow().to_pylist()
    assert len(out) == 48 and {r["pm25"] for r in out if r["station"] == "3207A"} == {40.0}
    assert notes == [f"{path}: 列 3207A 重复且值相同，按一列读取 / column 3207A appears twice with identical values: "
                     "read once"]


def test_defect_11_duplicate_differing_columns_name_file_station_row(tmp_path):
    path = write_cnemc_day(tmp_path, "20190101", {"1001A": 30.0, "3207A": 40.0})
    rows = [[*r, r[-1]] for r in _cnemc_rows(path)]
    rows[4][-1] = "99"  # file row 5
    _write_rows(path, rows)
    with pytest.raises(AirInputError) as err:
        read_hourly([path])
    assert (err.value.file, err.value.column, err.value.row) == (str(path), "3207A", 5)
    assert err.value.problems[0].kind == "duplicate_key"


def test_defect_11_real_files_with_a_repeated_station(shared_data, tmp_path):
    """A real national file with a station given twice with the same values (as 3207A is in some 2019 files; the
    shared January files hold it once, so the repeat is made here): read, with a note, and the same as without."""
    real = sorted((shared_data / "air" / "cnemc-hourly-2019-01").glob("*.csv"))[0]
    rows = _cnemc_rows(real)
    station = rows[0][3]
    repeated = tmp_path / real.name
    _write_rows(repeated, [[*r, r[3]] if i else [*r, station] for i, r in enumerate(rows)])
    notes = []
    got = read_hourly([repeated], on_note=notes.append).count().execute()
    assert notes and station in " ".join(notes)
    assert got == read_hourly([real]).count().execute() > 0


def test_defect_12_strict_cnemc_date_and_hour(tmp_path):
    path = write_cnemc_day(tmp_path, "20190101", {"1001A": 30.0})
    for column, value in (("date", "2019013"), ("date", "20190230"), ("hour", "0.6"), ("hour", "1.5"), ("hour", "24")):
        rows = _cnemc_rows(path)
        rows[1][0 if column == "date" else 1] = value
        bad = tmp_path / "bad" / "china_sites_20190101.csv"
        bad.parent.mkdir(exist_ok=True)
        _write_rows(bad, rows)
        with pytest.raises(AirInputError) as err:
            read_hourly([bad])
        assert (err.value.column, err.value.row, err.value.value) == (column, 2, value)


def test_defect_13_invalid_concentrations_counted_per_file(tmp_path):
    path = write_wide(tmp_path, ["A,2019-01-01 01:00,abc,-5,-0.5,x1,,60\n"])
    notes = []
    row = read_hourly([path], on_note=notes.append).to_pyarrow().to_pylist()[0]
    assert row["so2"] is None and row["no2"] is None and row["o3"] is None and row["pm25"] == 60.0
    assert notes == [f"{path}: 4 个无效浓度按缺测处理（负值 2，非数值 2）/ 4 invalid concentrations read as missing "
                     "(negative 2, not a number 2)"]


def test_defect_13_cnemc_invalid_cells_counted(tmp_path):
    path = write_cnemc_day(tmp_path, "20190101", {"1001A": 30.0})
    rows = _cnemc_rows(path)
    rows[1][3], rows[2][3] = "abc", "-5"
    _write_rows(path, rows)
    notes = []
    read_hourly([path], on_note=notes.append).count().execute()
    assert notes == [f"{path}: 2 个无效浓度按缺测处理（负值 1，非数值 1）/ 2 invalid concentrations read as missing "
                     "(negative 1, not a number 1)"]


def test_defect_15_underscored_numbers_are_not_values(tmp_path):
    path = write_wide(tmp_path, ["A,2019-01-01 01:00,1_000,9_7.5,1e3,12.5,.5,60\n"])
    row = read_hourly([path]).to_pyarrow().to_pylist()[0]
    assert (row["so2"], row["no2"], row["co"], row["o3"], row["pm10"], row["pm25"]) == (None, None, None, 12.5, 0.5, 60.0)
    long = tmp_path / "long.csv"
    long.write_text("station,time,pollutant,value\nA,2019-01-01 01:00,pm25,1_000\nA,2019-01-01 01:00,so2,7\n",
                    encoding="utf-8")
    row = read_hourly([long]).to_pyarrow().to_pylist()[0]
    assert row["pm25"] is None and row["so2"] == 7.0
    cnemc = write_cnemc_day(tmp_path, "20190101", {"1001A": 30.0})
    rows = _cnemc_rows(cnemc)
    rows[1][3] = "3_0"  # hour 0, PM2.5
    _write_rows(cnemc, rows)
    first = read_hourly([cnemc]).order_by("time").to_pyarrow().to_pylist()[0]
    assert first["pm25"] is None and first["pm10"] == 60.0


def test_defect_26_unknown_station_suggests_dropping(tmp_path):
    from meili.cli._common import HINTS

    path = write_wide(tmp_path, ["Z,2019-01-01 01:00,1,1,1,1,1,1\n"])
    with pytest.raises(AirInputError) as err:
        read_hourly([path], stations=read_stations(write_registry(tmp_path)))
    assert err.value.problems[0].kind == "unknown_station" and "drop" in str(err.value)
    assert "--drop-unknown-stations" in HINTS["unknown_station"]
