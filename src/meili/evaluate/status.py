"""Status of every (region, measure, milestone) at an evaluation year: achieved, on track, lagging, regressing …

Pure functions over tables: the observations (a pyarrow Table or an Ibis table with the store's columns
``plan, region, measure, year, value, state``) are joined to small tables derived from the plan (one row per
measure, one per measure × milestone) and every rule is a column expression, so the whole evaluation is one Ibis
query (DuckDB by default). The rules are written out in ``docs/methodology.md``; the parameters (tolerances,
readings) come from ``src/meili/data/methods/status.yaml``.
"""

from __future__ import annotations

from collections.abc import Sequence

import ibis
import ibis.expr.types as ir
import pyarrow as pa

from meili.evaluate.assignments import Assignment, validate_assignments
from meili.evaluate.cagr import cagr_columns
from meili.evaluate.params import CagrParams, StatusParams, cagr_params, status_params
from meili.plan import Direction, Measure, Plan, Target, TargetKind, load_regions
from meili.plan.targets import TREND_WORDS

#: Status vocabulary, in the order reports list them.
STATUSES = ("achieved", "on_track", "lagging", "regressing", "no_data", "target_pending", "not_applicable")
#: How a status is shown to people (Chinese first).
STATUS_LABELS = {"achieved": "已达标 achieved", "on_track": "进度正常 on track", "lagging": "滞后 lagging",
                 "regressing": "退步 regressing", "no_data": "无数据 no data", "target_pending": "待下达 pending",
                 "not_applicable": "不适用 n/a"}

#: Columns of :func:`evaluate`'s result, in order.
COLUMNS = (
    "plan", "region", "measure", "category", "year", "milestone", "status", "rule", "target_kind", "target",
    "target_value", "baseline", "baseline_year", "baseline_source", "value", "value_year", "previous_value",
    "previous_year", "progress", "expected_progress", "required_annual_change", "projection", "projection_points",
    "projection_meets_target", "tolerance", "cagr_method", "cagr_ratio", "cagr_status", "assigned_by", "document",
    "note",
)


class EvaluationError(ValueError):
    """Inputs the evaluation cannot use (a missing column, a target without a reading); bilingual message."""


# --- plan-derived parameter tables ------------------------------------------------------------------------------


def _state_rank(m: Measure, state: str) -> float:
    return float(m.vocabulary.index(state))  # type: ignore[union-attr]


def _target_row(m: Measure, t: Target, params: StatusParams) -> dict:
    """How one target is evaluated: eval_kind plus its numbers (op, value, low, high)."""
    row = {"eval_kind": "none", "cmp": None, "target_value": None, "low": None, "high": None,
           "target_kind": t.kind.value, "target": t.describe(), "assigned_by": t.assigned_by}
    if t.kind == TargetKind.BOUND:
        row.update(eval_kind="bound", cmp=t.op, target_value=t.value)
    elif t.kind == TargetKind.RANGE:
        row.update(eval_kind="range", low=t.low, high=t.high)
    elif t.kind == TargetKind.CUMULATIVE:
        row.update(eval_kind="cumulative", cmp=t.op, target_value=t.value)
    elif t.kind == TargetKind.TREND:
        row.update(eval_kind="trend_hold" if TREND_WORDS[t.trend] == "hold" else "trend_improve")  # type: ignore[index]
    elif t.kind == TargetKind.STATE:
        if m.is_state:
            row.update(eval_kind="bound", cmp=">=", target_value=_state_rank(m, t.state))  # type: ignore[arg-type]
        else:
            reading = params.numeric_state_readings.get(t.state or "")
            if reading is None:
                raise EvaluationError(
                    f"measure {m.id}: 状态目标 {t.state!r} 无数值解读 / the state target {t.state!r} of a numeric "
                    f"measure has no reading in status.yaml numeric_state_readings"
                )
            row.update(eval_kind="bound", cmp=reading.op, target_value=reading.value)
            row["target"] = f"state {t.state} (read as {reading.op} {reading.value:g})"
    elif t.kind == TargetKind.DELEGATED:
        row.update(eval_kind="pending", target=f"{t.text} (pending / 待下达)")
    return row


