"""The small tables a plan, a request and the method parameters become, bound to the compiled queries by name.

The evaluation's SQL is the same for every plan, year, region and parameter file (see :mod:`meili.evaluate.engine`):
everything that varies is one of these pyarrow tables, registered under its name for the call. Their schemas are
fixed here, so that the query compiled against them once serves every call. No Ibis here (this module is on the
command line's start-up path).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache

import pyarrow as pa

from meili.errors import Text
from meili.evaluate.assignments import Assignment, validate_assignments
from meili.evaluate.errors import EvaluationError
from meili.evaluate.params import CagrParams, CompositeParams, StatusParams
from meili.plan import Direction, Measure, Plan, Target, TargetKind, load_regions
from meili.plan.targets import TREND_WORDS

_S, _I, _F, _B = pa.string(), pa.int64(), pa.float64(), pa.bool_()

#: The observations as every query reads them (inputs are cast to these types first).
OBS = pa.schema([("plan", _S), ("region", _S), ("measure", _S), ("year", _I), ("value", _F), ("state", _S)])
#: One row per measure of the plan.
MEASURES = pa.schema([
    ("measure", _S), ("order", _I), ("category", _S), ("indicator_no", _I), ("direction", _S), ("d", _I),
    ("is_state", _B), ("pct", _B), ("county_measure", _B), ("scope_group", _S), ("base_year", _I),
    ("plan_baseline", _F), ("baseline_text", _S), ("tol_rel", _F), ("tol_abs", _F), ("annual_changes", _B),
])
#: One row per (measure, milestone) (region ``*``), plus one per region-specific assignment.
TARGETS = pa.schema([
    ("measure", _S), ("milestone", _I), ("region", _S), ("eval_kind", _S), ("cmp", _S), ("target_value", _F),
    ("low", _F), ("high", _F), ("target_kind", _S), ("target", _S), ("assigned_by", _S), ("document", _S),
])
#: (measure, state) → the number a state reads as, and whether it marks the observation "not applicable".
VOCABULARY = pa.schema([("measure", _S), ("state", _S), ("state_value", _F), ("na", _B)])
#: Every known region and group: whether it is a county, whether it is a group.
REGION_KINDS = pa.schema([("region", _S), ("is_county", _B), ("is_group", _B)])
#: The evaluations of one query: run 0 is the requested year, run 1 (ranking only) the previous year.
RUNS = pa.schema([("run", _I), ("eval_year", _I)])
#: The milestones each run is evaluated against: one row per (run, milestone).
RUN_MILESTONES = pa.schema([("run", _I), ("eval_year", _I), ("milestone", _I)])
#: The regions asked for (when a selection is given).
SELECTED = pa.schema([("region", _S)])
#: Relative weights of the measures and of their categories (ranking).
WEIGHTS = pa.schema([("measure", _S), ("weight", _F), ("category_weight", _F)])
#: The scalars of a call, one row: the plan, and every method parameter the rules read.
ARGS = pa.schema([
    ("plan_id", _S), ("plan_region", _S), ("min_points", _I),
    ("cagr_zero", _F), ("cagr_target_substantial", _F), ("cagr_target_moderate", _F),
    ("cagr_growth_substantial", _F), ("cagr_growth_moderate", _F),
    ("method", _S), ("eff_base", _F), ("eff_span", _F), ("eff_equal", _F), ("eff_missing", _F),
    ("prog_missing", _F), ("prog_achieved", _F), ("prog_on_track", _F), ("prog_lagging", _F),
    ("prog_regressing", _F),
])

#: Every bound table by name.
SCHEMAS: dict[str, pa.Schema] = {
    "obs": OBS, "measures": MEASURES, "targets": TARGETS, "vocabulary": VOCABULARY, "region_kinds": REGION_KINDS,
    "runs": RUNS, "run_milestones": RUN_MILESTONES, "selected": SELECTED, "weights": WEIGHTS, "args": ARGS,
}


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
                raise EvaluationError(Text(
                    f"测度 {m.id}：状态目标 {t.state!r} 在 status.yaml 的 numeric_state_readings 中无数值解读",
                    f"measure {m.id}: the state target {t.state!r} of a numeric measure has no reading in "
                    f"status.yaml numeric_state_readings"))
            row.update(eval_kind="bound", cmp=reading.op, target_value=reading.value)
            row["target"] = f"state {t.state} (read as {reading.op} {reading.value:g})"
    elif t.kind == TargetKind.DELEGATED:
        row.update(eval_kind="pending", target=f"{t.text} (pending / 待下达)")
    return row


def measure_table(plan: Plan, params: StatusParams) -> pa.Table:
    """One row per measure: order, category, direction, baseline (value or state rank), tolerance."""
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
            # observations are each year's change (a cumulative baseline or target, methodology §4.3): no
            # projection or CAGR of them, whatever the kind of this milestone's target (e.g. 按省下达)
            "annual_changes": b.kind == "cumulative" or any(t.kind == TargetKind.CUMULATIVE
                                                            for t in m.targets.values()),
        })
    return pa.Table.from_pylist(rows, schema=MEASURES)


def target_table(plan: Plan, milestones: Sequence[int], assignments: Sequence[Assignment],
                 params: StatusParams) -> pa.Table:
    """One row per (measure, milestone) (region ``*``), plus one per region-specific assignment."""
    assigned = {(a.measure, a.milestone, a.region): a for a in validate_assignments(list(assignments), plan)}
    rows = []
    for m in plan.measures:
        for ms in milestones:
            t = m.targets.get(ms, Target(kind=TargetKind.NONE, text="—"))
            keys = [k for k in assigned if k[0] == m.id and k[1] == ms]
            for key in keys:
                a = assigned[key]
                row = _target_row(m, a.parsed(plan), params)
                row.update(measure=m.id, milestone=ms, region=a.region or "*", document=a.document,
                           assigned_by=a.assigned_by, target=f"{row['target']} ({t.text}: {a.target})")
                rows.append(row)
            if not any(k[2] is None for k in keys):
                rows.append(_target_row(m, t, params) | {"measure": m.id, "milestone": ms, "region": "*",
                                                         "document": None})
    return pa.Table.from_pylist(rows, schema=TARGETS)


def vocabulary_table(plan: Plan, params: StatusParams) -> pa.Table:
    """(measure, state, state_value, na): a state measure's states → position; a numeric measure's states → reading;
    the states of ``not_applicable_states`` (for every measure) → na."""
    na_states = list(dict.fromkeys(params.not_applicable_states))
    rows = []
    for m in plan.measures:
        states = m.vocabulary or []
        for s in states:
            if m.is_state:
                rows.append({"measure": m.id, "state": s, "state_value": _state_rank(m, s), "na": s in na_states})
            elif s in params.numeric_state_readings:
                rows.append({"measure": m.id, "state": s, "state_value": params.numeric_state_readings[s].value,
                             "na": s in na_states})
        known = {r["state"] for r in rows if r["measure"] == m.id}
        rows += [{"measure": m.id, "state": s, "state_value": None, "na": True} for s in na_states if s not in known]
    return pa.Table.from_pylist(rows, schema=VOCABULARY)


@cache
def region_kind_table() -> pa.Table:
    """Every region of ``regions.yaml`` and every group, with ``is_county`` and ``is_group``."""
    regions = load_regions()
    codes = [r.code for r in regions.regions] + [g.id for g in regions.groups]
    return pa.table({"region": codes,
                     "is_county": [r.level == "county" for r in regions.regions] + [False] * len(regions.groups),
                     "is_group": [False] * len(regions.regions) + [True] * len(regions.groups)},
                    schema=REGION_KINDS)


def runs_tables(runs: Sequence[tuple[int, Sequence[int]]]) -> dict[str, pa.Table]:
    """``runs`` (run, eval_year) and ``run_milestones`` (run, eval_year, milestone) from [(year, milestones), …];
    run = the position in the list."""
    rows = [(i, y, ms) for i, (y, mss) in enumerate(runs) for ms in mss]
    return {
        "runs": pa.table({"run": list(range(len(runs))), "eval_year": [y for y, _ in runs]}, schema=RUNS),
        "run_milestones": pa.table({"run": [r[0] for r in rows], "eval_year": [r[1] for r in rows],
                                    "milestone": [r[2] for r in rows]}, schema=RUN_MILESTONES),
    }


def selected_table(regions: Sequence[str]) -> pa.Table:
    return pa.table({"region": [str(r) for r in regions]}, schema=SELECTED)


def weight_table(plan: Plan, params: CompositeParams) -> pa.Table:
    """(measure, weight, category_weight): relative weights from ``composite.yaml``."""
    per_indicator = {ind.no: len(ind.measures) for ind in plan.indicators}
    cat_w = params.category_weights.get(plan.id, {})
    rows = []
    for m in plan.measures:
        w = 1.0 if params.measure_weighting == "measure" else 1.0 / per_indicator[m.no]
        rows.append({"measure": m.id, "weight": float(params.measure_weights.get(m.id, w)),
                     "category_weight": float(cat_w.get(m.category, 1.0))})
    return pa.Table.from_pylist(rows, schema=WEIGHTS)


def args_table(plan: Plan, status: StatusParams, cagr: CagrParams, composite: CompositeParams,
               method: str = "efficacy") -> pa.Table:
    """The call's scalars as one row (see :data:`ARGS`)."""
    e, p = composite.methods.efficacy, composite.methods.progress
    ss = p.status_scores
    row = {
        "plan_id": plan.id, "plan_region": plan.region, "min_points": status.projection_min_points,
        "cagr_zero": cagr.zero_replacement,
        "cagr_target_substantial": cagr.target_thresholds.substantial,
        "cagr_target_moderate": cagr.target_thresholds.moderate,
        "cagr_growth_substantial": cagr.growth_thresholds.substantial,
        "cagr_growth_moderate": cagr.growth_thresholds.moderate,
        "method": method, "eff_base": e.base, "eff_span": e.span, "eff_equal": e.equal_values_score,
        "eff_missing": e.missing_score, "prog_missing": p.missing_score, "prog_achieved": ss["achieved"],
        "prog_on_track": ss["on_track"], "prog_lagging": ss["lagging"], "prog_regressing": ss["regressing"],
    }
    return pa.Table.from_pylist([row], schema=ARGS)
