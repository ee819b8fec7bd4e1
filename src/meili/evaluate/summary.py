"""Summaries for reports and ``meili demo``: statuses counted per category, and the county ranking."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import TYPE_CHECKING

import pyarrow as pa

from meili.evaluate.assignments import Assignment
from meili.evaluate.composite import Method, rank
from meili.evaluate.status import STATUSES, evaluate
from meili.plan import Plan

if TYPE_CHECKING:
    import ibis.expr.types as ir


def category_summary(
    plan: Plan,
    observations: pa.Table | ir.Table,
    year: int,
    milestone: int | None = None,
    regions: Sequence[str] | None = None,
    assignments: Sequence[Assignment] = (),
) -> pa.Table:
    """How many measures are achieved / on_track / lagging / regressing / no_data / target_pending /
    not_applicable, per category of ``plan`` (rows in the plan's order; columns ``category, name, name_en``, one
    per status, ``total``). ``regions`` default: the plan's own region (e.g. Ganzhou 360700)."""
    ev = evaluate(plan, observations, year, milestone, regions or [plan.region], assignments)
    counts = Counter(zip(ev.column("category").to_pylist(), ev.column("status").to_pylist(), strict=True))
    cats = plan.categories
    columns: dict[str, list] = {"category": [c.id for c in cats], "name": [c.name for c in cats],
                                "name_en": [c.name_en for c in cats]}
    for s in STATUSES:
        columns[s] = [counts[(c.id, s)] for c in cats]
    columns["total"] = [sum(counts[(c.id, s)] for s in STATUSES) for c in cats]
    schema = pa.schema([(k, pa.string() if k in ("category", "name", "name_en") else pa.int64()) for k in columns])
    return pa.table(columns, schema=schema)


def county_ranking(
    plan: Plan,
    observations: pa.Table | ir.Table,
    year: int,
    method: Method = "efficacy",
    assignments: Sequence[Assignment] = (),
) -> pa.Table:
    """The ranking of the plan region's counties (县、市、区 and zones present in the data); see
    :func:`meili.evaluate.composite.rank`."""
    return rank(plan, observations, year, method=method, assignments=assignments)
