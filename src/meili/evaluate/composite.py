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
from typing import Literal

import ibis
import ibis.expr.types as ir
import pyarrow as pa

from meili.evaluate.assignments import Assignment
from meili.evaluate.params import CompositeParams, StatusParams, composite_params
from meili.evaluate.status import as_ibis, evaluation_core, execute
from meili.plan import Plan, load_regions

Method = Literal["efficacy", "progress"]
METHODS: tuple[Method, ...] = ("efficacy", "progress")


class RankingError(ValueError):
    """A ranking that cannot be computed (unknown method, no region to compare); bilingual message."""


def measure_weights(plan: Plan, params: CompositeParams | None = None) -> pa.Table:
    """(measure, category, weight, category_weight): relative weights from ``composite.yaml``."""
    params = params or composite_params()
    per_indicator = {ind.no: len(ind.measures) for ind in plan.indicators}
    cat_w = params.category_weights.get(plan.id, {})
    rows = []
    for m in plan.measures:
        w = 1.0 if params.measure_weighting == "measure" else 1.0 / per_indicator[m.no]
        rows.append({"measure": m.id, "weight": float(params.measure_weights.get(m.id, w)),
                     "category_weight": float(cat_w.get(m.category, 1.0))})
    return pa.Table.from_pylist(rows)


def _default_regions(plan: Plan, observations: ir.Table) -> list[str]:
    present = set(observations.select("region").distinct().to_pyarrow().column("region").to_pylist())
    children = [r.code for r in load_regions().children(plan.region)] if plan.region in load_regions().index else []
    chosen = [c for c in children if c in present]
    return chosen or sorted(present - {plan.region})


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
    """Per (region, measure): value, applicable, score (null when not applicable), weights — an Ibis expression."""
    params = params or composite_params()
    if method not in METHODS:
        raise RankingError(f"未知方法 / unknown method {method!r}: expected one of {', '.join(METHODS)}")
    obs = as_ibis(observations)
    if regions is None:
        regions = _default_regions(plan, obs.filter(obs.plan == plan.id) if "plan" in obs.columns else obs)
    if not regions:
        raise RankingError("没有可比较的区域 / no regions to compare")
    g = evaluation_core(plan, obs, year, None, regions, assignments, status)
    W = ibis.memtable(measure_weights(plan, params))
    g = g.join(W, "measure")
    if method == "efficacy":
        p = params.methods.efficacy
        app = ~(ibis.coalesce(g.na_any, False) | (g.is_county & ~g.county_measure))
        x = g.x_last
        g = g.mutate(app=app, x_score=x)
        has = g.app & g.x_score.notnull()
        ext = g.group_by("measure").aggregate(mn=g.x_score.min(where=has), mx=g.x_score.max(where=has))
        g = g.join(ext, "measure")
        rel = ibis.ifelse(g.d > 0, (g.x_score - g.mn) / (g.mx - g.mn), (g.mx - g.x_score) / (g.mx - g.mn))
        score = ibis.cases(
            (~g.app, ibis.null("float64")),
            (g.x_score.isnull(), p.missing_score),
            (g.mx == g.mn, p.equal_values_score),
            else_=p.base + p.span * rel,
        )
        g = g.mutate(score=score, value=g.x_score, value_year=g.t_last)
    else:
        p = params.methods.progress
        app = ~g.status.isin(["not_applicable", "target_pending"])
        numeric = g.eval_kind.isin(["bound", "range", "cumulative"])
        ss = p.status_scores
        score = ibis.cases(
            (~app, ibis.null("float64")),
            (g.status == "no_data", p.missing_score),
            (g.status == "achieved", 100.0),
            (numeric, 100.0 * ibis.greatest(ibis.least(ibis.coalesce(g.progress, 0.0), 1.0), 0.0)),
            else_=ibis.cases(*[(g.status == s, float(v)) for s, v in ss.items()], else_=p.missing_score),
        )
        g = g.mutate(app=app, score=score, value=g.x, value_year=g.t)
    return g.select("region", "measure", "category", "order", "d", "value", "value_year", "status", "app", "score",
                    "weight", "category_weight")


