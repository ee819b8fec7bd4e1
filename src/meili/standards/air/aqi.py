"""IAQI and AQI as Ibis expressions: exact arithmetic, both regimes (HJ 633-2012, HJ 633-2026).

Exactness. A concentration is first put on an integer grid of 1e-9 (``floor(x * 1e9 + 0.5)``; the one rounding
helper, :mod:`meili.standards.rounding`, says why that is exact), then rounded half-even (GB/T 8170-2008 §3.2) to
whole units of its reporting precision (integer μg/m³, CO 0.1 mg/m³)
with integer ``%`` arithmetic. The IAQI is then IAQI_lo + ceil((IAQI_hi − IAQI_lo)(C − BP_lo) / (BP_hi − BP_lo))
computed on those integers (HJ 633-2012 §4.2 式1 and §6.2 "全部进位取整数"), so no float ever tips a ceiling.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir
import pyarrow as pa

from meili.errors import invalid_choice
from meili.standards import rounding
from meili.standards.air import tables


def _lit_or_col(value):
    return ibis.literal(value) if isinstance(value, str) else value


def rounded_concentration(value: ir.NumericValue, pollutant: str) -> ir.IntegerValue:
    """Concentration rounded half-even to the pollutant's reporting precision (``tables/rounding.csv``), as an
    integer count of 10^-decimals units.

    GB/T 8170-2008 §3.2 (进舍规则: 拟舍弃数字为 5 且其后无数字时，前一位为奇数则进一，为偶数则舍去);
    precision per HJ 633-2026 §4.2.2 (integer μg/m³, CO 0.1 mg/m³). Example: 75.4 → 75, 35.5 → 36,
    2.45 mg/m³ → 24 (2.4), 2.55 → 26 (2.6). The rounding of :mod:`meili.standards.rounding` (concentrations are
    never negative, so the sign handling of :func:`~meili.standards.rounding.round_half_even` is left out).
    """
    decimals = tables.rounding_decimals()[pollutant]
    return rounding.half_even_units(rounding.grid_units(value), decimals)


def _iaqi_in_table(units: ir.IntegerValue, segments: tuple[tables.Segment, ...], scale: int) -> ir.IntegerValue:
    branches = []
    for seg in segments:
        lo, hi = seg.bp_lo * scale, seg.bp_hi * scale
        numerator = (seg.iaqi_hi - seg.iaqi_lo) * (units - lo)
        span = hi - lo
        # ceil(n / d) for n >= 0, d > 0, in integers
        branches.append((units <= hi, seg.iaqi_lo + (numerator + (span - 1)) // span))
    return ibis.cases(*branches, else_=ibis.null("int64"))


def indicator_iaqi(
    units: ir.IntegerValue,
    indicator: str,
    regime: ir.StringValue | str,
    *,
    method: str = "any",
    substitutes: dict[str, ir.IntegerValue] | None = None,
) -> ir.IntegerValue:
    """IAQI of one indicator (e.g. ``pm25_24h``) from a rounded concentration in reporting units.

    HJ 633-2012 §4.2 式1, 表1 (regime "2012") and HJ 633-2026 表3 (regime "2026"); the result is ceiled
    (HJ 633-2012 §6.2; HJ 633-2026 §4.2.6). ``units`` is the output of :func:`rounded_concentration`.
    Above the table's top the rule of ``tables/above_table.csv`` applies: HJ 633-2012 表1 注(2)(3) report the
    substitute indicator's IAQI (``substitutes``; NULL when not given), HJ 633-2026 表3 注b)c) fix 200/300,
    otherwise the IAQI is capped at 500. ``regime`` may be a string or a string column (one regime per row).
    """
    substitutes = substitutes or {}
    pollutant = indicator.split("_")[0]
    scale = 10 ** tables.rounding_decimals()[pollutant]
    per_regime = {}
    for name, _, _ in tables.regimes():
        segments = tables.breakpoints()[(name, indicator)]
        top = segments[-1].bp_hi * scale
        rule = tables.above_table_rule(name, method, indicator)
        if rule.action == "fixed":
            above = ibis.literal(int(rule.value), "int64")
        else:
            above = substitutes.get(rule.value, ibis.null("int64"))
        per_regime[name] = ibis.ifelse(units > top, above, _iaqi_in_table(units, segments, scale))
    if isinstance(regime, str):
        return per_regime[regime]
    return ibis.cases(*((regime == name, expr) for name, expr in per_regime.items()), else_=ibis.null("int64"))


def iaqi_lookup(values: ir.Column, pollutant: str, indicator: str, *, method: str = "any") -> ir.Table:
    """IAQI of each distinct concentration of ``values``, under every regime: ``_v`` (the concentration as given),
    ``_i<regime>`` (e.g. ``_i2012``) for each regime of ``tables/regimes.csv``.

    Computed once per distinct value by the exact expressions :func:`rounded_concentration` and
    :func:`indicator_iaqi`, so joining on ``_v`` gives the same IAQI as evaluating them per row: monitoring data
    hold a few thousand distinct values per pollutant, a national year 13 million rows. Above-table rules that
    report another indicator's IAQI (``use_indicator``) give NULL here; callers apply them per row.
    """
    distinct = values.name("_v").as_table().distinct()
    # the rounded units as a column of their own (.view()): the IAQI ladders refer to it instead of repeating
    # the rounding expression in every branch (a 300 KB query that took seconds to compile and plan)
    rounded = distinct.mutate(_u=rounded_concentration(distinct._v, pollutant)).view()
    return rounded.select(
        "_v", **{f"_i{name}": indicator_iaqi(rounded._u, indicator, name, method=method)
                 for name, _, _ in tables.regimes()}
    )


def pick_regime(columns: dict[str, ir.IntegerValue], regime: ir.StringValue | str) -> ir.IntegerValue:
    """The value of the row's regime from ``{regime: column}`` (a lookup joined by :func:`iaqi_lookup`)."""
    if isinstance(regime, str):
        return columns[regime]
    return ibis.cases(*((regime == name, col) for name, col in columns.items()), else_=ibis.null("int64"))


