"""Summaries for reports and ``meili demo``: statuses counted per category, and the county ranking."""

from __future__ import annotations

from collections.abc import Sequence

import ibis
import ibis.expr.types as ir
import pyarrow as pa

from meili.evaluate.assignments import Assignment
from meili.evaluate.composite import Method, rank
from meili.evaluate.status import STATUSES, evaluate_expr, execute
from meili.plan import Plan


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
    ev = evaluate_expr(plan, observations, year, milestone, regions or [plan.region], assignments)
    counts = ev.group_by("category").aggregate(
        **{s: (ev.status == s).cast("int64").sum() for s in STATUSES}, total=ev.count())
    cats = ibis.memtable(pa.Table.from_pylist([
        {"category": c.id, "name": c.name, "name_en": c.name_en, "order": i} for i, c in enumerate(plan.categories)]))
    out = cats.left_join(counts, "category").select(cats, *[counts[s] for s in (*STATUSES, "total")])
    out = out.mutate(**{s: ibis.coalesce(out[s], 0) for s in (*STATUSES, "total")})
    return execute(out.order_by("order").drop("order"))


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