def _rank_from_scores(s: ir.Table, params: CompositeParams, left_out: bool) -> ir.Table:
    """Category indices, overall score and rank, for every left-out measure ('' = none) when ``left_out``."""
    s = s.filter(s.app)
    if left_out:
        L = s.select(left_out="measure").distinct().union(ibis.memtable(pa.table({"left_out": [""]})))
        s = s.cross_join(L).filter(lambda t: t.measure != t.left_out)
    else:
        s = s.mutate(left_out=ibis.literal(""))
    cat = s.group_by(["left_out", "region", "category"]).aggregate(
        index=(s.score * s.weight).sum() / s.weight.sum(), category_weight=s.category_weight.max(),
        measures=s.measure.count(), missing=s.value.isnull().cast("int64").sum(),
    )
    tot = cat.group_by(["left_out", "region"]).aggregate(
        score=(cat["index"] * cat.category_weight).sum() / cat.category_weight.sum(),
        measures=cat.measures.sum(), missing=cat.missing.sum(),
    )
    key = tot.score.round(params.tie_decimals)
    tot = tot.mutate(rank=ibis.rank().over(group_by="left_out", order_by=ibis.desc(key)) + 1)
    return cat, tot


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
    """
    params = params or composite_params()
    obs = as_ibis(observations)
    if regions is None:
        regions = _default_regions(plan, obs.filter(obs.plan == plan.id) if "plan" in obs.columns else obs)
    # Computed once (regions × measures rows, small): the ranking, its leave-one-out runs and the category columns
    # below all read it. (Ibis 12's .cache() fails to drop its temporary table on DuckDB 2.0.)
    scores = ibis.memtable(execute(measure_scores_expr(plan, obs, year, method, regions, assignments, params,
                                                       status)))
    cat, tot = _rank_from_scores(scores, params, left_out=True)
    base = tot.filter(tot.left_out == "").drop("left_out")
    loo = tot.filter(tot.left_out != "")
    loo = loo.join(base.select("region", base_rank="rank"), "region")
    shift = (loo["rank"] - loo.base_rank).abs()
    stab = loo.group_by("region").aggregate(loo_changes=(shift > 0).cast("int64").sum(), loo_measures=loo.count(),
                                            loo_max_shift=shift.max())
    cats = cat.filter(cat.left_out == "").select("region", "category", "index").to_pyarrow()
    res = base.left_join(stab, "region").select(base, stab.loo_changes, stab.loo_measures, stab.loo_max_shift)
    res = res.order_by(["rank", "region"]).to_pyarrow()

    py = previous_year if previous_year is not None else year - 1
    prev_scores = ibis.memtable(execute(measure_scores_expr(plan, obs, py, method, regions, assignments, params,
                                                            status)))
    _, prev = _rank_from_scores(prev_scores, params, left_out=False)
    prev_t = prev.select("region", "rank").to_pyarrow()
    observed_before = prev_scores.filter(prev_scores.value.notnull()).count().to_pyarrow().as_py() > 0
    return _assemble(plan, res, cats, prev_t if observed_before else None, params)


def _assemble(plan: Plan, res: pa.Table, cats: pa.Table, prev: pa.Table | None, params: CompositeParams) -> pa.Table:
    """Final shape of the (small) ranking table: names, rounding, rank change, category columns, stability note."""
    import pandas as pd

    df = res.to_pandas()
    regs = load_regions()
    df.insert(1, "region_name", [regs.name(r) if r in regs.index else r for r in df["region"]])
    if prev is not None:
        df = df.merge(prev.to_pandas().rename(columns={"rank": "previous_rank"}), on="region", how="left")
    else:
        df["previous_rank"] = pd.NA
    df["previous_rank"] = df["previous_rank"].astype("Int64")
    df["rank"] = df["rank"].astype("Int64")
    df["rank_change"] = (df["previous_rank"] - df["rank"]).astype("Int64")
    for c in ("loo_changes", "loo_measures", "loo_max_shift"):
        df[c] = df[c].fillna(0).astype("int64")
    df["stability"] = [
        f"稳定 / stable: rank unchanged leaving out any one of {n} measures" if k == 0 else
        f"敏感 / sensitive: rank changes with {k} of {n} measures left out (max shift {s})"
        for k, n, s in zip(df["loo_changes"], df["loo_measures"], df["loo_max_shift"], strict=True)
    ]
    wide = cats.to_pandas().pivot(index="region", columns="category", values="index")
    order = [c.id for c in plan.categories if c.id in wide.columns]
    wide = wide[order].rename(columns=lambda c: f"score_{c}")
    df = df.merge(wide, left_on="region", right_index=True, how="left")
    score_cols = ["score", *wide.columns]
    df[score_cols] = df[score_cols].round(params.display_decimals)
    cols = ["region", "region_name", "score", "rank", "previous_rank", "rank_change", "measures", "missing",
            "loo_changes", "loo_measures", "loo_max_shift", "stability", *wide.columns]
    return pa.Table.from_pandas(df[cols], preserve_index=False)
