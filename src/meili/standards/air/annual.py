"""Period evaluation (HJ 663): means, percentiles, 达标, 优良天数比率, 综合指数 and ranking.

Input: daily values with AQI (:func:`meili.standards.air.daily.daily_aqi`) keyed by ``key`` (a station, city,
region or group). Periods: ``year`` (``YYYY``), ``half`` (``YYYY-H1`` 上半年, ``YYYY-H2`` 下半年), ``quarter``
(``YYYY-Qn``), ``month`` (``YYYY-MM``) — the periods of the city ranking (城市环境空气质量排名技术规定 [S]).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import ibis
import ibis.expr.types as ir

from meili.errors import invalid_choice, needs_registry
from meili.standards.air import aqi, tables
from meili.standards.rounding import round_half_even

PERIODS = ("year", "half", "quarter", "month")
MONTHS_IN = {"year": 12, "half": 6, "quarter": 3, "month": 1}
MEAN_ITEMS = {"so2": "so2_annual", "no2": "no2_annual", "pm10": "pm10_annual", "pm25": "pm25_annual"}
SERIES = ("so2", "no2", "co", "pm10", "pm25", "o3_8h_max")


def period_label(date: ir.DateValue, period: str) -> ir.StringValue:
    """``YYYY``, ``YYYY-Hn``, ``YYYY-Qn`` or ``YYYY-MM`` of a date."""
    year = date.year().cast("string")
    if period == "year":
        return year
    if period == "half":
        return year + "-H" + (((date.month() - 1) // 6) + 1).cast("string")
    if period == "quarter":
        return year + "-Q" + (((date.month() - 1) // 3) + 1).cast("string")
    if period == "month":
        return date.strftime("%Y-%m")
    raise invalid_choice("period", period, PERIODS)


def period_kind(label: ir.StringValue) -> ir.StringValue:
    """The kind of a :func:`period_label`: ``year`` (``YYYY``), ``half`` (``-H``), ``quarter`` (``-Q``) or ``month``."""
    return ibis.cases((label.length() == 4, "year"), (label.contains("-H"), "half"), (label.contains("-Q"), "quarter"),
                      else_="month")


def percentile(values: ir.NumericColumn, p: float) -> ir.FloatingScalar:
    """HJ 663-2013 附录A [S]: k = 1 + (n − 1)·p/100, s = ⌊k⌋, m_p = X(s) + (X(s+1) − X(s))·(k − s).

    This is the linear interpolation of DuckDB's ``quantile_cont`` (Hyndman–Fan type 7), which Ibis emits for
    ``quantile``. Example of the standard: {3, 4, 8, 2, 5, 4}, p = 90 → 6.5.
    """
    return values.quantile(p / 100.0)


def good_aqi_max() -> int:
    """The highest AQI of a 优良 day (优 or 良: levels 一级 and 二级, AQI 0–100; HJ 633-2012 §4.3 表2,
    ``tables/levels.csv``)."""
    return max(int(r["aqi_hi"]) for r in tables.levels() if r["category_zh"] in ("优", "良"))


def _rounded(value: ir.NumericValue, pollutant: str) -> ir.FloatingValue:
    scale = 10 ** tables.rounding_decimals()[pollutant]
    return aqi.rounded_concentration(value, pollutant).cast("float64") / scale


def period_statistics(daily: ir.Table, *, period: str | Sequence[str] = "year", year: int | None = None) -> ir.Table:
    """HJ 663 period statistics per key: ``key, period, so2, no2, pm10, pm25, co_p95, o3_8h_p90`` (GB/T 8170
    rounded: integer μg/m³, CO 0.1 mg/m³), the 24-h percentiles ``so2_p98, no2_p98, pm10_p95, pm25_p95``,
    ``valid_days`` (days with a valid AQI), ``good_days``, ``good_rate`` (%, 1 decimal), ``days_level_1…6``,
    ``complete`` (every series has ≥ 27 valid days each month, 25 in February, and ≥ 324 a year: GB 3095 表4),
    ``attained`` (every item within the Class 2 limit in force on the period's last day, judged on the values
    there are; NULL only when an item has no value at all), ``attained_provisional`` (true when the period is not
    ``complete``: the judgement stands on data short of HJ 663's completeness rule, as a provisional value does)
    and ``composite_index`` (I_sum = Σ w_i·C_i/S_i over ``tables/composite_index.csv``, 2 decimals).
    Published numbers are rounded by GB/T 8170-2008 §3.2 on their decimal value (:mod:`meili.standards.rounding`):
    ``good_rate`` to 0.1 %, ``composite_index`` to 0.01 (城市环境空气质量排名技术规定 [S]).

    ``period`` several kinds (``("year", "month")``): one query for all of them; every statistic is computed per
    key and period, so each kind's rows (:func:`period_kind` of ``period``) are those of a call for it alone.
    """
    stacked = not isinstance(period, str)
    for p in (period if stacked else [period]):
        if p not in PERIODS:
            raise invalid_choice("period", p, PERIODS)
    d = daily
    if year is not None:
        d = d.filter(d.date.year().isin([year, year - 1]))
    if stacked:  # each day counts in a period of each kind, whose labels tell them apart (2019, 2019-03)
        d = ibis.union(*(d.mutate(period=period_label(d.date, p)) for p in period), distinct=False)
        d = d.mutate(_month=d.date.month(), _ym=d.date.strftime("%Y-%m"))
    else:
        d = d.mutate(period=period_label(d.date, period), _month=d.date.month(), _ym=d.date.strftime("%Y-%m"))
    pct = {r["indicator"]: (r["daily_series"], float(r["percentile"])) for r in tables.percentiles()}
    aggs: dict[str, ir.Value] = {p: d[p].mean() for p in MEAN_ITEMS}
    aggs.update({name: percentile(d[series], p) for name, (series, p) in pct.items()})
    aggs.update(
        valid_days=d.aqi.count(),
        good_days=(d.aqi <= good_aqi_max()).sum(),
        last_day=d.date.max(),
        **{f"days_level_{r['level']}": (d.level == int(r["level"])).sum() for r in tables.levels()},
        **{f"days_{s}": d[s].count() for s in SERIES},
    )
    stats = d.group_by(["key", "period"]).aggregate(**aggs)
    # monthly completeness: every month of the period present and ≥ 27 (25 in February) valid days per series
    v = tables.validity()
    monthly = d.group_by(["key", "period", "_ym", "_month"]).aggregate(**{f"n_{s}": d[s].count() for s in SERIES})
    need = ibis.ifelse(monthly._month == 2, v["february_min_days"], v["monthly_min_days"])
    monthly = monthly.mutate(_ok=ibis.and_(*(monthly[f"n_{s}"] >= need for s in SERIES)))
    months = monthly.group_by(["key", "period"]).aggregate(_months_ok=monthly._ok.sum())
    stats = stats.left_join(months, ["key", "period"]).drop("key_right", "period_right")
    annual_days = ibis.and_(*(stats[f"days_{s}"] >= v["annual_min_days"] for s in SERIES))
    if stacked:
        kind = period_kind(stats.period)
        months_in = ibis.cases(*((kind == k, n) for k, n in MONTHS_IN.items()))
        complete = stats._months_ok == months_in
        complete = ibis.ifelse(kind == "year", complete & annual_days, complete)
    else:
        complete = stats._months_ok == MONTHS_IN[period]
        if period == "year":
            complete = complete & annual_days
    stats = stats.mutate(complete=complete.fill_null(False))
    rounded = {p: _rounded(stats[p], p) for p in MEAN_ITEMS}
    rounded.update({name: _rounded(stats[name], series.split("_")[0]) for name, (series, _) in pct.items()})
    stats = stats.mutate(**rounded).view()
    limits_by = {item: ibis.literal(0.0)
                 for item in (*MEAN_ITEMS.values(), *(r["limit_indicator"] for r in tables.percentiles()))}
    for item in limits_by:
        rows = [r for r in tables.limits() if r["indicator"] == item and r["class"] == 2]
        limits_by[item] = ibis.cases(
            *((stats.last_day.between(ibis.date(r["valid_from"]), ibis.date(r["valid_to"])), float(r["limit"]))
              for r in rows), else_=ibis.null("float64"))
    within = [stats[p] <= limits_by[item] for p, item in MEAN_ITEMS.items()]
    within += [stats[r["indicator"]] <= limits_by[r["limit_indicator"]] for r in tables.percentiles()]
    # 达标 on the values there are (NULL when an item has none); provisional when the period is not complete
    attained = ibis.and_(*within)
    terms = [float(r["weight"]) * stats[r["indicator"]] / float(r["standard_value"])
             for r in tables.composite_index_weights()]
    composite = terms[0]
    for term in terms[1:]:
        composite = composite + term
    return stats.mutate(
        attained=attained,
        attained_provisional=attained.notnull() & ~stats.complete,
        composite_index=round_half_even(composite, 2),
        good_rate=ibis.ifelse(stats.valid_days > 0, round_half_even(stats.good_days * 100.0 / stats.valid_days, 1),
                              ibis.null("float64")),
    ).drop("_months_ok", "last_day", *(f"days_{s}" for s in SERIES)).view()


def rank_periods(stats: ir.Table, *, year: int | None = None) -> ir.Table:
    """Rank keys within each period by 综合指数, ascending, ties ranked equal (``1, 2, 2, 4``), and add
    ``change_rate`` = (I_sum − I_sum,last)/I_sum,last × 100 (%, 2 decimals; negative = better) against the same
    period a year before when present (城市环境空气质量排名技术规定, 环办监测〔2018〕19号 [S])."""
    ranked = stats.mutate(
        rank=ibis.ifelse(stats.composite_index.isnull(), ibis.null("int64"),
                         ibis.rank().over(group_by=["period", stats.composite_index.isnull()],
                                          order_by=stats.composite_index) + 1),
        _year=stats.period.left(4).cast("int64"),
        _within=stats.period.substr(4),
    )
    # The same period a year before, by a window over the key's periods of the same kind (``-Q1``, ``-H2``, …)
    # rather than a self-join: the statistics query is then compiled and run once, not twice.
    earlier = ibis.window(group_by=["key", "_within"], order_by="_year")
    ranked = ranked.mutate(_last_year=ranked._year.lag().over(earlier),
                           _last_index=ranked.composite_index.lag().over(earlier))
    last = ibis.ifelse(ranked._last_year == ranked._year - 1, ranked._last_index, ibis.null("float64"))
    out = ranked.mutate(change_rate=round_half_even((ranked.composite_index - last) / last * 100, 2))
    out = out.drop("_year", "_within", "_last_year", "_last_index")
    if year is not None:
        out = out.filter(out.period.left(4) == str(year))
    return out.order_by(["period", "rank", "key"])


def annual_table(daily: ir.Table, *, period: str | Sequence[str] = "year", year: int | None = None) -> ir.Table:
    """Statistics and ranking in the CLI's column order (other columns after); ``period`` one kind or several
    (:func:`period_statistics`; ranks are taken within a period, whose labels differ by kind)."""
    ranked = rank_periods(period_statistics(daily, period=period, year=year), year=year)
    first = ["key", "period", "so2", "no2", "pm10", "pm25", "co_p95", "o3_8h_p90", "good_rate", "valid_days",
             "complete", "attained", "attained_provisional", "composite_index", "rank", "change_rate"]
    return ranked.select(*first, *[c for c in ranked.columns if c not in first])


def days_in_year(year: int) -> int:
    return (dt.date(year + 1, 1, 1) - dt.date(year, 1, 1)).days


def daily_for_evaluation(
    hourly: ir.Table,
    *,
    registry=None,
    by: str = "city",
    standard: str = "auto",
    o3_order: str = "station_mda8",
    station_days: ir.Table | None = None,
) -> ir.Table:
    """Daily values with AQI (unrounded concentrations) keyed by ``key`` for :func:`period_statistics`.
    ``station_days``: :func:`~meili.standards.air.daily.station_daily` of ``hourly`` when the caller has it already
    (a table computed once: the same values, compiled and run once)."""
    from meili.standards.air.daily import daily_aqi, group_daily, station_daily, station_keys

    sd = station_days if station_days is not None else station_daily(hourly)
    if by == "station":
        return daily_aqi(sd.rename(key="station"), standard=standard,
                         not_measured=aqi.not_measured_by_design(registry))
    if registry is None:
        raise needs_registry(by)
    keys = station_keys(registry, by)
    return daily_aqi(group_daily(sd, keys, hourly=hourly, o3_order=o3_order), standard=standard,
                     not_measured=aqi.not_measured_by_design(registry, keys))


def stacked_daily_for_evaluation(
    hourly: ir.Table,
    *,
    registry=None,
    groupings: Sequence[str] = ("station",),
    standard: str = "auto",
    o3_order: str = "station_mda8",
    station_days: ir.Table | None = None,
) -> ir.Table:
    """:func:`daily_for_evaluation` of several groupings in one table (one query to compile and run): ``key`` is
    ``<grouping>|<key>`` (``station|…``, ``city|…``, ``region|…``, ``group|…``) and the columns are those every
    grouping has (``key, date``, the daily concentrations, AQI, IAQIs, level …; not ``stations`` nor the station
    hour counts). Each day of a key is computed from that key's stations alone, as by one call per grouping: the
    groupings are stacked before the AQI (a row-wise computation), the city, county and group means taken in one
    group-by over the stacked station→key pairs (a test checks the values are the separate calls')."""
    from meili.standards.air.daily import DAILY_COLUMNS, daily_aqi, group_daily, station_daily, station_keys

    sd = station_days if station_days is not None else station_daily(hourly)
    groups = [by for by in groupings if by != "station"]
    if groups and registry is None:
        raise needs_registry(groups[0])
    parts, not_measured = [], []
    if "station" in groupings:
        parts.append(sd.select(key=ibis.literal("station|") + sd.station, date=sd.date, **{c: sd[c] for c in DAILY_COLUMNS}))
        nm = aqi.not_measured_by_design(registry)
        if nm is not None:
            not_measured.append(nm.mutate(_nm_key=ibis.literal("station|") + nm._nm_key))
    if groups:
        keys = [station_keys(registry, by) for by in groups]
        keys = ibis.union(*(k.select("station", key=ibis.literal(f"{by}|") + k.key) for by, k in zip(groups, keys, strict=True)),
                          distinct=False)
        agg = group_daily(sd, keys, hourly=hourly, o3_order=o3_order)
        parts.append(agg.select("key", "date", *DAILY_COLUMNS))
        nm = aqi.not_measured_by_design(registry, keys)
        if nm is not None:
            not_measured.append(nm)
    stacked = ibis.union(*parts, distinct=False) if len(parts) > 1 else parts[0]
    nm = (ibis.union(*not_measured, distinct=False) if len(not_measured) > 1 else not_measured[0]
          ) if not_measured else None
    return daily_aqi(stacked.view(), standard=standard, not_measured=nm)


def annual_values(
    hourly: ir.Table,
    *,
    registry=None,
    by: str = "city",
    period: str = "year",
    year: int | None = None,
    standard: str = "auto",
    o3_order: str = "station_mda8",
) -> ir.Table:
    """Hourly data → daily values → :func:`annual_table` (HJ 663 evaluation and ranking) in one call."""
    daily = daily_for_evaluation(hourly, registry=registry, by=by, standard=standard, o3_order=o3_order)
    return annual_table(daily, period=period, year=year)
