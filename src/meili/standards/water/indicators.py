"""Plan measures from section classes, as tidy observation rows.

Which measure is computed is the plan's word: its bindings (``computed_by`` in the plan file,
:class:`meili.standards.computations.SectionShare`) name ``water.section_share`` with the section levels and the
classes counted — proportions of sections over the sections with a valid annual class (地表水环境质量评价办法（试行）;
annual class from annual means, GB 3838-2002 single-factor method). This module knows no plan's numbering.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

import ibis
import ibis.expr.types as ir
import pyarrow as pa

from meili.observation import OBSERVATION_SCHEMA, Quality
from meili.standards.computations import BindingParams, SectionShare, computation, resolve_plan
from meili.standards.rounding import round_half_even
from meili.standards.water.classify import classify

if TYPE_CHECKING:
    from meili.plan import Plan

__all__ = ["OBSERVATION_SCHEMA", "code_prefix", "plan_indicators"]


def code_prefix(code: str) -> str:
    """The GB/T 2260 prefix shared by every region within ``code``: 36 for a province (360000), 3607 for a city
    (360700), the code itself for a county."""
    if code.endswith("0000"):
        return code[:2]
    return code[:4] if code.endswith("00") else code


def plan_indicators(
    samples: ir.Table,
    sections: ir.Table,
    *,
    year: int,
    bindings: Mapping[str, BindingParams | Mapping] | None = None,
    plan: str | Path | Plan = "ganzhou",
    city_code: str | None = None,
    source: str = "",
) -> pa.Table:
    """Observation rows ``plan, region, measure, year, value, state, unit, source, note`` (OBSERVATION_SCHEMA)
    for each measure bound to ``water.section_share``: for the city (``city_code``: every registered section whose
    region code lies within it) and each county with registered sections of the binding's levels (the binding's
    ``regions`` chooses). ``value`` in %, rounded to 0.1 as published (GB/T 8170-2008 §3.2, half-even on the
    decimal value: 10 of 11 sections → 90.9); ``state`` is ``measured``, or ``missing`` (value null) when no section
    of the region has a valid class that year; ``note`` gives the counts (sections in the classes, sections counted, left out) and
    the input.

    ``bindings``: measure id → binding (:attr:`meili.plan.Plan.bindings`, or mappings as a plan file writes
    them); None: the bindings of ``plan`` (a built-in plan id, a plan file or a :class:`~meili.plan.Plan`).
    ``city_code`` None: the plan's region. Bindings of other domains are skipped. Rows are ordered by measure,
    then region.
    """
    plan_id, bound, city_code = resolve_plan(plan, bindings, city_code, "water")
    if not bound:
        return OBSERVATION_SCHEMA.empty_table()
    assert city_code is not None
    classes = classify(samples, sections, period="year", year=year).select("section", "class_rank")
    registry = sections.filter(sections.region_code.cast("string").startswith(code_prefix(city_code)))
    registry = registry.select("section", "level", county=registry.region_code.cast("string"))
    both = registry.left_join(classes, "section").drop("section_right")
    parts = {"city": both.mutate(region=ibis.literal(city_code)), "counties": both.mutate(region=both.county)}
    tables = []
    for measure, binding in bound.items():
        assert isinstance(binding, SectionShare)
        regional = parts[binding.regions[0]]
        for r in binding.regions[1:]:
            regional = regional.union(parts[r])
        chosen = regional.filter(regional.level.isin(binding.levels))
        counted = chosen.class_rank.notnull()
        hit = counted & chosen.class_rank.isin(binding.ranks)
        agg = chosen.group_by("region").aggregate(
            n_registered=chosen.section.nunique(),
            n_counted=chosen.section.nunique(where=counted),
            n_hit=chosen.section.nunique(where=hit),
        )
        tables.append(agg.mutate(measure=ibis.literal(measure)))
    rows = tables[0]
    for t in tables[1:]:
        rows = rows.union(t)
    rows = rows.mutate(n_left_out=rows.n_registered - rows.n_counted)
    value = ibis.ifelse(rows.n_counted > 0, round_half_even(rows.n_hit * 100.0 / rows.n_counted, 1),
                        ibis.null("float64"))
    note = (
        "参评断面 " + rows.n_counted.cast("string") + " 个，其中符合 " + rows.n_hit.cast("string")
        + " 个，无有效类别未计 " + rows.n_left_out.cast("string") + " 个 / " + rows.n_hit.cast("string") + " of "
        + rows.n_counted.cast("string") + " sections counted, " + rows.n_left_out.cast("string")
        + " left out (no valid class); input: " + ibis.literal(source)
    )
    result = rows.select(
        plan=ibis.literal(plan_id),
        region="region",
        measure="measure",
        year=ibis.literal(year),  # int32 by the schema below
        value=value,
        state=ibis.ifelse(rows.n_counted > 0, Quality.MEASURED.value, Quality.MISSING.value),
        unit=ibis.literal(computation("water.section_share").unit),
        source=ibis.literal(source),
        note=note,
    ).order_by(["measure", "region"])
    return result.to_pyarrow().cast(OBSERVATION_SCHEMA)