def aqi_of(iaqis: dict[str, ir.IntegerValue]) -> ir.IntegerValue:
    """AQI = max IAQI over the indicators present (HJ 633-2012 §4.4.1 式2); NULL when none is present."""
    values = list(iaqis.values())
    return ibis.greatest(*values) if len(values) > 1 else values[0]


def _listed(parts: list[ir.StringValue]) -> ir.StringValue:
    """The non-NULL parts joined by commas in their given order ('' when all are NULL); ``concat_ws`` skips NULLs
    (DuckDB, Spark), which is much cheaper than building and filtering an array per row."""
    return ibis.literal(",").join(parts)


def primary_pollutants(aqi: ir.IntegerValue, iaqis: dict[str, ir.IntegerValue]) -> ir.StringValue:
    """首要污染物 (HJ 633-2012 §3.3, §4.4.2): when AQI > 50, every indicator whose IAQI equals the AQI, ties all
    listed (comma-separated, in the fixed order of ``iaqis``); NULL when AQI ≤ 50."""
    parts = [ibis.ifelse(value == aqi, tables.DISPLAY_NAMES[name], ibis.null("string"))
             for name, value in iaqis.items()]
    return ibis.ifelse(aqi > 50, _listed(parts), ibis.null("string"))


def exceeding_pollutants(iaqis: dict[str, ir.IntegerValue], regime: ir.StringValue | str) -> ir.StringValue:
    """超标污染物 (HJ 633-2012 §3.4): indicators with IAQI > 100; dropped by HJ 633-2026 (NULL there)."""
    parts = [ibis.ifelse(value > 100, tables.DISPLAY_NAMES[name], ibis.null("string"))
             for name, value in iaqis.items()]
    listed = _listed(parts).nullif("")
    return ibis.ifelse(_lit_or_col(regime) == "2012", listed, ibis.null("string"))


