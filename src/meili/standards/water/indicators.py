"""Plan indicators from section classes: measures 18.x and 19.x of the Ganzhou plan as tidy observation rows.

18.1 地表水水质优良比例（国考断面）, 18.2 地表水水质优良比例（省考断面）, 19.1 达到或好于Ⅱ类水体比例（省考）,
19.2 Ⅴ类及劣Ⅴ类水比例 — proportions of sections over the sections with a valid annual class
(地表水环境质量评价办法（试行）; annual class from annual means, GB 3838-2002 single-factor method).
"""

from __future__ import annotations

from dataclasses import dataclass

import ibis
import ibis.expr.types as ir
import pyarrow as pa

from meili.standards.water.classify import classify


@dataclass(frozen=True)
class WaterMeasure:
    """One plan measure: which sections (registry levels) and which classes count."""

    measure: str
    name_zh: str
    levels: tuple[str, ...]
    best_rank: int  # counted classes are ranks best_rank … worst_rank (1 = Ⅰ … 6 = 劣Ⅴ)
    worst_rank: int


GANZHOU_WATER_MEASURES: tuple[WaterMeasure, ...] = (
    WaterMeasure("18.1", "地表水水质优良比例（国考监测断面）", ("national",), 1, 3),
    WaterMeasure("18.2", "地表水水质优良比例（省考监测断面）", ("provincial",), 1, 3),
    WaterMeasure("19.1", "达到或好于Ⅱ类水体比例（省考）", ("provincial",), 1, 2),
    WaterMeasure("19.2", "Ⅴ类及劣Ⅴ类水比例（省考）", ("provincial",), 5, 6),
)

OBSERVATION_SCHEMA = pa.schema([
    ("plan", pa.string()), ("region", pa.string()), ("measure", pa.string()), ("year", pa.int32()),
    ("value", pa.float64()), ("state", pa.string()), ("unit", pa.string()), ("source", pa.string()),
    ("note", pa.string()),
])


def plan_indicators(
    samples: ir.Table,
    sections: ir.Table,
    *,
    year: int,
    plan: str = "ganzhou",
    city_code: str = "360700",
    source: str = "",
    measures: tuple[WaterMeasure, ...] = GANZHOU_WATER_MEASURES,
) -> pa.Table:
    """Observation rows ``plan, region, measure, year, value, state, unit, source, note`` for the city
    (``city_code``: every registered section whose region code shares its first four digits) and each county
    with registered sections of the measure's levels. ``value`` in %; ``state`` is ``measured``, or
    ``missing`` (value null) when no section of the region has a valid class that year; ``note`` gives the
    sections counted and left out, and the input.
    """
    classes = classify(samples, sections, period="year", year=year).select("section", "class_rank")
    prefix = city_code[:4]
    registry = sections.filter(sections.region_code.cast("string").startswith(prefix))
    registry = registry.select("section", "level", county=registry.region_code.cast("string"))
    both = registry.left_join(classes, "section").drop("section_right")
    city = both.mutate(region=ibis.literal(city_code))
    county = both.mutate(region=both.county)
    regional = city.union(county)
    tables = []
    for m in measures:
        chosen = regional.filter(regional.level.isin(m.levels))
        counted = chosen.class_rank.notnull()
        hit = counted & chosen.class_rank.between(m.best_rank, m.worst_rank)
        agg = chosen.group_by("region").aggregate(
            n_registered=chosen.section.nunique(),
            n_counted=chosen.section.nunique(where=counted),
            n_hit=chosen.section.nunique(where=hit),
        )
        agg = agg.mutate(measure=ibis.literal(m.measure))
        tables.append(agg)
    rows = tables[0]
    for t in tables[1:]:
        rows = rows.union(t)
    rows = rows.mutate(n_left_out=rows.n_registered - rows.n_counted)
    value = ibis.ifelse(rows.n_counted > 0, rows.n_hit * 100.0 / rows.n_counted, ibis.null("float64"))
    note = (
        "参评断面 " + rows.n_counted.cast("string") + " 个，无有效类别未计 " + rows.n_left_out.cast("string")
        + " 个 / " + rows.n_counted.cast("string") + " sections counted, " + rows.n_left_out.cast("string")
        + " left out (no valid class); input: " + ibis.literal(source)
    )
    result = rows.select(
        plan=ibis.literal(plan),
        region="region",
        measure="measure",
        year=ibis.literal(year).cast("int32"),
        value=value,
        state=ibis.ifelse(rows.n_counted > 0, "measured", "missing"),
        unit=ibis.literal("%"),
        source=ibis.literal(source),
        note=note,
    ).order_by(["measure", "region"])
    return result.to_pyarrow().cast(OBSERVATION_SCHEMA)