def measure_table(plan: Plan, params: StatusParams | None = None) -> pa.Table:
    """One row per measure: order, category, direction, baseline (value or state rank), tolerance."""
    params = params or status_params()
    rows = []
    for i, m in enumerate(plan.measures):
        b = m.baseline
        if b.kind == "state":
            base = _state_rank(m, b.state)  # type: ignore[arg-type]
        elif b.kind in ("value", "bound"):
            base = b.value
        else:  # none; a cumulative baseline is the previous period's change, not this period's x0
            base = None
        tol = params.trend_tolerance.overrides.get(m.id, params.trend_tolerance)
        rows.append({
            "measure": m.id, "order": i, "category": m.category, "indicator_no": m.no,
            "direction": m.direction.value, "d": 1 if m.direction == Direction.HIGHER else -1,
            "is_state": m.is_state, "pct": (m.unit or "").strip() in ("%", "％"), "county_measure": m.county,
            "scope_group": m.scope_group or "",
            "base_year": b.year, "plan_baseline": base, "baseline_text": b.text,
            "tol_rel": 0.0 if m.is_state else tol.relative, "tol_abs": 0.0 if m.is_state else tol.absolute,
        })
    return pa.Table.from_pylist(rows)


def target_table(plan: Plan, milestones: Sequence[int], assignments: Sequence[Assignment] = (),
                 params: StatusParams | None = None) -> pa.Table:
    """One row per (measure, milestone) (region ``*``), plus one per region-specific assignment."""
    params = params or status_params()
    assigned = {(a.measure, a.milestone, a.region): a for a in validate_assignments(list(assignments), plan)}
    rows = []
    for m in plan.measures:
        for ms in milestones:
            t = m.targets.get(ms, Target(kind=TargetKind.NONE, text="—"))
            base = _target_row(m, t, params) | {"measure": m.id, "milestone": ms, "region": "*", "document": None}
            keys = [k for k in assigned if k[0] == m.id and k[1] == ms]
            for key in keys:
                a = assigned[key]
                row = _target_row(m, a.parsed(plan), params)
                row.update(measure=m.id, milestone=ms, region=a.region or "*", document=a.document,
                           assigned_by=a.assigned_by, target=f"{row['target']} ({t.text}: {a.target})")
                rows.append(row)
            if not any(k[2] is None for k in keys):
                rows.append(base)
    schema = pa.schema([
        ("measure", pa.string()), ("milestone", pa.int64()), ("region", pa.string()), ("eval_kind", pa.string()),
        ("cmp", pa.string()), ("target_value", pa.float64()), ("low", pa.float64()), ("high", pa.float64()),
        ("target_kind", pa.string()), ("target", pa.string()), ("assigned_by", pa.string()),
        ("document", pa.string()),
    ])
    return pa.Table.from_pylist(rows, schema=schema)


def vocabulary_table(plan: Plan, params: StatusParams | None = None) -> pa.Table:
    """(measure, state, state_value): a state measure's states → position; a numeric measure's states → reading."""
    params = params or status_params()
    rows = []
    for m in plan.measures:
        for s in m.vocabulary or []:
            if m.is_state:
                rows.append({"measure": m.id, "state": s, "state_value": _state_rank(m, s)})
            elif s in params.numeric_state_readings:
                rows.append({"measure": m.id, "state": s, "state_value": params.numeric_state_readings[s].value})
    schema = pa.schema([("measure", pa.string()), ("state", pa.string()), ("state_value", pa.float64())])
    return pa.Table.from_pylist(rows, schema=schema)


def _region_table() -> pa.Table:
    regions = load_regions()
    codes = [r.code for r in regions.regions] + [g.id for g in regions.groups]
    return pa.table({"region": codes,
                     "is_county": [r.level == "county" for r in regions.regions] + [False] * len(regions.groups),
                     "is_group": [False] * len(regions.regions) + [True] * len(regions.groups)})


# --- observations ---------------------------------------------------------------------------------------------

_REQUIRED = ("region", "measure", "year")


def as_ibis(observations: pa.Table | ir.Table) -> ir.Table:
    """The observations as an Ibis table with typed ``region, measure, year, value, state`` (and ``plan``)."""
    t = observations if isinstance(observations, ir.Table) else ibis.memtable(observations)
    missing = [c for c in _REQUIRED if c not in t.columns]
    if "value" not in t.columns and "state" not in t.columns:
        missing.append("value|state")
    if missing:
        raise EvaluationError(f"观测表缺少列 / observations lack columns: {', '.join(missing)}")
    cols = {
        "region": t.region.cast("string"), "measure": t.measure.cast("string"), "year": t.year.cast("int64"),
        "value": t.value.cast("float64") if "value" in t.columns else ibis.null("float64"),
        "state": t.state.cast("string") if "state" in t.columns else ibis.null("string"),
    }
    if "plan" in t.columns:
        cols["plan"] = t.plan.cast("string")
    return t.select(**cols)