def _mask(flags: dict[str, ir.BooleanValue], bits: tuple[str, ...]) -> ir.IntegerValue:
    """Sum of ``2**bits.index(name)`` over the flags that are true (a NULL flag counts as false)."""
    total = ibis.literal(0, "int8")
    for name, flag in flags.items():
        total = total + ibis.ifelse(flag, ibis.literal(1 << bits.index(name), "int8"), ibis.literal(0, "int8"))
    return total


def primary_mask(aqi: ir.IntegerValue, iaqis: dict[str, ir.IntegerValue], bits: tuple[str, ...]) -> ir.IntegerValue:
    """:func:`primary_pollutants` as a bit mask over ``bits`` (HJ 633-2012 §3.3, §4.4.2): the indicators whose
    IAQI equals the AQI when AQI > 50, ties all set; NULL when AQI ≤ 50. :func:`mask_names` gives the text."""
    return ibis.ifelse(aqi > 50, _mask({k: v == aqi for k, v in iaqis.items()}, bits), ibis.null("int8"))


def exceeding_mask(iaqis: dict[str, ir.IntegerValue], regime: ir.StringValue | str,
                   bits: tuple[str, ...]) -> ir.IntegerValue:
    """:func:`exceeding_pollutants` as a bit mask over ``bits`` (HJ 633-2012 §3.4: IAQI > 100); NULL when none
    exceeds and under HJ 633-2026, which dropped 超标污染物."""
    mask = _mask({k: v > 100 for k, v in iaqis.items()}, bits).nullif(0)
    return ibis.ifelse(_lit_or_col(regime) == "2012", mask, ibis.null("int8"))


