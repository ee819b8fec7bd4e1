"""Small helpers to evaluate the Ibis expressions of meili.standards.air on literal values."""

from __future__ import annotations

import csv
from pathlib import Path

import ibis

from meili.standards.air import aqi


def iaqi_values(values, indicator, regime, method="any", substitute=None):
    """IAQI of each concentration in ``values`` (through rounding, then the exact ceil)."""
    pollutant = indicator.split("_")[0]
    t = ibis.memtable({"c": [float(v) if v is not None else None for v in values],
                       "s": [substitute] * len(values)}, schema={"c": "float64", "s": "int64"})
    units = aqi.rounded_concentration(t.c, pollutant)
    substitutes = {}
    if substitute is not None:
        substitutes = {"so2_24h": t.s, "o3_1h": t.s}
    expr = aqi.indicator_iaqi(units, indicator, regime, method=method, substitutes=substitutes)
    out = t.select(v=expr).to_pyarrow().column("v").to_pylist()
    return out


def iaqi_value(value, indicator, regime, method="any", substitute=None):
    return iaqi_values([value], indicator, regime, method, substitute)[0]


def rounded_units(values, pollutant):
    t = ibis.memtable({"c": [float(v) for v in values]}, schema={"c": "float64"})
    return t.select(v=aqi.rounded_concentration(t.c, pollutant)).to_pyarrow().column("v").to_pylist()


WIDE = "station,time,so2,no2,co,o3,pm10,pm25\n"



def write_wide(tmp_path, rows, name="h.csv"):
    path = tmp_path / name
    path.write_text(WIDE + "".join(rows), encoding="utf-8")
    return path



def write_registry(tmp_path):
    path = tmp_path / "st.csv"
    path.write_text("station,name,city_code,region_code,lon,lat,kind,groups\n"
                    "A,a,C1,R1,114.9,25.8,assessment,central_urban\n"
                    "B,b,C1,R1,,,background,\n", encoding="utf-8")
    return path


def write_cnemc_day(folder: Path, day: str, stations: dict[str, float]) -> Path:
    """A CNEMC daily file (hours 0–23, end labels) with the same concentrations every hour; PM2.5 per station."""
    path = folder / f"china_sites_{day}.csv"
    rows = [["date", "hour", "type", *stations]]
    for hour in range(24):
        for kind, value in (("PM2.5", None), ("PM10", 60), ("SO2", 10), ("NO2", 20), ("O3", 50), ("CO", 1.0)):
            rows.append([day, str(hour), kind, *(str(pm25 if value is None else value) for pm25 in stations.values())])
    with path.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows(rows)
    return path
