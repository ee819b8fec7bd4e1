"""Status of every (region, measure, milestone) at an evaluation year: achieved, on track, lagging, regressing …

Pure functions over tables: the observations (a pyarrow Table or an Ibis table with the store's columns
``plan, region, measure, year, value, state``) are joined to small tables derived from the plan (one row per
measure, one per measure × milestone; :mod:`meili.evaluate.tables`) and every rule is a column expression
(:mod:`meili.evaluate.rules`), so the whole evaluation is one query, compiled once and run with each call's tables
(:mod:`meili.evaluate.engine`). The rules are written out in ``docs/methodology.md``; the parameters (tolerances,
readings) come from ``src/meili/data/methods/status.yaml``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import pyarrow as pa

from meili.errors import Text
from meili.evaluate import engine
from meili.evaluate.assignments import Assignment
from meili.evaluate.errors import EvaluationError
from meili.evaluate.params import CagrParams, StatusParams, cagr_params, composite_params, status_params
from meili.evaluate.tables import (
    args_table,
    measure_table,
    region_kind_table,
    runs_tables,
    selected_table,
    target_table,
    vocabulary_table,
)
from meili.plan import Plan

if TYPE_CHECKING:
    import ibis.expr.types as ir

#: Status vocabulary, in the order reports list them (their words: ``src/meili/data/labels.yaml`` → ``status``).
STATUSES = ("achieved", "on_track", "lagging", "regressing", "no_data", "target_pending", "not_applicable")

#: Columns of :func:`evaluate`'s result, in order.
COLUMNS = (
    "plan", "region", "measure", "category", "year", "milestone", "status", "rule", "target_kind", "target",
    "target_value", "baseline", "baseline_year", "baseline_source", "value", "value_year", "previous_value",
    "previous_year", "progress", "expected_progress", "required_annual_change", "projection", "projection_points",
    "projection_meets_target", "tolerance", "cagr_method", "cagr_ratio", "cagr_status", "assigned_by", "document",
    "note",
)


def default_milestone(plan: Plan, year: int) -> int:
    """The first milestone at or after ``year`` (the last one once all are past)."""
    later = [m for m in sorted(plan.milestones) if m >= year]
    return later[0] if later else max(plan.milestones)


def _milestones(plan: Plan, year: int, milestone: int | Sequence[int] | str | None) -> list[int]:
    if milestone is None:
        return [default_milestone(plan, year)]
    if milestone == "all":
        return sorted(plan.milestones)
    try:
        ms = [int(milestone)] if isinstance(milestone, int | str) else [int(x) for x in milestone]
    except ValueError:
        raise EvaluationError(Text(f"目标年须为年份或 all，而非 {milestone!r}",
                                   f"a milestone must be a year or 'all', not {milestone!r}")) from None
    bad = [x for x in ms if x not in plan.milestones]
    if bad:
        raise EvaluationError(Text(f"不是 {plan.id} 的规划目标年：{bad}（目标年：{plan.milestones}）",
                                   f"not milestones of {plan.id}: {bad} (milestones: {plan.milestones})"))
    return ms


def evaluation_tables(
    plan: Plan,
    runs: Sequence[tuple[int, Sequence[int]]],
    regions: Sequence[str] | None,
    assignments: Sequence[Assignment],
    params: StatusParams,
    cagr: CagrParams,
    milestones: Sequence[int],
) -> dict[str, pa.Table]:
    """The plan-derived and request tables of one call (everything but the observations)."""
    return {
        "measures": measure_table(plan, params),
        "targets": target_table(plan, milestones, assignments, params),
        "vocabulary": vocabulary_table(plan, params),
        "region_kinds": region_kind_table(),
        **runs_tables(runs),
        "selected": selected_table(regions or []),
        "args": args_table(plan, params, cagr, composite_params()),
    }


def evaluate(
    plan: Plan,
    observations: pa.Table | ir.Table,
    year: int,
    milestone: int | Sequence[int] | str | None = None,
    regions: Sequence[str] | None = None,
    assignments: Sequence[Assignment] = (),
    params: StatusParams | None = None,
    cagr: CagrParams | None = None,
) -> pa.Table:
    """Status of every measure of ``plan`` in every region at ``year``, with the inputs that produced it.

    ``observations``: the store's long table (``region, measure, year, value, state``; ``plan`` optional), a
    pyarrow Table or an Ibis table. Only observations up to ``year`` count. ``milestone``: a milestone year, a list,
    ``"all"``, or None for the first milestone at or after ``year``. ``regions``: codes to evaluate (default: every
    region in the observations). ``assignments``: numbers assigned to delegated targets (see
    :mod:`meili.evaluate.assignments`). One row per (region, measure, milestone), columns :data:`COLUMNS`.
    Safe to call from several threads at once.
    """
    params = params or status_params()
    cagr = cagr or cagr_params()
    milestones = _milestones(plan, year, milestone)
    obs, _ = engine.observations(observations, plan.id)
    data = evaluation_tables(plan, [(year, milestones)], regions, assignments, params, cagr, milestones)
    out = engine.run(engine.query("evaluate", selected=regions is not None), {"obs": obs, **data})
    order = [("region", "ascending"), ("order", "ascending"), ("milestone", "ascending")]
    return out.sort_by(order).drop_columns(["order"])


def evaluate_expr(
    plan: Plan,
    observations: pa.Table | ir.Table,
    year: int,
    milestone: int | Sequence[int] | str | None = None,
    regions: Sequence[str] | None = None,
    assignments: Sequence[Assignment] = (),
    params: StatusParams | None = None,
    cagr: CagrParams | None = None,
) -> ir.Table:
    """The evaluation as an (unexecuted) Ibis expression over memtables; see :func:`evaluate` (which does not use
    it: it runs the compiled query)."""
    from meili.evaluate import rules

    params = params or status_params()
    cagr = cagr or cagr_params()
    milestones = _milestones(plan, year, milestone)
    data = evaluation_tables(plan, [(year, milestones)], regions, assignments, params, cagr, milestones)
    return rules.evaluation(memtable_inputs(observations, data), selected=regions is not None)


def memtable_inputs(observations: pa.Table | ir.Table, data: dict[str, pa.Table]):
    """The call's tables as Ibis memtables (the observations as given, if an Ibis table), for the ``*_expr``
    functions."""
    import ibis

    from meili.evaluate import rules, tables

    empty = {n: s.empty_table() for n, s in tables.SCHEMAS.items()}
    mem = {n: ibis.memtable(data.get(n, empty[n])) for n in tables.SCHEMAS if n != "obs"}
    return rules.Inputs(obs=rules.as_ibis(observations), **mem)


__all__ = ["COLUMNS", "STATUSES", "EvaluationError", "default_milestone", "evaluate", "evaluate_expr"]
