"""Hourly (real-time, 实时报) AQI per station-hour, by two methods.

- ``cnemc`` (default): what the national platform publishes. Measured on the January 2019 release
  (docs/air.md): IAQI of SO2, NO2, CO, O3 1-h on the 1-h breakpoints and of PM10, PM2.5 **1-h** concentrations on
  the 24-h breakpoints, without the O3 8-h moving average; SO2 1-h > 800 → 200. For days under the 2026 regime this
  *is* the text of HJ 633-2026 §4.2.3 (the six 1-h averages, PM on the 日平均 breakpoints).
- ``hj633-2012``: HJ 633-2012 §5.1.3 表4 as written: SO2, NO2, CO, O3 1-h, the O3 8-h moving average and the PM10,
  PM2.5 24-h moving averages (valid with ≥ 6 of 8 and ≥ 20 of 24 hours, ``tables/validity.csv``); SO2 1-h > 800
  reported by the SO2 24-h IAQI (表1 注(2)), O3 8-h > 800 by the O3 1-h IAQI (注(3)). Days under the 2026 regime
  follow HJ 633-2026 §4.2.3 (same as ``cnemc``).

Input: the canonical hourly table of :mod:`meili.ingest.air` (``station``, ``time`` = the hour's END label,
``label`` = the input's own label, six concentrations). Each hour belongs to the natural day of its start
(``time − 1 h``), and that day's regime decides the rules.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from meili.errors import invalid_choice
from meili.standards.air import tables
from meili.standards.air.aqi import (
    aqi_of,
    exceeding_mask,
    iaqi_lookup,
    indicator_iaqi,
    level_labels,
    level_of,
    mask_name_table,
    pick_regime,
    primary_mask,
    regime_code,
    regime_name,
    regime_of,
    rounded_concentration,
    with_not_measured,
)

METHODS = ("cnemc", "hj633-2012")
HOURLY_INDICATORS = {"so2": "so2_1h", "no2": "no2_1h", "co": "co_1h", "o3": "o3_1h", "pm10": "pm10_24h",
                     "pm25": "pm25_24h"}
# Bit order of primary_mask / exceeding_mask: the six pollutants, then the O3 8-h moving average (hj633-2012).
MASK_BITS = (*tables.POLLUTANTS, "o3_8h")


def hour_index(time: ir.TimestampValue) -> ir.IntegerValue:
    """Whole hours since the epoch, for range windows over hours."""
    return time.epoch_seconds() // 3600


def natural_day(time: ir.TimestampValue) -> ir.DateValue:
    """The natural day of an end-labelled hour: label 00:00 closes the previous day (HJ 633 §5.1.2: 0–24 h)."""
    return (time - ibis.interval(hours=1)).date()


def _moving(hourly: ir.Table, column: str, hours: int, min_hours: int) -> ir.FloatingValue:
    window = ibis.window(group_by="station", order_by="_h", range=(-(hours - 1), 0))
    mean = hourly[column].mean().over(window)
    count = hourly[column].count().over(window)
    return ibis.ifelse(count >= min_hours, mean, ibis.null("float64"))


def hourly_aqi_values(hourly: ir.Table, *, method: str = "cnemc", standard: str = "auto",
                      not_measured: ir.Table | None = None) -> ir.Table:
    """Hourly AQI per station-hour, all numeric (HJ 633-2012 §5.1.3 / HJ 633-2026 §4.2.3; methods: module doc).

    Returns ``station, label`` (the input's own label, a timestamp), ``aqi, level, primary_mask, iaqi_so2 …
    iaqi_pm25, iaqi_o3_8h`` (hj633-2012 only, else NULL), ``exceeding_mask, regime_code``: everything the hourly
    step decides, without text, so that a national year is cheap to materialise. The masks hold one bit per
    indicator in the order of :data:`MASK_BITS` (首要污染物 HJ 633-2012 §4.4.2, NULL when AQI ≤ 50; 超标污染物
    §3.4, NULL under the 2026 regime); ``regime_code`` indexes ``tables/regimes.csv`` (:func:`regime_code`).
    :func:`hourly_labels` turns this into the published text columns (category, colour, names, time label).
    Missing pollutants: the AQI is the max of the IAQIs present; under the 2026 regime it is published only if
    > 100 (HJ 633-2026 §5.3.1), where a pollutant the station does not measure by design (``not_measured``, from
    :func:`not_measured_by_design` keyed by station) is not missing (§5.3.2).
    """
    if method not in METHODS:
        raise invalid_choice("method", method, METHODS)
    t = hourly.mutate(_day=natural_day(hourly.time), _h=hour_index(hourly.time))
    t = t.mutate(_regime=regime_of(t._day, standard))
    if not_measured is not None:
        t = with_not_measured(t, "station", not_measured)
    # .view() after each stage stops Ibis from inlining the stages into one huge SELECT
    validity = tables.validity()
    if method == "hj633-2012":
        t = t.mutate(
            _pm10_24=_moving(t, "pm10", 24, validity["moving_24h_min_hours"]),
            _pm25_24=_moving(t, "pm25", 24, validity["moving_24h_min_hours"]),
            _so2_24=_moving(t, "so2", 24, validity["moving_24h_min_hours"]),
            _o3_8=_moving(t, "o3", 8, validity["moving_8h_min_hours"]),
        )
    extra = {"_so2_24": "so2", "_pm10_24": "pm10", "_pm25_24": "pm25", "_o3_8": "o3"} if method == "hj633-2012" else {}
    if extra:
        t = t.mutate(**{f"_u{c}": rounded_concentration(t[c], p) for c, p in extra.items()})
    iaqi_method = "cnemc" if method == "cnemc" else "hj633"
    # The six 1-h IAQIs: once per distinct concentration (iaqi_lookup), joined back on the concentration.
    lookups = {}
    for p, indicator in HOURLY_INDICATORS.items():
        lk = iaqi_lookup(hourly[p], p, indicator, method=iaqi_method)
        lookups[p] = lk.select(**{f"_v_{p}": lk._v}, **{f"_i{r}_{p}": lk[f"_i{r}"] for r, _, _ in tables.regimes()})
    joined = t
    for p, lk in lookups.items():
        joined = joined.left_join(lk, t[p] == lk[f"_v_{p}"])
    t = joined.select(
        *t.columns,
        **{f"_l_{p}": pick_regime({r: lk[f"_i{r}_{p}"] for r, _, _ in tables.regimes()}, t._regime)
           for p, lk in lookups.items()},
    ).view()
    iaqis: dict[str, ir.IntegerValue] = {p: t[f"_l_{p}"] for p in HOURLY_INDICATORS}
    iaqi_o3_8h = ibis.null("int64")
    if method == "hj633-2012":
        so2_24 = indicator_iaqi(t._u_so2_24, "so2_24h", t._regime)
        letter = {
            "so2": indicator_iaqi(rounded_concentration(t.so2, "so2"), "so2_1h", t._regime, method="hj633",
                                  substitutes={"so2_24h": so2_24}),
            "pm10": indicator_iaqi(t._u_pm10_24, "pm10_24h", t._regime),
            "pm25": indicator_iaqi(t._u_pm25_24, "pm25_24h", t._regime),
        }
        is_2012 = t._regime == "2012"
        for p, expr in letter.items():
            iaqis[p] = ibis.ifelse(is_2012, expr, iaqis[p])
        o3_8 = indicator_iaqi(t._u_o3_8, "o3_8h", t._regime)
        iaqi_o3_8h = ibis.ifelse(is_2012, o3_8, ibis.null("int64"))
    in_max = {**iaqis, "o3_8h": iaqi_o3_8h} if method == "hj633-2012" else dict(iaqis)
    t = t.mutate(**{f"_i_{k}": v for k, v in in_max.items()}).view()
    iaqis = {k: t[f"_i_{k}"] for k in iaqis}
    in_max = {k: t[f"_i_{k}"] for k in in_max}
    aqi = aqi_of(in_max)
    missing = [v.isnull() & ~t[f"_nm_{p}"] if not_measured is not None else v.isnull() for p, v in iaqis.items()]
    aqi = ibis.ifelse((t._regime == "2026") & ibis.or_(*missing) & (aqi <= 100), ibis.null("int64"), aqi)
    t = t.mutate(_aqi=aqi).view()
    t = t.mutate(_level=level_of(t._aqi)).view()
    named = {k: t[f"_i_{k}"] for k in in_max}
    return t.select(
        station=t.station,
        label=t.label,
        aqi=t._aqi,
        level=t._level,
        primary_mask=primary_mask(t._aqi, named, MASK_BITS),
        **{f"iaqi_{p}": t[f"_i_{p}"] for p in tables.POLLUTANTS},
        iaqi_o3_8h=t["_i_o3_8h"] if method == "hj633-2012" else ibis.null("int64"),
        exceeding_mask=exceeding_mask(named, t._regime, MASK_BITS),
        regime_code=regime_code(t._regime),
    )


def hourly_labels(values: ir.Table) -> ir.Table:
    """The published hourly columns from :func:`hourly_aqi_values`: ``station, time`` (the input's own label,
    ``YYYY-MM-DD HH:MM``), ``aqi, level, primary_pollutant, iaqi_so2 … iaqi_pm25, iaqi_o3_8h, category, colour,
    exceeding_pollutants, regime``. Row arithmetic on the numeric result only (category and colour from the level,
    HJ 633-2012 表2, 表A.1; names from the masks); evaluated when writing output, not when materialising."""
    # pollutant names by a join with the 128 possible masks (mask_name_table), not bit by bit on every row
    names = mask_name_table(MASK_BITS)
    primary = names.select(_pm="_mask", _pn="_names")
    exceeding = names.select(_em="_mask", _en="_names")
    t = values.left_join(primary, values.primary_mask == primary._pm).left_join(
        exceeding, values.exceeding_mask == exceeding._em)
    labels = level_labels(t.level)
    return t.select(
        station=t.station,
        time=t.label.strftime("%Y-%m-%d %H:%M"),
        aqi=t.aqi,
        level=t.level,
        primary_pollutant=t._pn,
        **{f"iaqi_{p}": t[f"iaqi_{p}"] for p in tables.POLLUTANTS},
        iaqi_o3_8h=t.iaqi_o3_8h,
        category=labels["category"],
        colour=labels["colour"],
        exceeding_pollutants=t._en,
        regime=regime_name(t.regime_code),
    )


def hourly_aqi(hourly: ir.Table, *, method: str = "cnemc", standard: str = "auto",
               not_measured: ir.Table | None = None) -> ir.Table:
    """Hourly AQI per station-hour with its text columns: :func:`hourly_labels` of :func:`hourly_aqi_values`.

    Returns ``station, time`` (the input's own label, ``YYYY-MM-DD HH:MM``), ``aqi, level, primary_pollutant,
    iaqi_so2 … iaqi_pm25`` plus ``iaqi_o3_8h`` (hj633-2012 only, else NULL), ``category, colour,
    exceeding_pollutants, regime``. For output; pipelines that materialise should keep the numeric values.
    """
    return hourly_labels(hourly_aqi_values(hourly, method=method, standard=standard, not_measured=not_measured))


def compare_with_published(hourly: ir.Table, *, method: str = "cnemc", standard: str = "auto") -> ir.Table:
    """Station-hours where the input carries a published AQI (CNEMC files), with Meili's AQI beside it.

    Columns ``station, time, published_aqi, aqi, match`` plus the six concentrations, for the fidelity figures of
    docs/air.md. A published AQI with no Meili AQI (no valid concentration) counts as a mismatch.
    """
    # numeric result, joined on the label timestamp (no text per computed row)
    computed = hourly_aqi_values(hourly, method=method, standard=standard)
    published = hourly.filter(hourly.published_aqi.notnull())
    joined = published.left_join(computed, [published.station == computed.station,
                                             published.label == computed.label])
    return joined.select(
        station=published.station,
        time=published.label.strftime("%Y-%m-%d %H:%M"),
        published_aqi=published.published_aqi.cast("int64"),
        aqi=computed.aqi,
        match=(computed.aqi.notnull() & (computed.aqi == published.published_aqi.cast("int64"))),
        **{p: published[p] for p in tables.POLLUTANTS},
    )
