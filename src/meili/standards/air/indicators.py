"""Plan measures computed from hourly station data, as tidy observation rows.

Which measure is computed, and over which stations, is the plan's word: its bindings (``computed_by`` in the plan
file, :class:`meili.standards.computations.AirScope`) name an HJ 663 annual statistic (``air.pm25_annual_mean``,
``air.good_day_rate`` …) and a station set (a region group, or a city or county). This module knows no plan's
numbering. The observation store takes the rows with their provenance (:mod:`meili.ingest.computed`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import ibis
import ibis.expr.types as ir
import pyarrow as pa

from meili.observation import OBSERVATION_COLUMNS, OBSERVATION_SCHEMA, Quality, observation_table
from meili.standards.air.annual import period_statistics
from meili.standards.air.aqi import not_measured_by_design
from meili.standards.air.daily import daily_aqi, group_daily, station_daily, station_keys
from meili.standards.computations import AirScope, BindingParams, computation, resolve_plan
from meili.standards.rounding import mean_rounded

if TYPE_CHECKING:
    from meili.plan import Plan

__all__ = ["OBSERVATION_COLUMNS", "OBSERVATION_SCHEMA", "plan_indicators", "scope_stations"]


def scope_stations(registry: pa.Table, scope: AirScope, city_code: str) -> ir.Table:
    """The assessment stations (background sites excluded, HJ 663) of a binding's scope: ``station``.

    ``group``: the stations the registry's ``groups`` column puts in it; when there are none and the binding has
    ``fallback: city``, every assessment station of ``city_code`` (the national station list has no groups).
    ``region``: the stations whose ``city_code`` or ``region_code`` is that code.
    """
    reg = ibis.memtable(registry)
    assessment = reg.filter(reg.kind != "background")
    if scope.region is not None:
        return assessment.filter((assessment.city_code == scope.region)
                                 | (assessment.region_code == scope.region)).select("station")
    groups = station_keys(registry, "group")
    member = groups.filter(groups.key == scope.group).select("station")
    if scope.fallback == "city" and member.count().to_pyarrow().as_py() == 0:
        return assessment.filter(assessment.city_code == city_code).select("station")
    return member


def _annual(sd: ir.Table, registry: pa.Table, keys: ir.Table, *, year: int, standard: str) -> list[dict]:
    """HJ 663 statistics of ``year`` per key of ``keys`` (``station, key``)."""
    daily = daily_aqi(group_daily(sd, keys), standard=standard, not_measured=not_measured_by_design(registry, keys))
    stats = period_statistics(daily, period="year", year=year)
    return stats.filter(stats.period == str(year)).to_pyarrow().to_pylist()


def _label(scope: AirScope) -> str:
    return f"group {scope.group}" if scope.group is not None else f"region {scope.region}"


def _stations_rows(sd, registry, scope: AirScope, measures, *, year, standard, city_code, source) -> list[dict]:
    """``aggregate: stations``: one value for the whole station set (HJ 663 group day = mean of its stations)."""
    stations = scope_stations(registry, scope, city_code)
    got = _annual(sd, registry, stations.select("station", key=ibis.literal(scope.scope)), year=year,
                  standard=standard)
    scope_days = sd.semi_join(stations, "station").filter(lambda t: t.pm25.notnull())
    # one query for both counts: each pass recomputes the station days from the hourly input
    counts = scope_days.aggregate(days=scope_days.count(), stations=scope_days.station.nunique())
    station_days, n_stations = counts.to_pyarrow().to_pylist()[0].values()
    if not got:
        label = scope.scope.replace("_", "-")
        return [dict(region=scope.scope, measure=m, value=None, state=Quality.MISSING, unit=c.unit,
                     note=f"no data for {year} at {n_stations} {label} stations; files: {source}")
                for m, c in measures]
    s = got[0]
    state = Quality.MEASURED if s["complete"] else Quality.INCOMPLETE
    note = (f"valid days (AQI) {s['valid_days']}; valid PM2.5 station-days {station_days} over {n_stations} "
            f"stations; HJ 663 complete: {s['complete']}; files: {source}")
    return [dict(region=scope.scope, measure=m, value=s[c.statistic], state=state, unit=c.unit, note=note)
            for m, c in measures]


def _counties_rows(sd, registry, scope: AirScope, measures, *, year, standard, city_code, source) -> list[dict]:
    """``aggregate: mean_of_counties``: the arithmetic mean over the counties (``region_code``) of the station set
    of their annual values ([R] reference/measures.md: 县年均的算术平均), rounded to 1 decimal by GB/T 8170-2008 §3.2
    (:func:`meili.standards.rounding.mean_rounded`)."""
    stations = scope_stations(registry, scope, city_code)
    reg = ibis.memtable(registry)
    county_keys = reg.semi_join(stations, "station").select("station", key=reg.region_code)
    stats = []
    if county_keys.count().to_pyarrow().as_py() > 0:
        stats = _annual(sd, registry, county_keys, year=year, standard=standard)
    if not stats:
        return [dict(region=scope.scope, measure=m, value=None, state=Quality.MISSING, unit=c.unit,
                     note=f"无县级站点数据 / no station of {_label(scope)} in the registry or data; files: {source}")
                for m, c in measures]
    state = Quality.MEASURED if all(s["complete"] for s in stats) else Quality.INCOMPLETE
    note = f"mean of {len(stats)} counties ({', '.join(sorted(s['key'] for s in stats))}); files: {source}"
    # one value per county (a few dozen rows at most), not a data path
    return [dict(region=scope.scope, measure=m, value=mean_rounded((s[c.statistic] for s in stats), 1), state=state,
                 unit=c.unit, note=note)
            for m, c in measures]


def plan_indicators(
    hourly: ir.Table,
    registry: pa.Table,
    *,
    year: int,
    sources: list[str | Path],
    bindings: Mapping[str, BindingParams | Mapping] | None = None,
    plan: str | Path | Plan = "ganzhou",
    city_code: str | None = None,
    standard: str = "auto",
    input_notes: Sequence[str] = (),
    station_days: ir.Table | None = None,
) -> pa.Table:
    """Observation rows ``plan, region, measure, year, value, state, unit, source, note`` (OBSERVATION_SCHEMA):
    one per measure bound to an air computation, for its scope (``region`` = the group id or region code).

    ``bindings``: measure id → binding (:attr:`meili.plan.Plan.bindings`, or mappings as a plan file writes
    them); None: the bindings of ``plan`` (a built-in plan id, a plan file or a :class:`~meili.plan.Plan`,
    :func:`meili.plan.load_plan`). Bindings of other domains are skipped.
    ``city_code``: the city of a ``fallback: city`` (None: the plan's region).

    ``aggregate: stations`` — the annual statistic (PM2.5 mean: μg/m³, GB/T 8170 integer; 优良天数比率: %,
    1 decimal) of the set's daily values (HJ 663: group day = mean of its valid assessment stations).
    ``aggregate: mean_of_counties`` — the arithmetic mean over the counties (``region_code``) of the set; with
    no such stations the rows are ``missing``. ``state`` is the quality flag :class:`meili.observation.Quality`:
    ``measured`` when the year meets GB 3095 表4 (≥ 324 days, ≥ 27 a month, 25 in February) — for a mean of
    counties, every county — else ``incomplete``. ``note`` gives valid days, valid station-days and the files.
    Rows come per scope (in the order of the bindings' first appearance), then in the bindings' order.
    ``station_days``: :func:`~meili.standards.air.daily.station_daily` of ``hourly`` when the caller has computed it
    already (the same values; the hourly → daily chain is then not compiled and run again).
    """
    plan_id, bound, city_code = resolve_plan(plan, bindings, city_code, "air")
    source = "; ".join(str(s) for s in sources)
    scopes: dict[tuple, tuple[AirScope, list]] = {}
    for measure, binding in bound.items():
        assert isinstance(binding, AirScope)
        scopes.setdefault(binding.scope_key, (binding, []))[1].append((measure, computation(binding.computation)))
    rows: list[dict] = []
    if scopes:
        sd = station_days if station_days is not None else station_daily(hourly)
        sd = sd.filter(lambda t: t.date.year() == year).view()
        for scope, measures in scopes.values():
            compute = _counties_rows if scope.aggregate == "mean_of_counties" else _stations_rows
            rows += compute(sd, registry, scope, measures, year=year, standard=standard, city_code=city_code or "",
                            source=source)
    for r in rows:
        r.update(plan=plan_id, year=year, source=source)
        if input_notes:  # the reader's counts of invalid cells: part of the value's provenance (issue 15 #13)
            r["note"] = "; ".join([r["note"], *input_notes]) if r.get("note") else "; ".join(input_notes)
    return observation_table(rows)
