"""Rebuild ganzhou-2019-hourly.parquet from ../shared/data/air/jiangxi-2019 (run from the repository root)."""

from pathlib import Path

import ibis

from meili.ingest.air import read_hourly

SOURCE = Path("../shared/data/air/jiangxi-2019")
STATIONS = ["2362A", "2363A", "2364A", "2365A", "2366A"]

con = ibis.duckdb.connect()
hourly = read_hourly([SOURCE], con=con)
extract = hourly.filter(hourly.station.isin(STATIONS)).select(
    "station", time=hourly.label.strftime("%Y-%m-%d %H:%M"), so2="so2", no2="no2", co="co", o3="o3",
    pm10="pm10", pm25="pm25",
).order_by(["station", "time"])
extract.to_parquet(Path(__file__).with_name("ganzhou-2019-hourly.parquet"), compression="zstd")
