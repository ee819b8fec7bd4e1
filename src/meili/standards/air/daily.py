"""Daily values (日报) per station and per city, region or group, and their AQI.

HJ 633-2012 §5.1.2: the natural day, 7 indicators (SO2, NO2, CO, PM10, PM2.5 24-h means, O3 daily max 1-h,
O3 daily max 8-h). HJ 633-2026 §4.2.2: 6 indicators (no O3 1-h max). Validity (GB 3095-2012 §8 表4,
GB 3095-2026 §6.4 表4; HJ 663-2013 §6.1.2) from ``tables/validity.csv``. City, region and group values are the
arithmetic mean of their valid assessment stations (HJ 663; background sites excluded); the AQI is computed from
those concentrations, never by averaging station AQIs (HJ 633-2026 §4.2.2).
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir
import pyarrow as pa

from meili.errors import invalid_choice, needs_registry
from meili.standards.air import tables
from meili.standards.air.aqi import (
    aqi_of,
    exceeding_pollutants,
    indicator_iaqi,
    level_columns,
    not_measured_by_design,
    primary_pollutants,
    regime_of,
    rounded_concentration,
    with_not_measured,
)
from meili.standards.air.hourly import natural_day

MEAN_POLLUTANTS = ("so2", "no2", "co", "pm10", "pm25")
DAILY_COLUMNS = ("so2", "no2", "co", "o3_1h_max", "o3_8h_max", "pm10", "pm25")
ROUNDING_OF = {"so2": "so2", "no2": "no2", "co": "co", "o3_1h_max": "o3", "o3_8h_max": "o3", "pm10": "pm10",
               "pm25": "pm25"}
GROUPINGS = ("station", "city", "region", "group")
O3_CITY_ORDERS = ("station_mda8", "city_hourly")


def _limit_by_day(day: ir.DateValue, indicator: str) -> ir.FloatingValue:
    rows = [r for r in tables.limits() if r["indicator"] == indicator and r["class"] == 2]
    return ibis.cases(
        *((day.between(ibis.date(r["valid_from"]), ibis.date(r["valid_to"])), float(r["limit"])) for r in rows),
        else_=ibis.null("float64"),
    )


def _hour_of_day(time: ir.TimestampValue) -> ir.IntegerValue:
    """1 … 24 for the end labels 01:00 … 24:00 (00:00 of the next day) of the natural day."""
    return (time - ibis.interval(hours=1)).hour() + 1


def _with_day_and_hour(hourly: ir.Table) -> ir.Table:
    """``hourly`` with ``_day`` (natural day) and ``_hod`` (hour of that day, 1 … 24) as columns of their own, so
    that the daily aggregation computes them once per row instead of once per aggregate."""
    return hourly.mutate(_day=natural_day(hourly.time), _hod=_hour_of_day(hourly.time)).view()


def _o3_by_hour(t: ir.Table) -> dict[str, ir.FloatingValue]:
    """Aggregations giving the O3 value of each hour of the day (``_o3_h1`` … ``_o3_h24``; NULL when absent),
    to be evaluated per (station, natural day) alongside the daily means: one pass, no 24-hour grid join.
    ``t`` comes from :func:`_with_day_and_hour`. ``max(CASE …)`` rather than ``max(…) FILTER``: the same values,
    cheaper in DuckDB (figures in docs/benchmarks.md)."""
    null = ibis.null("float64")
    return {f"_o3_h{k}": ibis.ifelse(t._hod == k, t.o3, null).max() for k in range(1, 25)}


def _with_mda8(agg: ir.Table) -> ir.Table:
    """``agg`` (one row per station and ``_day`` with the hour columns of :func:`_o3_by_hour`) with ``o3_8h_max``
    and ``o3_8h_windows`` added (rules of :func:`o3_daily_max_8h`). Each 8-h mean is (sum of present values) /
    (their count), as ``avg`` computes it. Built in stages (``.view()``): the 17 means, then their max and count,
    then the validity rule, so that each expression is written and evaluated once (inlined, the means were
    repeated in every expression that used them)."""
    v = tables.validity()
    ends = range(v["o3_mda8_first_window_end"], v["o3_mda8_last_window_end"] + 1)
    means = {}
    for end in ends:
        hours = [agg[f"_o3_h{k}"] for k in range(end - 7, end + 1)]
        total = hours[0].fill_null(0.0)
        count = hours[0].notnull().cast("int64")
        for h in hours[1:]:
            total = total + h.fill_null(0.0)
            count = count + h.notnull().cast("int64")
        means[f"_m8_{end}"] = ibis.ifelse(count >= v["moving_8h_min_hours"], total / count, ibis.null("float64"))
    t = agg.mutate(**means).view()
    windows = t[f"_m8_{ends[0]}"].notnull().cast("int64")
    for end in ends[1:]:
        windows = windows + t[f"_m8_{end}"].notnull().cast("int64")
    t = t.mutate(_best=ibis.greatest(*(t[name] for name in means)), _windows=windows).view()
    valid = (t._windows >= v["o3_mda8_min_windows"]) | (t._best > _limit_by_day(t._day, "o3_8h"))
    # a day without any valid window has no MDA8 row: NULL window count, as before
    return t.mutate(
        o3_8h_max=ibis.ifelse(valid, t._best, ibis.null("float64")),
        o3_8h_windows=ibis.ifelse(t._windows > 0, t._windows, ibis.null("int64")),
    ).drop("_best", "_windows", *means, *(f"_o3_h{k}" for k in range(1, 25)))


def o3_daily_max_8h(hourly: ir.Table) -> ir.Table:
    """O3 daily maximum 8-h mean (MDA8) per station and day: ``station, date, o3_8h_max, o3_8h_windows``.

    HJ 663-2013 §6.1.2 [S]: the max of the 8-h moving averages ending 08:00 … 24:00 of the day (none crossing
    midnight); a window is valid with ≥ 6 hourly values (GB 3095 表4); the MDA8 is valid with ≥ 14 valid windows,
    or with fewer when it exceeds the Class 2 8-h limit of the day. The 24 hours of a station-day are gathered
    in one group-by (one column per hour), so the 17 windows are plain row arithmetic. One row per station-hour
    is expected (as :func:`meili.ingest.air.read_hourly` gives); of duplicates the highest O3 is used.
    """
    t = _with_day_and_hour(hourly)
    agg = _with_mda8(t.group_by(["station", "_day"]).aggregate(**_o3_by_hour(t)).view())
    out = agg.select(station=agg.station, date=agg._day, o3_8h_max=agg.o3_8h_max, o3_8h_windows=agg.o3_8h_windows)
    return out.filter(out.o3_8h_windows.notnull())


def station_daily(hourly: ir.Table) -> ir.Table:
    """Daily concentrations per station: ``station, date, so2, no2, co, pm10, pm25, o3_1h_max, o3_8h_max`` and
    ``hours_<p>`` counts. A 24-h mean needs ≥ 20 hourly values (GB 3095 表4), else NULL; so does the O3 1-h max
    ([U] the same rule, ``o3_1h_max_min_hours``). Values are unrounded; rounding happens for the IAQI and output.
    """
    v = tables.validity()
    t = _with_day_and_hour(hourly)
    aggs = {}
    for p in MEAN_POLLUTANTS:
        aggs[f"_mean_{p}"] = t[p].mean()
        aggs[f"hours_{p}"] = t[p].count()
    aggs["_o3_max"] = t.o3.max()
    aggs["hours_o3"] = t.o3.count()
    agg = _with_mda8(t.group_by(["station", "_day"]).aggregate(**aggs, **_o3_by_hour(t)).view())
    cols = {p: ibis.ifelse(agg[f"hours_{p}"] >= v["daily_min_hours"], agg[f"_mean_{p}"], ibis.null("float64"))
            for p in MEAN_POLLUTANTS}
    cols["o3_1h_max"] = ibis.ifelse(agg.hours_o3 >= v["o3_1h_max_min_hours"], agg._o3_max, ibis.null("float64"))
    return agg.select(station=agg.station, date=agg._day, **cols,
                      **{f"hours_{p}": agg[f"hours_{p}"] for p in (*MEAN_POLLUTANTS, "o3")},
                      o3_8h_max=agg.o3_8h_max, o3_8h_windows=agg.o3_8h_windows).view()


def daily_aqi(daily: ir.Table, *, key: str = "station", standard: str = "auto",
              not_measured: ir.Table | None = None) -> ir.Table:
    """Daily IAQI and AQI from daily concentrations (HJ 633-2012 §5.1.2, 表1; HJ 633-2026 §4.2.2, 表3).

    Concentrations are rounded (GB/T 8170), each IAQI ceiled; 2012: 7 indicators, O3 8-h > 800 reported by the
    O3 1-h IAQI (表1 注(3)); 2026: 6 indicators, O3 8-h > 800 → 300 (表3 注c)). Missing indicators: 2026 publishes
    the AQI only if > 100 (§5.3.1), a pollutant not measured by design (``not_measured``, from
    :func:`not_measured_by_design` keyed like ``daily.key``) not counting as missing (§5.3.2); 2012 needs all 7 [U].
    Adds ``regime, iaqi_*, aqi, level, primary_pollutant,
    category, colour, exceeding_pollutants`` and the rounded concentrations ``r_<column>``.
    """
    t = daily.mutate(_regime=regime_of(daily.date, standard))
    if not_measured is not None:
        t = with_not_measured(t, "key", not_measured)
    t = t.mutate(**{f"_u_{c}": rounded_concentration(t[c], ROUNDING_OF[c]) for c in DAILY_COLUMNS}).view()
    o3_1h = indicator_iaqi(t._u_o3_1h_max, "o3_1h", t._regime)
    is_2026 = t._regime == "2026"
    iaqis = {
        "so2": indicator_iaqi(t._u_so2, "so2_24h", t._regime),
        "no2": indicator_iaqi(t._u_no2, "no2_24h", t._regime),
        "co": indicator_iaqi(t._u_co, "co_24h", t._regime),
        "o3_1h": ibis.ifelse(is_2026, ibis.null("int64"), o3_1h),
        "o3_8h": indicator_iaqi(t._u_o3_8h_max, "o3_8h", t._regime, substitutes={"o3_1h": o3_1h}),
        "pm10": indicator_iaqi(t._u_pm10, "pm10_24h", t._regime),
        "pm25": indicator_iaqi(t._u_pm25, "pm25_24h", t._regime),
    }
    t = t.mutate(**{f"iaqi_{k}": v for k, v in iaqis.items()}).view()
    iaqis = {k: t[f"iaqi_{k}"] for k in iaqis}
    aqi = aqi_of(iaqis)
    is_2026 = t._regime == "2026"
    by_design = {c: (t[f"_nm_{ROUNDING_OF[c]}"] if not_measured is not None else ibis.literal(False))
                 for c in ("so2", "no2", "co", "o3_8h_max", "pm10", "pm25")}
    missing_2026 = ibis.or_(*(t[c].isnull() & ~flag for c, flag in by_design.items()))
    missing_2012 = ibis.or_(*(t[c].isnull() for c in DAILY_COLUMNS))  # no §5.3.2 in HJ 633-2012
    publish = ibis.ifelse(is_2026, ~missing_2026 | (aqi > 100), ~missing_2012)
    t = t.mutate(aqi=ibis.ifelse(publish, aqi, ibis.null("int64"))).view()
    levels = level_columns(t.aqi)
    scale = {c: 10 ** tables.rounding_decimals()[ROUNDING_OF[c]] for c in DAILY_COLUMNS}
    return t.mutate(
        regime=t._regime,
        level=levels["level"],
        primary_pollutant=primary_pollutants(t.aqi, {k: t[f"iaqi_{k}"] for k in iaqis}),
        category=levels["category"],
        colour=levels["colour"],
        exceeding_pollutants=exceeding_pollutants({k: t[f"iaqi_{k}"] for k in iaqis}, t._regime),
        **{f"r_{c}": t[f"_u_{c}"].cast("float64") / scale[c] for c in DAILY_COLUMNS},
    ).drop("_regime", *(f"_u_{c}" for c in DAILY_COLUMNS),
           *((f"_nm_{p}" for p in tables.POLLUTANTS) if not_measured is not None else ()))


def station_keys(registry: pa.Table, by: str) -> ir.Table:
    """(station, key) pairs of the assessment stations (background sites excluded, HJ 663) for ``by`` =
    city (``city_code``), region (``region_code``) or group (each id of ``groups``)."""
    reg = ibis.memtable(registry)
    reg = reg.filter(reg.kind != "background")
    if by == "city":
        return reg.select("station", key=reg.city_code)
    if by == "region":
        return reg.select("station", key=reg.region_code)
    if by == "group":
        exploded = reg.select("station", key=reg.groups.split(";")).unnest("key")
        exploded = exploded.mutate(key=exploded.key.strip())
        return exploded.filter(exploded.key != "")
    raise invalid_choice("by", by, GROUPINGS)


def group_daily(
    daily: ir.Table,
    keys: ir.Table,
    *,
    hourly: ir.Table | None = None,
    o3_order: str = "station_mda8",
) -> ir.Table:
    """Daily concentrations of cities, regions or groups: ``key, date, <daily columns>, stations``.

    The arithmetic mean of the valid values of its assessment stations, per pollutant (HJ 663 [U: city = mean
    of stations]). ``o3_order``: ``station_mda8`` (default: the mean of the stations' MDA8) or ``city_hourly``
    (mean of station hours → 8-h moving means → MDA8; needs ``hourly``). See docs/air.md for the choice.
    """
    if o3_order not in O3_CITY_ORDERS:
        raise invalid_choice("o3_order", o3_order, O3_CITY_ORDERS)
    d = daily.join(keys, "station")
    agg = d.group_by(["key", "date"]).aggregate(
        **{c: d[c].mean() for c in DAILY_COLUMNS},
        stations=d.station.nunique(),
    )
    if o3_order == "city_hourly":
        if hourly is None:
            raise ValueError("city_hourly 需要小时数据 / the city_hourly O3 order needs the hourly table")
        h = hourly.join(keys, "station")
        city_hours = h.group_by(["key", "time"]).aggregate(o3=h.o3.mean())
        mda8 = o3_daily_max_8h(city_hours.rename(station="key"))
        agg = agg.drop("o3_8h_max").left_join(mda8, [agg.key == mda8.station, agg.date == mda8.date])
        agg = agg.select("key", "date", *[c for c in DAILY_COLUMNS if c != "o3_8h_max"], "o3_8h_max", "stations")
    return agg.view()


def _input_days(hourly: ir.Table) -> ir.Table:
    """One row ``_first, _last``: the first and last natural day of which the input holds an hour other than the
    day's last (the 24:00 label, which a file of the next calendar day carries: a CNEMC file of 1 January holds the
    hour ending 00:00, i.e. the last hour of 31 December)."""
    t = hourly.mutate(_day=natural_day(hourly.time), _hod=_hour_of_day(hourly.time))
    inside = t.filter(t._hod < 24)
    return inside.aggregate(_first=inside._day.min(), _last=inside._day.max())


def key_names(registry: pa.Table | None, by: str) -> ir.Table | None:
    """``key, name``: the name beside each key of a grouping — a station's ``name``, a city's ``city`` (the
    registry's city name); None for regions and groups (the registry names neither)."""
    if registry is None or by not in ("station", "city"):
        return None
    reg = ibis.memtable(registry)
    key, name = (reg.station, reg.name) if by == "station" else (reg.city_code, reg.city)
    named = reg.select(key=key, name=ibis.ifelse(name.strip() == "", ibis.null("string"), name))
    return named.group_by("key").aggregate(name=named.name.min())


def daily_values(
    hourly: ir.Table,
    *,
    registry: pa.Table | None = None,
    by: str = "station",
    standard: str = "auto",
    o3_order: str = "station_mda8",
) -> ir.Table:
    """Daily report per station or per city/region/group, in the CLI's column order:
    ``key, name, date, aqi, level, primary_pollutant, so2, no2, co, o3_1h_max, o3_8h_max, pm10, pm25``
    (concentrations rounded by GB/T 8170; ``o3_1h_max`` NULL under 2026 is still given as a value but has no IAQI),
    then ``station`` (by station) or ``stations`` (count), ``regime, category, colour, exceeding_pollutants,
    iaqi_*``. ``key`` is the registry's code (station code, ``city_code``, ``region_code`` or group id) and
    ``name`` its name where the registry gives one (:func:`key_names`).

    Days outside the input's period (:func:`_input_days`: before the first or after the last natural day of which
    the input holds an hour other than 24:00) are not emitted when they have no valid value — the hour ending
    00:00 on the first day of the input belongs to the day before (HJ 633's natural day), and one hour makes no
    daily value. Days inside the period are emitted even when empty, so gaps stay visible.
    """
    if by not in GROUPINGS:
        raise invalid_choice("by", by, GROUPINGS)
    sd = station_daily(hourly)
    if by == "station":
        table = daily_aqi(sd.rename(key="station"), standard=standard, not_measured=not_measured_by_design(registry))
    else:
        if registry is None:
            raise needs_registry(by)
        keys = station_keys(registry, by)
        table = daily_aqi(group_daily(sd, keys, hourly=hourly, o3_order=o3_order), standard=standard,
                          not_measured=not_measured_by_design(registry, keys))
    any_value = ibis.or_(table.aqi.notnull(), *(table[c].notnull() for c in DAILY_COLUMNS))
    bounds = _input_days(hourly)
    table = table.cross_join(bounds)
    table = table.filter(any_value | table.date.between(table._first, table._last)).drop("_first", "_last")
    names = key_names(registry, by)
    if names is not None:
        table = table.left_join(names, "key").drop("key_right")
    name = table.name if names is not None else ibis.null("string").name("name")
    iaqi_cols = [c for c in table.columns if c.startswith("iaqi_")]
    return table.select(
        table.key, name, table.date, table.aqi, table.level, table.primary_pollutant,
        *(table[f"r_{c}"].name(c) for c in DAILY_COLUMNS),
        table.key.name("station") if by == "station" else table.stations,
        table.regime, table.category, table.colour, table.exceeding_pollutants, *iaqi_cols,
    )