def _scope_groups_speak_for_the_plan_region(plan: Plan, obs: ir.Table) -> ir.Table:
    """Add, for the plan's own region, the observations of each scoped measure's region group.

    A measure scoped to a group (16.1 PM2.5 中心城区 → ``central_urban``) has its baseline and target for that
    group, and its values are recorded there; the city's evaluation (region ``plan.region``) reads them from the
    group. A value recorded for the plan region itself, for the same measure and year, takes precedence.
    """
    scoped = [(m.id, m.scope_group) for m in plan.measures if m.scope_group]
    if not scoped:
        return obs
    S = ibis.memtable(pa.table({"s_measure": [m for m, _ in scoped], "s_group": [g for _, g in scoped]}))
    from_group = obs.join(S, [obs.measure == S.s_measure, obs.region == S.s_group]).select(
        **{c: (ibis.literal(plan.region) if c == "region" else obs[c]) for c in obs.columns})
    own = obs.filter(obs.region == plan.region)
    from_group = from_group.anti_join(own, ["measure", "year"])
    return obs.union(from_group)


def _regions_of(obs: ir.Table, regions: Sequence[str] | None) -> ir.Table:
    if regions is not None:
        return ibis.memtable(pa.table({"region": pa.array([str(r) for r in regions], pa.string())}))
    return obs.select("region").distinct()


def default_milestone(plan: Plan, year: int) -> int:
    """The first milestone at or after ``year`` (the last one once all are past)."""
    later = [m for m in sorted(plan.milestones) if m >= year]
    return later[0] if later else max(plan.milestones)


def _milestones(plan: Plan, year: int, milestone: int | Sequence[int] | str | None) -> list[int]:
    if milestone is None:
        return [default_milestone(plan, year)]
    if milestone == "all":
        return sorted(plan.milestones)
    ms = [int(milestone)] if isinstance(milestone, int | str) else [int(x) for x in milestone]
    bad = [x for x in ms if x not in plan.milestones]
    if bad:
        raise EvaluationError(f"不是规划目标年 / not milestones of {plan.id}: {bad} (milestones: {plan.milestones})")
    return ms


def execute(expr: ir.Table) -> pa.Table:
    """Run an Ibis expression to a pyarrow Table.

    The evaluation is a long chain of column definitions; Ibis's fusing of consecutive SELECTs spends more time
    compiling it than DuckDB spends running it, so fusing is switched off for this compilation only.
    """
    old = ibis.options.sql.fuse_selects
    ibis.options.sql.fuse_selects = False
    try:
        return expr.to_pyarrow()
    finally:
        ibis.options.sql.fuse_selects = old


# --- the evaluation -------------------------------------------------------------------------------------------


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


