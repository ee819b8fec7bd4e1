"""The air readers (CNEMC files, wide/long tables, registries): values, strict errors, formats."""

from __future__ import annotations

import csv

import pytest

from meili.ingest.air import AirInputError, read_hourly, read_stations
from tests.helpers.air import WIDE, write_registry, write_wide


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




