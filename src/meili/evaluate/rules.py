"""Every rule of the evaluation and the ranking, as Ibis expressions over the tables of :mod:`meili.evaluate.tables`.

The functions here take Ibis tables and return Ibis tables; they never execute anything. :mod:`meili.evaluate.engine`
calls them once per process with unbound tables (``ibis.table(schema, name=…)``) and compiles the result to SQL
that every call then runs with its own data bound; :func:`meili.evaluate.status.evaluate_expr` and
:func:`meili.evaluate.composite.measure_scores_expr` call them with memtables. The rules are written out in
``docs/methodology.md``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import ibis
import ibis.expr.types as ir

from meili.evaluate import tables
from meili.evaluate.cagr import cagr_inputs, cagr_ratio_method, cagr_status


@dataclass(frozen=True)
class Inputs:
    """The tables a query reads (names and schemas: :data:`meili.evaluate.tables.SCHEMAS`)."""

    obs: ir.Table
    measures: ir.Table
    targets: ir.Table
    vocabulary: ir.Table
    region_kinds: ir.Table
    runs: ir.Table
    run_milestones: ir.Table
    selected: ir.Table
    weights: ir.Table
    args: ir.Table


def unbound() -> Inputs:
    """The tables as unbound Ibis tables, named as the engine registers them."""
    return Inputs(**{name: ibis.table(ibis.Schema.from_pyarrow(schema), name=name)
                     for name, schema in tables.SCHEMAS.items()})


# --- observations ---------------------------------------------------------------------------------------------

def as_ibis(observations) -> ir.Table:
    """The observations as an Ibis table with the columns and types of :data:`meili.evaluate.tables.OBS`."""
    from meili.evaluate.engine import check_columns

    t = observations if isinstance(observations, ir.Table) else ibis.memtable(observations)
    check_columns(t.columns)
    return t.select(
        plan=t.plan.cast("string") if "plan" in t.columns else ibis.null("string"),
        region=t.region.cast("string"), measure=t.measure.cast("string"), year=t.year.cast("int64"),
        value=t.value.cast("float64") if "value" in t.columns else ibis.null("float64"),
        state=t.state.cast("string") if "state" in t.columns else ibis.null("string"),
    )


# --- the status of every (run, region, measure, milestone) -------------------------------------------------------


def _met(v: ir.FloatingValue, t: ir.Table) -> ir.BooleanValue:
    """Whether ``v`` meets the row's numeric target.

    Bound and cumulative: the comparison. Range: low ≤ v ≤ high, or beyond the range on the better side (a
    higher-is-better count of 6 meets "3~5"; see docs/methodology.md).
    """
    return ibis.cases(
        (v.isnull(), False),
        (t.eval_kind == "range", ((v >= t.low) & (v <= t.high)) | ((t.d > 0) & (v > t.high))
         | ((t.d < 0) & (v < t.low))),
        (t.cmp == ">=", v >= t.target_value),
        (t.cmp == ">", v > t.target_value),
        (t.cmp == "<=", v <= t.target_value),
        (t.cmp == "<", v < t.target_value),
        else_=False,
    )


def _rules(g: ir.Table, progress: ir.FloatingValue) -> list[tuple[ir.BooleanValue, str, str]]:
    """The status ladder: (condition, status, rule), the first condition that holds decides (methodology §2–4).

    Columns read: eval_kind, na_any, is_county, county_measure, is_group, scope_group, region, t_last, x0_obs, x,
    x0, x0e, cum, met_now, met_base, high, low, d, expected_progress, dbase, dprev, tol; and the progress p.
    """
    numeric = g.eval_kind.isin(["bound", "range", "cumulative"])
    improve, hold = g.eval_kind == "trend_improve", g.eval_kind == "trend_hold"
    # A region group (中心城区…) is evaluated on the measures scoped to it, and on others only where it has data.
    off_group = g.is_group & (g.scope_group != g.region) & g.t_last.isnull() & g.x0_obs.isnull()
    gained = g.d * (g.x - g.x0e)
    return [
        (g.eval_kind == "none", "not_applicable", "no target for this milestone"),
        (ibis.coalesce(g.na_any, False), "not_applicable", "marked not applicable in the observations"),
        (g.is_county & ~g.county_measure, "not_applicable", "no county value for this measure"),
        (off_group, "not_applicable", "not a measure of this region group"),
        (g.eval_kind == "pending", "target_pending", "delegated target not yet assigned"),
        (g.x.isnull() & g.x0.notnull() & ~g.cum, "no_data", "only a baseline: no observation after the base year"),
        (g.x.isnull(), "no_data", "no observation"),
        (numeric & g.met_now & (g.eval_kind == "range") & ((g.x > g.high) | (g.x < g.low)), "achieved",
         "x beyond the range on the better side"),
        (numeric & g.met_now, "achieved", "x meets the target"),
        (numeric & g.met_base, "regressing", "met at baseline, no longer"),
        (numeric & progress.isnull() & (gained < 0), "regressing", "p undefined (x* = x0); x moved away"),
        (numeric & progress.isnull(), "lagging", "p undefined (x* = x0); no gain"),
        (numeric & (progress >= g.expected_progress), "on_track", "p ≥ e"),
        (numeric & (progress > 0), "lagging", "0 < p < e"),
        (numeric, "regressing", "p ≤ 0"),
        (improve & (g.dbase > g.tol) & (g.dprev >= -g.tol), "achieved",
         "improved since baseline, not worse than previous"),
        (improve & (g.dbase > g.tol), "lagging", "improved since baseline, fell since previous"),
        (improve & (g.dbase >= -g.tol) & (g.dprev > g.tol), "on_track",
         "no change since baseline, improving since previous"),
        (improve & (g.dbase >= -g.tol), "lagging", "no change since baseline (within tolerance)"),
        (improve, "regressing", "worse than baseline"),
        (hold & (g.dbase >= -g.tol) & (g.dprev >= -g.tol), "achieved", "held: not worse than baseline nor previous"),
        (hold & (g.dbase >= -g.tol), "lagging", "held vs baseline, fell since previous"),
        (hold, "regressing", "worse than baseline"),
    ]


#: What a row that no rule reaches gets (none in practice: every eval_kind has a last, unconditional rule).
_FALLBACK = ("no_data", "")


def _stage(g: ir.Table, name: str, keep: Sequence[str], **new: ir.Value) -> ir.Table:
    """The next step of the evaluation as a named subquery (a CTE), with only the columns later steps read.

    Each column is computed once in its step instead of being inlined into every expression that reads it. DuckDB's
    planning time grows with columns × steps and exceeds its work on a plan's data, so the steps are few and narrow.
    """
    return g.select(*keep, **new).alias(name)


#: Columns the steps pass on to the end: the keys and what the result and the ranking read.
_KEYS = ("run", "region", "measure", "milestone", "eval_year", "order", "category", "d", "is_state", "county_measure",
         "annual_changes", "is_county", "na_any", "x_last", "t_last", "eval_kind", "target_kind", "target", "assigned_by", "document")


def status_core(t: Inputs, selected: bool, full: bool = True) -> ir.Table:
    """Every column of the evaluation, one row per (run, region, measure, milestone).

    ``selected``: the regions are those of ``t.selected`` (else every region in the observations). ``full=False``:
    only the status and what the ranking reads (no rule text, projection, CAGR).
    """
    M, A = t.measures, t.args
    obs = t.obs.cross_join(A.select("plan_id", "plan_region"))
    obs = obs.filter(obs.plan.isnull() | (obs.plan == obs.plan_id))
    # A measure scoped to a region group (16.1 中心城区 → central_urban) has its values recorded under the group;
    # the plan region's evaluation reads them there, unless a value is recorded for the plan region itself.
    S = M.filter(M.scope_group != "").select(s_measure="measure", s_group="scope_group")
    from_group = obs.join(S, [obs.measure == S.s_measure, obs.region == S.s_group]).select(
        region=obs.plan_region, measure=obs.measure, year=obs.year, value=obs.value, state=obs.state)
    own = obs.filter(obs.region == obs.plan_region)
    obs = obs.select("region", "measure", "year", "value", "state").union(
        from_group.anti_join(own, ["measure", "year"])).alias("ev_obs")
    all_obs = obs
    if selected:
        obs = obs.semi_join(t.selected, "region")

    # Each run sees the observations up to its year; states read as numbers (position, or the numeric reading); the
    # series of a (run, region, measure) summarised: latest and previous value, baseline, sums for the projection.
    o = obs.join(t.runs, obs.year <= t.runs.eval_year)
    V = t.vocabulary
    o = o.left_join(V, ["measure", "state"]).select(
        "run", "region", "measure", "year", v=ibis.coalesce(o.value, V.state_value), na=ibis.coalesce(V.na, False))
    o = o.join(M.select("measure", "base_year"), "measure").alias("ev_readings")  # (only the plan's measures)
    # The latest year with a value, then the previous one below it (a group-by and a join: cheaper than a window).
    keys = ["run", "region", "measure"]
    has = o.v.notnull()
    o = o.join(o.group_by(keys).aggregate(t_last=o.year.max(where=has)), keys)
    has = o.v.notnull()
    last, before = has & (o.year == o.t_last), has & (o.year < o.t_last)
    u = (o.year - o.base_year).cast("float64")
    pts = has & (o.year >= o.base_year)
    after = has & (o.year > o.base_year)
    series = o.group_by(keys).aggregate(
        na_any=o.na.any(),
        x0_obs=o.v.max(where=has & (o.year == o.base_year)),
        x_last=o.v.max(where=last), t_last=o.t_last.max(),
        x_prev=o.v.argmax(o.year, where=before), t_prev=o.year.max(where=before),
        x_first=o.v.argmin(o.year, where=has), t_first=o.year.min(where=has),
        n=pts.cast("int64").sum(), su=u.sum(where=pts), sv=o.v.sum(where=pts),
        suu=(u * u).sum(where=pts), suv=(u * o.v).sum(where=pts),
        cum_n=after.cast("int64").sum(), cum_sum=o.v.sum(where=after),
        cum_log=(1 - o.v / 100).ln().sum(where=after & (o.v < 100)),
    )

    # The grid: every region × measure × (run, milestone) with the region's series, and from the series alone:
    # baseline x0 (year t0) — the region's observation in the base year, else the plan's, else the first
    # observation —, the latest value x (year t), the previous value, the cumulative change, the projection.
    regions = t.selected if selected else all_obs.select("region").distinct()
    grid = regions.cross_join(M).cross_join(t.run_milestones)
    R = t.region_kinds
    grid = grid.left_join(R, "region").left_join(series, ["run", "region", "measure"])
    s = series
    x0 = ibis.coalesce(s.x0_obs, grid.plan_baseline, s.x_first)
    t0 = ibis.ifelse(s.x0_obs.notnull() | grid.plan_baseline.notnull(), grid.base_year, s.t_first)
    latest_ok = s.t_last.notnull() & (s.t_last > t0)
    prev_ok = s.t_prev.notnull() & (s.t_prev >= t0)
    source = ibis.cases((s.x0_obs.notnull(), "region"), (grid.plan_baseline.notnull(), "plan"),
                        (s.x_first.notnull(), "first_observation"), else_=ibis.null("string"))
    # least squares over the observed points from the base year on, the plan's baseline a point when it is x0
    from_plan = s.x0_obs.isnull() & grid.plan_baseline.notnull()
    n = ibis.coalesce(s.n, 0) + from_plan.cast("int64")
    su, sv = ibis.coalesce(s.su, 0.0), ibis.coalesce(s.sv, 0.0) + ibis.ifelse(from_plan, x0, 0.0)
    suu, suv = ibis.coalesce(s.suu, 0.0), ibis.coalesce(s.suv, 0.0)
    nf = n.cast("float64")
    den = nf * suu - su * su
    slope = (nf * suv - su * sv) / den
    g = grid.select(
        grid.region, grid.measure, grid.run, grid.eval_year, grid.milestone, *[grid[c] for c in (
            "order", "category", "d", "is_state", "pct", "county_measure", "annual_changes", "scope_group",
            "base_year")],
        is_county=ibis.coalesce(R.is_county, False), is_group=ibis.coalesce(R.is_group, False),
        na_any=s.na_any, x0_obs=s.x0_obs, x_last=s.x_last, t_last=s.t_last,
        baseline_source=source, x0=x0, t0=t0,
        x_latest=ibis.ifelse(latest_ok, s.x_last, ibis.null("float64")),
        t=ibis.ifelse(latest_ok, s.t_last, ibis.null("int64")),
        x_cum=ibis.cases((ibis.coalesce(s.cum_n, 0) == 0, ibis.null("float64")),
                         (grid.pct, (1 - s.cum_log.exp()) * 100), else_=s.cum_sum),
        xp=ibis.ifelse(prev_ok, s.x_prev, x0), tp=ibis.ifelse(prev_ok, s.t_prev, t0),
        tol=ibis.greatest(grid.tol_rel * x0.abs(), grid.tol_abs),
        projection_points=ibis.ifelse(x0.notnull(), n, ibis.null("int64")), can_fit=den != 0,
        projection_value=(sv - slope * su) / nf + slope * (grid.milestone - grid.base_year).cast("float64"),
    )
    # Targets: a region-specific assignment wins over the plan-wide target.
    T = t.targets
    Tg = T.filter(T.region == "*").drop("region")
    tcols = [c for c in Tg.columns if c not in ("measure", "milestone")]
    Tr = T.filter(T.region != "*").select("measure", "milestone", "region", **{f"{c}_r": c for c in tcols})
    j = g.left_join(Tg, ["measure", "milestone"]).left_join(Tr, ["measure", "milestone", "region"])
    g = j.select(*[g[c] for c in g.columns],
                 **{c: ibis.ifelse(Tr.eval_kind_r.notnull(), Tr[f"{c}_r"], Tg[c]) for c in tcols})
    g = g.alias("ev_grid")

    # The value x compared with the target x* (te, a cumulative target starting from 0: x0e); whether x and x0 meet
    # it; expected progress e; the changes since the baseline and since the previous value.
    cum = g.eval_kind == "cumulative"
    x0e = ibis.ifelse(cum, 0.0, g.x0)
    x = ibis.ifelse(cum, g.x_cum, g.x_latest)
    span = (g.milestone - g.t0).cast("float64")
    e = ibis.cases((g.t.isnull(), ibis.null("float64")),
                   (span > 0, ibis.least((g.t - g.t0).cast("float64") / span, 1.0)), else_=1.0)
    numeric = g.eval_kind.isin(["bound", "range", "cumulative"])
    g = _stage(
        g, "ev_values",
        [*_KEYS, "scope_group", "is_group", "pct", "x0_obs", "cmp", "target_value", "low", "high",
         "baseline_source", "x0", "t0", "t", "xp", "tp", "tol", "projection_points", "can_fit", "projection_value"],
        cum=cum, x=x, x0e=x0e, numeric=numeric, trend=g.eval_kind.isin(["trend_improve", "trend_hold"]),
        te=ibis.cases((g.eval_kind == "range", ibis.cases((x0e < g.low, g.low), (x0e > g.high, g.high),
                                                          else_=ibis.null("float64"))),
                      else_=g.target_value),
        expected_progress=ibis.ifelse(numeric, e, ibis.null("float64")),
        dbase=g.d * (x - g.x0), dprev=g.d * (x - g.xp), met_now=_met(x, g), met_base=_met(x0e, g),
    )
    # Progress p = (x − x0)/(x* − x0) toward a numeric target (undefined once met at baseline, or when x* = x0).
    progress = ibis.ifelse(g.numeric & ~g.met_base & (g.te != g.x0e), (g.x - g.x0e) / (g.te - g.x0e),
                           ibis.null("float64"))

    # The status and the rule that decided it (the first rule of the ladder that holds); the projection and its
    # note; the CAGR second opinion's inputs (cagr.py).
    rules = _rules(g, progress)
    statuses = ibis.literal([s for _, s, _ in rules] + [_FALLBACK[0]])
    ladder = ibis.cases(*[(cond, i) for i, (cond, _, _) in enumerate(rules)], else_=len(rules))
    if not full:  # what the ranking reads
        return g.select(*_KEYS, "x", "t", "numeric", progress=progress, status=statuses[ladder])
    P = A.select("min_points", *[c for c in A.columns if c.startswith("cagr_")])
    g = g.cross_join(P)
    can_project = (g.projection_points >= g.min_points) & g.can_fit & ~g.cum & ~g.annual_changes & ~g.is_state
    note = ibis.cases(
        (g.cum & g.x.notnull(), ibis.ifelse(g.pct, "value: cumulative change since the base year, compounded",
                                            "value: cumulative change since the base year, summed")),
        (g.is_state, "a state measure: values are positions in its vocabulary (worst = 0)"),
        (g.annual_changes & g.x_last.notnull(),
         "values are each year's change: no projection or CAGR of them (methodology §4.3)"),
        (g.x.notnull() & ~can_project, "projection: too few points (< " + g.min_points.cast("string") + ")"),
        else_=ibis.null("string"),
    )
    g = _stage(
        g, "ev_rule",
        [*_KEYS, "cmp", "target_value", "low", "high", "baseline_source", "t0", "t", "xp", "tp", "projection_points",
         "cum", "x", "x0e", "numeric", "trend", "te", "expected_progress", "met_now"],
        progress=progress, k=ladder,
        projection=ibis.ifelse(can_project, g.projection_value, ibis.null("float64")), note=note,
        tolerance=ibis.ifelse(g.trend, g.tol, ibis.null("float64")), **cagr_inputs(g),
    )
    status = statuses[g.k]
    years_left = (g.milestone - g.t).cast("float64")
    proj = g["projection"]  # (Table.projection is a method)
    g = _stage(
        g, "ev_status",
        [*_KEYS, "baseline_source", "t0", "t", "xp", "tp", "projection_points", "cum", "x", "x0e", "numeric",
         "trend", "te", "expected_progress", "met_now", "progress", "projection", "note", "tolerance",
         "cagr_with_target", "cagr_usable", "cagr_substantial", "cagr_moderate"],
        status=status, rule=ibis.literal([r for _, _, r in rules] + [_FALLBACK[1]])[g.k],
        required_annual_change=ibis.cases(
            (~g.numeric | g.is_state | g.x.isnull() | (status == "not_applicable"), ibis.null("float64")),
            (g.met_now, 0.0),
            (years_left > 0, (g.te - g.x) / years_left),
            else_=ibis.null("float64"),
        ),
        projection_meets_target=ibis.ifelse(g.numeric & proj.notnull(), _met(proj, g), ibis.null("boolean")),
        **cagr_ratio_method(g),
    )
    return g.mutate(cagr_status=cagr_status(g))


def evaluation(t: Inputs, selected: bool, ordered: bool = True) -> ir.Table:
    """The evaluation's result (run 0): one row per (region, measure, milestone), columns ``status.COLUMNS``, ordered
    by region, the plan's order of measures and milestone; with ``ordered=False`` unordered and with the measure's
    position as a last column ``order`` (the engine sorts the small result itself: one step less to plan)."""
    g = status_core(t, selected)
    g = g.filter(g.run == 0).cross_join(t.args.select("plan_id"))
    out = g.select(
        plan=g.plan_id, region=g.region, measure=g.measure, category=g.category, year=g.eval_year,
        milestone=g.milestone, status=g.status, rule=g.rule, target_kind=g.target_kind, target=g.target,
        target_value=g.te, baseline=g.x0e, baseline_year=g.t0,
        baseline_source=ibis.ifelse(g.cum, "cumulative: 0 at the base year", g.baseline_source),
        value=g.x, value_year=g.t, previous_value=ibis.ifelse(g.trend, g.xp, None),
        previous_year=ibis.ifelse(g.trend, g.tp, None), progress=g.progress, expected_progress=g.expected_progress,
        required_annual_change=g.required_annual_change, projection=g["projection"],
        projection_points=g.projection_points, projection_meets_target=g.projection_meets_target,
        tolerance=g.tolerance, cagr_method=g.cagr_method, cagr_ratio=g.cagr_ratio, cagr_status=g.cagr_status,
        assigned_by=g.assigned_by, document=g.document, note=g.note, order=g["order"],
    )
    return out.order_by(["region", "order", "milestone"]).drop("order") if ordered else out


# --- composite scores and ranking ---------------------------------------------------------------------------------


def measure_scores(t: Inputs) -> ir.Table:
    """Per (run, region, measure) of the selected regions: value, applicable, score (null when not applicable),
    weights; the method (``args.method``) picks the efficacy or the progress score."""
    g = status_core(t, selected=True, full=False)
    A = t.args
    g = g.join(t.weights, "measure").cross_join(
        A.select("method", *[c for c in A.columns if c.startswith(("eff_", "prog_"))]))
    # efficacy (功效系数法): the latest value against the extremes over the regions compared
    app_e = ~(ibis.coalesce(g.na_any, False) | (g.is_county & ~g.county_measure))
    has = app_e & g.x_last.notnull()
    ext = g.group_by(["run", "measure"]).aggregate(mn=g.x_last.min(where=has), mx=g.x_last.max(where=has))
    g = g.join(ext, ["run", "measure"])
    rel = ibis.ifelse(g.d > 0, (g.x_last - g.mn) / (g.mx - g.mn), (g.mx - g.x_last) / (g.mx - g.mn))
    score_e = ibis.cases(
        (~app_e, ibis.null("float64")),
        (g.x_last.isnull(), g.eff_missing),
        (g.mx == g.mn, g.eff_equal),
        else_=g.eff_base + g.eff_span * rel,
    )
    # progress: the distance travelled toward the milestone target; trend targets by their status
    app_p = ~g.status.isin(["not_applicable", "target_pending"])
    score_p = ibis.cases(
        (~app_p, ibis.null("float64")),
        (g.status == "no_data", g.prog_missing),
        (g.status == "achieved", 100.0),
        (g.numeric, 100.0 * ibis.greatest(ibis.least(ibis.coalesce(g.progress, 0.0), 1.0), 0.0)),
        (g.status == "on_track", g.prog_on_track),
        (g.status == "lagging", g.prog_lagging),
        (g.status == "regressing", g.prog_regressing),
        else_=g.prog_missing,
    )
    eff = g.method == "efficacy"
    return g.select(
        "run", "region", "measure", "category", "order", "d",
        value=ibis.ifelse(eff, g.x_last, g.x), value_year=ibis.ifelse(eff, g.t_last, g.t), status=g.status,
        app=ibis.ifelse(eff, app_e, app_p), score=ibis.ifelse(eff, score_e, score_p),
        weight=g.weight, category_weight=g.category_weight,
    )


def ranking(t: Inputs, tie_decimals: int) -> ir.Table:
    """The ranking of run 0 with its leave-one-out runs and the previous year's ranking (run 1), in one query.

    Long format, one row per region with ``category`` null (score, rank, previous_rank, measures, missing,
    loo_changes, loo_measures, loo_max_shift) and one per (region, category) with the category index as
    ``score``; :func:`meili.evaluate.composite.rank` gives it its final shape.
    """
    s = measure_scores(t).alias("rk_scores")
    before = s.filter((s.run == 1) & s.value.notnull())
    observed_before = before.aggregate(observed_before=before.count() > 0)
    s = s.filter(s.app)
    L = s.filter(s.run == 0).select("run", left_out="measure").distinct().union(
        t.runs.select("run", left_out=ibis.literal("")))
    s = s.join(L, "run").filter(lambda x: x.measure != x.left_out)
    cat = s.group_by(["run", "left_out", "region", "category"]).aggregate(
        index=(s.score * s.weight).sum() / s.weight.sum(), category_weight=s.category_weight.max(),
        measures=s.measure.count(), missing=s.value.isnull().cast("int64").sum(),
    )
    tot = cat.group_by(["run", "left_out", "region"]).aggregate(
        score=(cat["index"] * cat.category_weight).sum() / cat.category_weight.sum(),
        measures=cat.measures.sum(), missing=cat.missing.sum(),
    )
    key = tot.score.round(tie_decimals)
    tot = tot.mutate(rank=ibis.rank().over(group_by=["run", "left_out"], order_by=ibis.desc(key)) + 1).alias("rk_totals")
    base = tot.filter((tot.run == 0) & (tot.left_out == ""))
    loo = tot.filter((tot.run == 0) & (tot.left_out != ""))
    loo = loo.join(base.select("region", base_rank="rank"), "region")
    shift = (loo["rank"] - loo.base_rank).abs()
    stab = loo.group_by("region").aggregate(loo_changes=(shift > 0).cast("int64").sum(), loo_measures=loo.count(),
                                            loo_max_shift=shift.max())
    prev = tot.filter((tot.run == 1) & (tot.left_out == "")).select("region", previous_rank="rank")
    res = base.left_join(stab, "region").select(base, stab.loo_changes, stab.loo_measures, stab.loo_max_shift)
    res = res.left_join(prev, "region").select(res, prev.previous_rank).cross_join(observed_before)
    res = res.mutate(previous_rank=ibis.ifelse(res.observed_before, res.previous_rank, ibis.null("int64")))
    overall = res.select(
        "region", category=ibis.null("string"), score=res.score, rank=res["rank"], previous_rank=res.previous_rank,
        measures=res.measures, missing=res.missing, loo_changes=res.loo_changes, loo_measures=res.loo_measures,
        loo_max_shift=res.loo_max_shift)
    cats = cat.filter((cat.run == 0) & (cat.left_out == ""))
    null = ibis.null("int64")
    by_category = cats.select("region", "category", score=cats["index"], rank=null, previous_rank=null,
                              measures=null, missing=null, loo_changes=null, loo_measures=null,
                              loo_max_shift=null)
    return overall.union(by_category)


__all__ = ["Inputs", "_met", "as_ibis", "evaluation", "measure_scores", "ranking",
           "status_core", "unbound"]