def evaluation_core(
    plan: Plan,
    observations: pa.Table | ir.Table,
    year: int,
    milestone: int | Sequence[int] | str | None = None,
    regions: Sequence[str] | None = None,
    assignments: Sequence[Assignment] = (),
    params: StatusParams | None = None,
    cagr: CagrParams | None = None,
) -> ir.Table:
    """Every intermediate column of the evaluation (for :func:`evaluate` and the composite scores)."""
    params = params or status_params()
    cagr = cagr or cagr_params()
    milestones = _milestones(plan, year, milestone)
    obs = as_ibis(observations)
    if "plan" in obs.columns:
        obs = obs.filter(obs.plan.isnull() | (obs.plan == plan.id))
    obs = _scope_groups_speak_for_the_plan_region(plan, obs)
    ids = [m.id for m in plan.measures]
    all_obs = obs
    obs = obs.filter((obs.year <= year) & obs.measure.isin(ids))
    if regions is not None:
        obs = obs.filter(obs.region.isin([str(r) for r in regions]))

    M = ibis.memtable(measure_table(plan, params))
    T = ibis.memtable(target_table(plan, milestones, assignments, params))
    V = ibis.memtable(vocabulary_table(plan, params))
    R = ibis.memtable(_region_table())
    na_states = list(params.not_applicable_states)

    # Observations: states read as numbers (position in the vocabulary, or the numeric reading).
    o = obs.left_join(V, ["measure", "state"]).select(
        "region", "measure", "year", "state",
        v=ibis.coalesce(obs.value, V.state_value),
    )
    o = o.join(M.select("measure", "base_year", "pct"), "measure")
    o = o.mutate(na=o.state.isin(na_states) if na_states else ibis.literal(False))
    has = o.v.notnull()
    o = o.mutate(rn=ibis.row_number().over(group_by=["region", "measure"], order_by=[ibis.desc(has), ibis.desc("year")]))
    u = (o.year - o.base_year).cast("float64")
    pts = has & (o.year >= o.base_year)
    after = has & (o.year > o.base_year)
    S = o.group_by(["region", "measure"]).aggregate(
        na_any=o.na.any(),
        x0_obs=o.v.max(where=has & (o.year == o.base_year)),
        x_last=o.v.max(where=has & (o.rn == 0)), t_last=o.year.max(where=has & (o.rn == 0)),
        x_prev=o.v.max(where=has & (o.rn == 1)), t_prev=o.year.max(where=has & (o.rn == 1)),
        x_first=o.v.argmin(o.year, where=has), t_first=o.year.min(where=has),
        n=pts.cast("int64").sum(), su=u.sum(where=pts), sv=o.v.sum(where=pts),
        suu=(u * u).sum(where=pts), suv=(u * o.v).sum(where=pts),
        cum_n=after.cast("int64").sum(), cum_sum=o.v.sum(where=after),
        cum_log=(1 - o.v / 100).ln().sum(where=after & (o.v < 100)),
    )

    grid = _regions_of(all_obs, regions).cross_join(M).cross_join(ibis.memtable(
        pa.table({"milestone": pa.array(milestones, pa.int64())})))
    grid = grid.left_join(R, "region").select(grid, is_county=ibis.coalesce(R.is_county, False),
                                              is_group=ibis.coalesce(R.is_group, False))
    g = grid.left_join(S, ["region", "measure"]).select(grid, *[S[c] for c in S.columns if c not in ("region", "measure")])
    # Targets: a region-specific assignment wins over the plan-wide target.
    Tg = T.filter(T.region == "*").drop("region")
    Tr = T.filter(T.region != "*").rename(region_r="region")
    tcols = [c for c in Tg.columns if c not in ("measure", "milestone")]
    g = g.left_join(Tg, ["measure", "milestone"]).select(g, *[Tg[c] for c in tcols])
    Tr2 = Tr.rename(measure_r="measure", milestone_r="milestone", **{f"{c}_r": c for c in tcols})
    g = g.left_join(Tr2, [g.measure == Tr2.measure_r, g.milestone == Tr2.milestone_r, g.region == Tr2.region_r])
    g = g.select(
        *[c for c in g.columns if c not in tcols and not c.endswith("_r")],
        **{c: ibis.ifelse(g.eval_kind_r.notnull(), g[f"{c}_r"], g[c]) for c in tcols},
    )

    # Baseline x0 (year t0): the region's observation in the base year, else the plan's, else the first observation.
    src = ibis.cases(
        (g.x0_obs.notnull(), "region"), (g.plan_baseline.notnull(), "plan"), (g.x_first.notnull(), "first_observation"),
        else_=ibis.null("string"),
    )
    g = g.mutate(
        baseline_source=src,
        x0=ibis.coalesce(g.x0_obs, g.plan_baseline, g.x_first),
        t0=ibis.ifelse(g.x0_obs.notnull() | g.plan_baseline.notnull(), g.base_year, g.t_first),
    )
    cum = g.eval_kind == "cumulative"
    latest_ok = g.t_last.notnull() & (g.t_last > g.t0)
    cum_value = ibis.ifelse(g.pct, (1 - g.cum_log.exp()) * 100, g.cum_sum)
    g = g.mutate(
        x=ibis.cases((cum & (g.cum_n > 0), cum_value), (cum, ibis.null("float64")),
                     (latest_ok, g.x_last), else_=ibis.null("float64")),
        t=ibis.ifelse(latest_ok, g.t_last, ibis.null("int64")),
        x0e=ibis.ifelse(cum, 0.0, g.x0),
        prev_ok=g.t_prev.notnull() & (g.t_prev >= g.t0),
    )
    g = g.mutate(
        xp=ibis.ifelse(g.prev_ok, g.x_prev, g.x0), tp=ibis.ifelse(g.prev_ok, g.t_prev, g.t0),
        te=ibis.cases(
            (g.eval_kind == "range", ibis.cases((g.x0e < g.low, g.low), (g.x0e > g.high, g.high),
                                                else_=ibis.null("float64"))),
            else_=g.target_value,
        ),
        span=(g.milestone - g.t0).cast("float64"),
        tol=ibis.greatest(g.tol_rel * g.x0.abs(), g.tol_abs),
    )
    numeric = g.eval_kind.isin(["bound", "range", "cumulative"])
    trend = g.eval_kind.isin(["trend_improve", "trend_hold"])
    met_now, met_base = _met(g.x, g), _met(g.x0e, g)
    p = ibis.ifelse(numeric & ~met_base & (g.te != g.x0e), (g.x - g.x0e) / (g.te - g.x0e), ibis.null("float64"))
    e = ibis.cases((g.t.isnull(), ibis.null("float64")),
                   (g.span > 0, ibis.least((g.t - g.t0).cast("float64") / g.span, 1.0)), else_=1.0)
    g = g.mutate(met_now=met_now, met_base=met_base, progress=p, expected_progress=ibis.ifelse(numeric, e, None),
                 dbase=g.d * (g.x - g.x0), dprev=g.d * (g.x - g.xp))

    # A region group (中心城区…) is evaluated on the measures scoped to it, and on others only where it has data.
    off_group = g.is_group & (g.scope_group != g.region) & g.t_last.isnull() & g.x0_obs.isnull()
    not_app = ((g.eval_kind == "none") | ibis.coalesce(g.na_any, False) | (g.is_county & ~g.county_measure)
               | off_group)
    improve, hold = g.eval_kind == "trend_improve", g.eval_kind == "trend_hold"
    rule = ibis.cases(
        (g.eval_kind == "none", "no target for this milestone"),
        (ibis.coalesce(g.na_any, False), "marked not applicable in the observations"),
        (g.is_county & ~g.county_measure, "no county value for this measure"),
        (off_group, "not a measure of this region group"),
        (g.eval_kind == "pending", "delegated target not yet assigned"),
        (g.x.isnull() & g.x0.notnull() & ~cum, "only a baseline: no observation after the base year"),
        (g.x.isnull(), "no observation"),
        (numeric & g.met_now & (g.eval_kind == "range") & ((g.x > g.high) | (g.x < g.low)),
         "x beyond the range on the better side"),
        (numeric & g.met_now, "x meets the target"),
        (numeric & g.met_base, "met at baseline, no longer"),
        (numeric & g.progress.isnull() & (g.d * (g.x - g.x0e) < 0), "p undefined (x* = x0); x moved away"),
        (numeric & g.progress.isnull(), "p undefined (x* = x0); no gain"),
        (numeric & (g.progress >= g.expected_progress), "p ≥ e"),
        (numeric & (g.progress > 0), "0 < p < e"),
        (numeric, "p ≤ 0"),
        (improve & (g.dbase > g.tol) & (g.dprev >= -g.tol), "improved since baseline, not worse than previous"),
        (improve & (g.dbase > g.tol), "improved since baseline, fell since previous"),
        (improve & (g.dbase >= -g.tol) & (g.dprev > g.tol), "no change since baseline, improving since previous"),
        (improve & (g.dbase >= -g.tol), "no change since baseline (within tolerance)"),
        (improve, "worse than baseline"),
        (hold & (g.dbase >= -g.tol) & (g.dprev >= -g.tol), "held: not worse than baseline nor previous"),
        (hold & (g.dbase >= -g.tol), "held vs baseline, fell since previous"),
        (hold, "worse than baseline"),
        else_="",
    )
    status = ibis.cases(
        (not_app, "not_applicable"),
        (g.eval_kind == "pending", "target_pending"),
        (g.x.isnull(), "no_data"),
        (numeric & g.met_now, "achieved"),
        (numeric & g.met_base, "regressing"),
        (numeric & g.progress.isnull(), ibis.ifelse(g.d * (g.x - g.x0e) < 0, "regressing", "lagging")),
        (numeric & (g.progress >= g.expected_progress), "on_track"),
        (numeric & (g.progress > 0), "lagging"),
        (numeric, "regressing"),
        (improve & (g.dbase > g.tol) & (g.dprev >= -g.tol), "achieved"),
        (improve & (g.dbase > g.tol), "lagging"),
        (improve & (g.dbase >= -g.tol) & (g.dprev > g.tol), "on_track"),
        (improve & (g.dbase >= -g.tol), "lagging"),
        (hold & (g.dbase >= -g.tol) & (g.dprev >= -g.tol), "achieved"),
        (hold & (g.dbase >= -g.tol), "lagging"),
        (trend, "regressing"),
        else_="no_data",
    )
    g = g.mutate(status=status, rule=rule)

    # Required annual change and the linear projection to the milestone year (numeric targets).
    years_left = (g.milestone - g.t).cast("float64")
    g = g.mutate(required_annual_change=ibis.cases(
        (~numeric | g.is_state | g.x.isnull() | (g.status == "not_applicable"), ibis.null("float64")),
        (g.met_now, 0.0),
        (years_left > 0, (g.te - g.x) / years_left),
        else_=ibis.null("float64"),
    ))
    from_plan = (g.baseline_source == "plan").cast("int64")
    n = ibis.coalesce(g.n, 0) + from_plan
    x0p = ibis.ifelse(from_plan == 1, g.x0, 0.0)
    su, sv = ibis.coalesce(g.su, 0.0), ibis.coalesce(g.sv, 0.0) + x0p
    suu, suv = ibis.coalesce(g.suu, 0.0), ibis.coalesce(g.suv, 0.0)
    nf = n.cast("float64")
    den = nf * suu - su * su
    slope = (nf * suv - su * sv) / den
    intercept = (sv - slope * su) / nf
    can_project = (n >= params.projection_min_points) & (den != 0) & ~cum & ~g.is_state
    proj = ibis.ifelse(can_project, intercept + slope * (g.milestone - g.base_year).cast("float64"),
                       ibis.null("float64"))
    g = g.mutate(projection=proj, projection_points=n)
    g = g.mutate(projection_meets_target=ibis.ifelse(numeric & g["projection"].notnull(), _met(g["projection"], g),
                                                     ibis.null("boolean")))
    note = ibis.cases(
        (cum & g.x.notnull(), ibis.ifelse(g.pct, "value: cumulative change since the base year, compounded",
                                          "value: cumulative change since the base year, summed")),
        (g.is_state, "a state measure: values are positions in its vocabulary (worst = 0)"),
        (g.x.notnull() & ~can_project, "projection: too few points (< "
         + ibis.literal(str(params.projection_min_points)) + ")"),
        else_=ibis.null("string"),
    )
    g = g.mutate(note=note)
    g = g.mutate(**cagr_columns(g, cagr))
    g = g.mutate(tolerance=ibis.ifelse(trend, g.tol, ibis.null("float64")), not_app=not_app)
    return g.mutate(cum=cum)


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
    """The evaluation as an (unexecuted) Ibis expression; see :func:`evaluate`."""
    g = evaluation_core(plan, observations, year, milestone, regions, assignments, params, cagr)
    cum, trend = g.cum, g.eval_kind.isin(["trend_improve", "trend_hold"])
    out = g.select(
        plan=ibis.literal(plan.id), region=g.region, measure=g.measure, category=g.category,
        year=ibis.literal(year).cast("int64"), milestone=g.milestone, status=g.status, rule=g.rule,
        target_kind=g.target_kind, target=g.target, target_value=g.te, baseline=g.x0e, baseline_year=g.t0,
        baseline_source=ibis.ifelse(cum, "cumulative: 0 at the base year", g.baseline_source),
        value=g.x, value_year=g.t, previous_value=ibis.ifelse(trend, g.xp, None),
        previous_year=ibis.ifelse(trend, g.tp, None), progress=g.progress, expected_progress=g.expected_progress,
        required_annual_change=g.required_annual_change, projection=g["projection"],
        projection_points=g.projection_points, projection_meets_target=g.projection_meets_target,
        tolerance=g.tolerance, cagr_method=g.cagr_method, cagr_ratio=g.cagr_ratio, cagr_status=g.cagr_status,
        assigned_by=g.assigned_by, document=g.document, note=g.note, order=g["order"],
    )
    return out.order_by(["region", "order", "milestone"]).drop("order")


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
    """
    return execute(evaluate_expr(plan, observations, year, milestone, regions, assignments, params, cagr))