def mask_names(mask: ir.IntegerValue, bits: tuple[str, ...]) -> ir.StringValue:
    """The display names (``tables.DISPLAY_NAMES``) of the bits set in ``mask``, comma-separated in the order of
    ``bits`` — the text :func:`primary_pollutants` / :func:`exceeding_pollutants` give; NULL for a NULL mask."""
    parts = [ibis.ifelse((mask // (1 << i)) % 2 == 1, tables.DISPLAY_NAMES[name], ibis.null("string"))
             for i, name in enumerate(bits)]
    return ibis.ifelse(mask.isnull(), ibis.null("string"), _listed(parts))


def mask_name_table(bits: tuple[str, ...]) -> ir.Table:
    """Every mask over ``bits`` (``_mask``, int8) with its :func:`mask_names` text (``_names``): decoding a column
    of masks by a join with this 2^n-row table is cheaper than evaluating the bits row by row (figures in
    docs/benchmarks.md)."""
    masks = ibis.memtable({"_mask": list(range(1 << len(bits)))}, schema={"_mask": "int8"})
    return masks.select("_mask", _names=mask_names(masks._mask, bits))


def regime_code(regime: ir.StringValue | str) -> ir.IntegerValue:
    """The regime as its row number in ``tables/regimes.csv`` (0 = 2012, 1 = 2026), for compact results."""
    regime = _lit_or_col(regime)
    return ibis.cases(*((regime == name, ibis.literal(i, "int8")) for i, (name, _, _) in enumerate(tables.regimes())),
                      else_=ibis.null("int8"))


def regime_name(code: ir.IntegerValue) -> ir.StringValue:
    """Inverse of :func:`regime_code`."""
    return ibis.cases(*((code == i, ibis.literal(name)) for i, (name, _, _) in enumerate(tables.regimes())),
                      else_=ibis.null("string"))


def level_of(aqi: ir.IntegerValue) -> ir.IntegerValue:
    """AQI level 1–6 (HJ 633-2012 §4.3 表2); NULL when the AQI is NULL."""
    rows = tables.levels()
    return ibis.cases(
        *((aqi <= int(r["aqi_hi"]), ibis.literal(int(r["level"]), "int64")) for r in rows),
        else_=ibis.ifelse(aqi.isnull(), ibis.null("int64"), ibis.literal(int(rows[-1]["level"]), "int64")),
    )


def level_labels(level: ir.IntegerValue) -> dict[str, ir.Value]:
    """Category (Chinese, English) and colour of a level from :func:`level_of` (HJ 633-2012 表2, 附录A 表A.1)."""
    rows = tables.levels()

    def pick(value):
        return ibis.cases(*((level == int(r["level"]), value(r)) for r in rows), else_=ibis.null("string"))

    return {
        "category": pick(lambda r: r["category_zh"]),
        "category_en": pick(lambda r: r["category_en"]),
        "colour": pick(lambda r: "#{:02X}{:02X}{:02X}".format(int(r["red"]), int(r["green"]), int(r["blue"]))),
    }


def level_columns(aqi: ir.IntegerValue) -> dict[str, ir.Value]:
    """Level (1–6), category (Chinese, English) and colour of an AQI (HJ 633-2012 §4.3 表2, 附录A 表A.1).

    Pipelines should materialise :func:`level_of` first and call :func:`level_labels` on it, so that the level
    ladder is evaluated once per row."""
    level = level_of(aqi)
    return {"level": level, **level_labels(level)}


def regime_of(day: ir.DateValue, standard: str = "auto") -> ir.StringValue:
    """The regime of each natural day: ``tables/regimes.csv`` (2012 rules to 2026-02-28, 2026 rules from
    2026-03-01: GB 3095-2026, HJ 633-2026, HJ 663-2026 实施日期), or the one forced by ``standard``."""
    if standard != "auto":
        if standard not in {name for name, _, _ in tables.regimes()}:
            raise invalid_choice("standard", standard, ("auto", "2012", "2026"))
        return ibis.literal(standard)
    return ibis.cases(
        *((day.between(ibis.date(first), ibis.date(last)), ibis.literal(name))
          for name, first, last in tables.regimes()),
        else_=ibis.null("string"),
    )


def not_measured_by_design(registry: pa.Table | None, keys: ir.Table | None = None) -> ir.Table | None:
    """Pollutants not measured by design (HJ 633-2026 §5.3.2), per key: ``_nm_key, _nm_so2 … _nm_pm25`` (booleans).

    ``keys`` maps stations to keys (e.g. :func:`meili.standards.air.daily.station_keys`); without it the keys are
    the stations. A city, region or group does not measure a pollutant by design when none of its assessment
    stations does [U: the clause speaks of stations]. None when the registry declares nothing (callers then add no
    join).
    """
    if registry is None or "not_measured" not in registry.column_names:
        return None
    if not any(registry.column("not_measured").to_pylist()):  # a few thousand registry rows, not data
        return None
    reg = ibis.memtable(registry.select(["station", "not_measured"]))
    flags = reg.select("station", **{f"_nm_{p}": reg.not_measured.split(";").contains(p) for p in tables.POLLUTANTS})
    if keys is None:
        return flags.rename(_nm_key="station")
    j = keys.join(flags, "station")
    return j.group_by(_nm_key=j.key).aggregate(**{f"_nm_{p}": j[f"_nm_{p}"].all() for p in tables.POLLUTANTS})


def with_not_measured(t: ir.Table, key: str, not_measured: ir.Table) -> ir.Table:
    """``t`` with the flags of :func:`not_measured_by_design` joined on ``t[key]`` (False where none is declared)."""
    j = t.left_join(not_measured, t[key] == not_measured._nm_key)
    # .view(): a relation of its own, so that callers can join it again
    return j.select(*t.columns,
                    **{f"_nm_{p}": not_measured[f"_nm_{p}"].fill_null(False) for p in tables.POLLUTANTS}).view()
