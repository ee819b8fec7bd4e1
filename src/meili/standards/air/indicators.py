"""Plan measures 16.x (PM2.5) and 17.x (优良天数比率) as tidy observation rows, computed from hourly data.

Measure ids of the Ganzhou plan: 16.1 PM2.5 中心城区, 16.2 PM2.5 县级及以上城市, 17.1 优良天数比率 中心城区,
17.2 优良天数比率 县级及以上城市. The observation store (issue 3) takes these rows with their provenance.
"""

from __future__ import annotations

from pathlib import Path

import ibis
import ibis.expr.types as ir
import pyarrow as pa

from meili.standards.air import annual as N
from meili.standards.air import aqi as A
from meili.standards.air import daily as D

OBSERVATION_COLUMNS = ("plan", "region", "measure", "year", "value", "state", "unit", "source", "note")
CENTRAL_URBAN = "central_urban"
COUNTY_LEVEL_CITIES = "county_level_cities"
OBSERVATION_SCHEMA = pa.schema([
    ("plan", pa.string()), ("region", pa.string()), ("measure", pa.string()), ("year", pa.int64()),
    ("value", pa.float64()), ("state", pa.string()), ("unit", pa.string()), ("source", pa.string()),
    ("note", pa.string()),
])


def central_urban_keys(registry: pa.Table, city_code: str) -> ir.Table:
    """Stations of the 中心城区 group: the registry's ``central_urban`` group when it has one, else every
    assessment station of the city (the national-control sites, background sites excluded)."""
    groups = D.station_keys(registry, "group")
    member = groups.filter(groups.key == CENTRAL_URBAN)
    if member.count().to_pyarrow().as_py() > 0:
        return member
    reg = ibis.memtable(registry)
    reg = reg.filter((reg.kind != "background") & (reg.city_code == city_code))
    return reg.select("station", key=ibis.literal(CENTRAL_URBAN))


def plan_indicators(
    hourly: ir.Table,
    registry: pa.Table,
    *,
    year: int,
    sources: list[str | Path],
    plan: str = "ganzhou",
    city_code: str = "360700",
    standard: str = "auto",
) -> pa.Table:
    """Observation rows ``plan,region,measure,year,value,state,unit,source,note`` for measures 16.1/16.2/17.1/17.2.

    中心城区 (16.1, 17.1): the annual PM2.5 mean (μg/m³, GB/T 8170 integer) and 优良天数比率 (%, 1 decimal) of the
    group's daily values (HJ 663: group day = mean of its valid assessment stations). 县级及以上城市 (16.2, 17.2):
    the arithmetic mean over the counties (``region_code``) of the stations in group ``county_level_cities``
    ([R] reference/measures.md: 县年均的算术平均); with no such stations the rows have state ``missing``.
    ``state`` is ``measured`` when the year meets GB 3095 表4 (≥ 324 days, ≥ 27 a month, 25 in February),
    else ``incomplete``. ``note`` gives valid days, valid station-days and the input files.
    """
    source = "; ".join(str(s) for s in sources)
    sd = D.station_daily(hourly).filter(lambda t: t.date.year() == year).view()
    rows: list[dict] = []

    central = central_urban_keys(registry, city_code)
    daily = D.daily_aqi(D.group_daily(sd, central), standard=standard,
                        not_measured=A.not_measured_by_design(registry, central))
    stats = N.period_statistics(daily, period="year", year=year).filter(lambda t: t.period == str(year))
    got = stats.to_pyarrow().to_pylist()
    central_days = sd.semi_join(central, "station").filter(lambda t: t.pm25.notnull())
    station_days = central_days.count().to_pyarrow().as_py()
    n_stations = central_days.station.nunique().to_pyarrow().as_py()
    if got:
        s = got[0]
        state = "measured" if s["complete"] else "incomplete"
        note = (f"valid days (AQI) {s['valid_days']}; valid PM2.5 station-days {station_days} over {n_stations} "
                f"stations; HJ 663 complete: {s['complete']}; files: {source}")
        rows.append(dict(region=CENTRAL_URBAN, measure="16.1", value=s["pm25"], state=state, unit="μg/m³", note=note))
        rows.append(dict(region=CENTRAL_URBAN, measure="17.1", value=s["good_rate"], state=state, unit="%", note=note))
    else:
        for measure, unit in (("16.1", "μg/m³"), ("17.1", "%")):
            rows.append(dict(region=CENTRAL_URBAN, measure=measure, value=None, state="missing", unit=unit,
                             note=f"no data for {year} at {n_stations} central-urban stations; files: {source}"))

    groups = D.station_keys(registry, "group")
    counties = groups.filter(groups.key == COUNTY_LEVEL_CITIES).select("station")
    reg = ibis.memtable(registry)
    county_keys = reg.semi_join(counties, "station").select("station", key=reg.region_code)
    county_stats = []
    if county_keys.count().to_pyarrow().as_py() > 0:
        cdaily = D.daily_aqi(D.group_daily(sd, county_keys), standard=standard,
                             not_measured=A.not_measured_by_design(registry, county_keys))
        county_stats = (N.period_statistics(cdaily, period="year", year=year)
                        .filter(lambda t: t.period == str(year)).to_pyarrow().to_pylist())
    if county_stats:
        pm = [c["pm25"] for c in county_stats if c["pm25"] is not None]
        good = [c["good_rate"] for c in county_stats if c["good_rate"] is not None]
        state = "measured" if all(c["complete"] for c in county_stats) else "incomplete"
        note = (f"mean of {len(county_stats)} counties ({', '.join(sorted(c['key'] for c in county_stats))}); "
                f"files: {source}")
        rows.append(dict(region=COUNTY_LEVEL_CITIES, measure="16.2", value=round(sum(pm) / len(pm), 1) if pm else None,
                         state=state, unit="μg/m³", note=note))
        rows.append(dict(region=COUNTY_LEVEL_CITIES, measure="17.2",
                         value=round(sum(good) / len(good), 1) if good else None, state=state, unit="%", note=note))
    else:
        for measure, unit in (("16.2", "μg/m³"), ("17.2", "%")):
            rows.append(dict(region=COUNTY_LEVEL_CITIES, measure=measure, value=None, state="missing", unit=unit,
                             note="无县级站点数据 / no station of group county_level_cities in the registry or "
                                  f"data; files: {source}"))
    for r in rows:
        r.update(plan=plan, year=year, source=source)
    return pa.Table.from_pylist(rows, schema=OBSERVATION_SCHEMA)
