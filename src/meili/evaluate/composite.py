"""Composite scores and rankings of regions, per category and overall, with ties, rank change and stability.

Two methods (parameters and weights: ``src/meili/data/methods/composite.yaml``; rules: ``docs/methodology.md``):

- ``efficacy`` — the 功效系数法 of the national 绿色发展指标体系 (2016): per measure
  y = 60 + 40·(x − min)/(max − min) over the regions compared (reversed when lower is better);
- ``progress`` — 0–100 by the distance travelled from the baseline to the (next) milestone target, 100 once
  achieved; trend targets score by their status.

Category index = weighted mean of the measure scores that apply to the region; overall = weighted mean of the
category indices (category weights). A measure without data for a region keeps its weight and gets the method's
``missing_score``; a measure that does not apply (no county value, marked not applicable, or — for ``progress`` —
no target or an unassigned delegated target) is dropped and its weight redistributed.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Literal

import pyarrow as pa

from meili.errors import Text
from meili.evaluate import engine
from meili.evaluate.assignments import Assignment
from meili.evaluate.errors import RankingError
from meili.evaluate.params import CompositeParams, StatusParams, cagr_params, composite_params, status_params
from meili.evaluate.status import default_milestone, evaluation_tables
from meili.evaluate.tables import args_table, weight_table
from meili.plan import Plan, load_regions

if TYPE_CHECKING:
    import ibis.expr.types as ir

Method = Literal["efficacy", "progress"]
METHODS: tuple[Method, ...] = ("efficacy", "progress")


def _default_regions(plan: Plan, obs: pa.Table, has_plan: bool) -> list[str]:
    """The plan region's counties and zones present in the observations, else every region there but the plan's."""
    import pyarrow.compute as pc

    if has_plan:
        obs = obs.filter(pc.equal(obs.column("plan"), plan.id))
    present = set(pc.unique(obs.column("region")).drop_null().to_pylist())
    regions = load_regions()
    children = [r.code for r in regions.children(plan.region)] if plan.region in regions.index else []
    chosen = [c for c in children if c in present]
    return chosen or sorted(present - {plan.region})


def _tables(plan: Plan, obs: pa.Table, has_plan: bool, years: Sequence[int], method: str,
            regions: Sequence[str] | None, assignments: Sequence[Assignment], params: CompositeParams,
            status: StatusParams | None) -> dict[str, pa.Table]:
    """Every table of a ranking call: runs = ``years`` (run 0 ranked, run 1 the previous year), each against its
    default milestone."""
    if method not in METHODS:
        raise RankingError(Text(f"未知方法 {method!r}：应为 {'、'.join(METHODS)} 之一",
                                f"unknown method {method!r}: expected one of {', '.join(METHODS)}"))
    if regions is None:
        regions = _default_regions(plan, obs, has_plan)
    if not regions:
        raise RankingError(Text("没有可比较的区域", "no regions to compare"))
    status = status or status_params()
    cagr = cagr_params()
    runs = [(y, [default_milestone(plan, y)]) for y in years]
    milestones = sorted({m for _, ms in runs for m in ms})
    data = evaluation_tables(plan, runs, regions, assignments, status, cagr, milestones)
    data["weights"] = weight_table(plan, params)
    data["args"] = args_table(plan, status, cagr, params, method)
    return {"obs": obs, **data}


def measure_scores_expr(
    plan: Plan,
    observations: pa.Table | ir.Table,
    year: int,
    method: Method = "efficacy",
    regions: Sequence[str] | None = None,
    assignments: Sequence[Assignment] = (),
    params: CompositeParams | None = None,
    status: StatusParams | None = None,
) -> ir.Table:
    """Per (region, measure): value, applicable, score (null when not applicable), weights — an Ibis expression
    (over memtables; :func:`rank` runs the compiled ranking instead)."""
    from meili.evaluate import rules
    from meili.evaluate.status import memtable_inputs

    params = params or composite_params()
    obs, has_plan = engine.observations(observations, plan.id)
    data = _tables(plan, obs, has_plan, [year], method, regions, assignments, params, status)
    s = rules.measure_scores(memtable_inputs(data.pop("obs"), data))
    return s.filter(s.run == 0).drop("run")


def rank(
    plan: Plan,
    observations: pa.Table | ir.Table,
    year: int,
    method: Method = "efficacy",
    regions: Sequence[str] | None = None,
    assignments: Sequence[Assignment] = (),
    previous_year: int | None = None,
    params: CompositeParams | None = None,
    status: StatusParams | None = None,
) -> pa.Table:
    """Composite score and rank of each region at ``year``, one score column per category.

    Columns: ``region, region_name, score, rank, previous_rank, rank_change, measures, missing, loo_changes,
    loo_measures, loo_max_shift, stability, score_<category>…``. Ties share the best rank (1, 2, 2, 4) after
    rounding to ``tie_decimals``. ``rank_change`` = previous rank − rank (positive: moved up), against
    ``previous_year`` (default ``year − 1``; null when nothing was observed by then). ``loo_changes``: with how
    many of the ``loo_measures`` measures left out one at a time the region's rank changes.
    ``regions``: codes compared (default: the plan region's counties/zones present in the observations).
    One query computes the ranking, its leave-one-out runs, the category indices and the previous year's ranking.
    Safe to call from several threads at once.
    """
    params = params or composite_params()
    obs, has_plan = engine.observations(observations, plan.id)
    py = previous_year if previous_year is not None else year - 1
    data = _tables(plan, obs, has_plan, [year, py], method, regions, assignments, params, status)
    long = engine.run(engine.query("rank", tie_decimals=params.tie_decimals), data)
    return _assemble(plan, long, params)


def _assemble(plan: Plan, long: pa.Table, params: CompositeParams) -> pa.Table:
    """Final shape of the (small) ranking table: names, rounding, rank change, category columns, stability note."""
    import numpy as np
    import pyarrow.compute as pc

    overall = long.filter(pc.is_null(long.column("category")))
    overall = overall.sort_by([("rank", "ascending"), ("region", "ascending")])
    cats = long.filter(pc.is_valid(long.column("category")))
    regs = load_regions()
    region = overall.column("region").to_pylist()
    rank_ = overall.column("rank")
    prev = overall.column("previous_rank")
    loo = {c: pc.fill_null(overall.column(c), 0) for c in ("loo_changes", "loo_measures", "loo_max_shift")}
    stability = [
        f"稳定 / stable: rank unchanged leaving out any one of {n} measures" if k == 0 else
        f"敏感 / sensitive: rank changes with {k} of {n} measures left out (max shift {s})"
        for k, n, s in zip(*(loo[c].to_pylist() for c in ("loo_changes", "loo_measures", "loo_max_shift")),
                           strict=True)
    ]

    def rounded(values: list) -> pa.Array:
        a = np.array([np.nan if v is None else v for v in values], dtype="float64")
        return pa.array(np.round(a, params.display_decimals), pa.float64(), from_pandas=True)

    position = {r: i for i, r in enumerate(region)}
    present = set(cats.column("category").to_pylist())
    wide = {}
    for c in (c.id for c in plan.categories if c.id in present):
        sel = cats.filter(pc.equal(cats.column("category"), c))
        values: list = [None] * len(region)
        for r, v in zip(sel.column("region").to_pylist(), sel.column("score").to_pylist(), strict=True):
            if r in position:
                values[position[r]] = v
        wide[f"score_{c}"] = rounded(values)
    text = pa.large_string()  # (as pandas wrote them before)
    columns = {
        "region": overall.column("region").cast(text),
        "region_name": pa.array([regs.name(r) if r in regs.index else r for r in region], text),
        "score": rounded(overall.column("score").to_pylist()),
        "rank": rank_,
        "previous_rank": prev,
        "rank_change": pc.subtract(prev, rank_),
        "measures": overall.column("measures"),
        "missing": overall.column("missing"),
        **loo,
        "stability": pa.array(stability, text),
        **wide,
    }
    return pa.table(columns)
