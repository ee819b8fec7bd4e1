"""Benchmark of the evaluation engine; figures and goals: docs/benchmarks.md ("Evaluation").

Run from the repository root::

    PYTHONPATH=src python benchmarks/evaluate.py                   # this tree
    PYTHONPATH=src python benchmarks/evaluate.py --old 5d1636c     # and the old implementation, side by side
    PYTHONPATH=src python benchmarks/evaluate.py --old 5d1636c --floor --large-only

Measured, for each implementation in a fresh process of its own:

- the bundled example (plan ganzhou, observations ``examples/ganzhou/observations_2020_2024.csv`` read with
  ``meili.ingest.observations.check_files``): ``evaluate`` of 2024 and ``rank`` of 2024 — the first call in the
  process, the second ("warm"), and the median of ``--repeat`` more, taken in turn with the floor's;
- the command ``meili evaluate --plan ganzhou --year 2024 --observations …`` as a new process ("cold"; best and
  median of ``--cli-runs``), with its output discarded; and the same with ``--format csv`` (no table drawn);
- the large case: Ganzhou's 56 measures plus 4 synthetic ones (bound, range, trend, strict bound), so that every
  target kind is exercised, × ``--regions`` regions × ``--years`` years of random, seeded values: ``evaluate`` of
  every milestone (first call and again) and ``rank`` of the first 200 regions.

``--old REV`` extracts ``src`` of that revision with ``git archive`` into a temporary folder and runs the same
measurements there (``PYTHONPATH`` pointing to it), so that one command prints both. ``--floor`` adds the
evaluation of the example computed by hand-written SQL over the same tables (``FLOOR_SQL``), in the same process
as the new engine: what any implementation on DuckDB pays at least.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import yaml

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "ganzhou" / "observations_2020_2024.csv"
CLI = ["evaluate", "--plan", "ganzhou", "--year", "2024", "--observations", str(EXAMPLE)]

EXTRA = {
    "number": 39, "category": "reform", "name": "基准测试", "name_en": "Benchmark", "unit": "%",
    "measures": [
        {"id": "39.1", "direction": "higher", "county": True, "baseline": "50", "targets": {2025: "≥60", 2035: "≥70"}},
        {"id": "39.2", "direction": "lower", "county": True, "baseline": "20", "targets": {2025: "10~15", 2035: "≤8"}},
        {"id": "39.3", "direction": "higher", "county": True, "baseline": "5", "targets": {2025: "持续提升",
                                                                                        2035: "保持稳定"}},
        {"id": "39.4", "direction": "lower", "county": True, "baseline": "3", "targets": {2025: "<2", 2035: "<1"}},
    ],
}


def benchmark_plan():
    from meili.plan import Plan
    from meili.plan.loader import builtin_plans

    raw = yaml.safe_load(builtin_plans()["ganzhou"].read_text(encoding="utf-8"))
    raw["id"] = "bench"
    raw.pop("parent", None)
    raw["indicators"].append(EXTRA)
    return Plan.model_validate(raw)


def observations(plan, n_regions: int, n_years: int, seed: int = 7) -> pa.Table:
    rng = np.random.default_rng(seed)
    measures = plan.measures
    n_m = len(measures)
    years = np.arange(2020 - (n_years - 4), 2020 - (n_years - 4) + n_years)  # 16 years: 2008–2023
    regions = np.array([f"R{i:05d}" for i in range(n_regions)])
    rr, mm, yy = np.meshgrid(np.arange(n_regions), np.arange(n_m), years, indexing="ij")
    rr, mm, yy = rr.ravel(), mm.ravel(), yy.ravel()
    base = np.array([m.baseline.value if m.baseline.value is not None else 50.0 for m in measures])
    value = base[mm] * (1 + 0.02 * (yy - 2020)) * rng.normal(1.0, 0.05, rr.size)
    is_state = np.array([m.is_state for m in measures])
    vocab = [m.vocabulary or [] for m in measures]
    state = np.full(rr.size, None, dtype=object)
    smask = is_state[mm]
    for i in range(n_m):  # assigning one column per measure (60 vectorised steps), not per row
        if is_state[i]:
            sel = smask & (mm == i)
            state[sel] = np.array(vocab[i], dtype=object)[rng.integers(0, len(vocab[i]), sel.sum())]
    value = np.where(smask, np.nan, value)
    return pa.table({
        "plan": pa.array(np.full(rr.size, plan.id)), "region": pa.array(regions[rr]),
        "measure": pa.array(np.array([m.id for m in measures])[mm]), "year": pa.array(yy.astype("int64")),
        "value": pa.array(value, from_pandas=True), "state": pa.array(state, pa.string()),
    })


# --- the floor: the example's evaluation in hand-written SQL --------------------------------------------------------

#: The evaluation of one year against one milestone, written by hand over the engine's tables (``obs`` and the
#: plan's ``measures``, ``targets``, ``vocabulary``, ``region_kinds``, ``runs``, ``run_milestones``, ``args``): every rule of
#: docs/methodology.md, as few steps and columns as SQL allows. Compared with Meili's result before it is timed.
FLOOR_CORE = """
WITH a AS (SELECT * FROM args),
o0 AS (SELECT o.* FROM obs o, a WHERE o.plan IS NULL OR o.plan = a.plan_id),
o1 AS (
  SELECT region, measure, year, value, state FROM o0
  UNION ALL
  SELECT a.plan_region, o.measure, o.year, o.value, o.state
  FROM o0 o JOIN measures m ON m.measure = o.measure AND m.scope_group = o.region, a
  WHERE NOT EXISTS (SELECT 1 FROM o0 p WHERE p.region = a.plan_region AND p.measure = o.measure AND p.year = o.year)
),
o2 AS (
  SELECT r.run, o.region, o.measure, o.year, coalesce(o.value, v.state_value) AS v, coalesce(v.na, false) AS na,
         m.base_year
  FROM o1 o JOIN measures m USING (measure) JOIN runs r ON o.year <= r.eval_year
  LEFT JOIN vocabulary v ON v.measure = o.measure AND v.state = o.state
  /*selected: WHERE o.region IN (SELECT region FROM selected)*/
),
o3 AS (
  SELECT o2.*, l.t_last FROM o2
  JOIN (SELECT run, region, measure, max(year) FILTER (WHERE v IS NOT NULL) AS t_last FROM o2 GROUP BY ALL) l
    USING (run, region, measure)
),
s AS (
  SELECT run, region, measure, bool_or(na) AS na_any,
    max(v) FILTER (WHERE v IS NOT NULL AND year = base_year) AS x0_obs,
    max(v) FILTER (WHERE v IS NOT NULL AND year = t_last) AS x_last, max(t_last) AS t_last,
    arg_max(v, year) FILTER (WHERE v IS NOT NULL AND year < t_last) AS x_prev,
    max(year) FILTER (WHERE v IS NOT NULL AND year < t_last) AS t_prev,
    arg_min(v, year) FILTER (WHERE v IS NOT NULL) AS x_first, min(year) FILTER (WHERE v IS NOT NULL) AS t_first,
    count(*) FILTER (WHERE v IS NOT NULL AND year >= base_year) AS n,
    sum((year - base_year)::DOUBLE) FILTER (WHERE v IS NOT NULL AND year >= base_year) AS su,
    sum(v) FILTER (WHERE v IS NOT NULL AND year >= base_year) AS sv,
    sum((year - base_year)::DOUBLE * (year - base_year)::DOUBLE) FILTER (WHERE v IS NOT NULL AND year >= base_year) AS suu,
    sum((year - base_year)::DOUBLE * v) FILTER (WHERE v IS NOT NULL AND year >= base_year) AS suv,
    count(*) FILTER (WHERE v IS NOT NULL AND year > base_year) AS cum_n,
    sum(v) FILTER (WHERE v IS NOT NULL AND year > base_year) AS cum_sum,
    sum(ln(1 - v / 100)) FILTER (WHERE v IS NOT NULL AND year > base_year AND v < 100) AS cum_log
  FROM o3 GROUP BY run, region, measure
),
g AS (
  SELECT rg.region, m.*, r.run, r.eval_year, r.milestone, coalesce(k.is_county, false) AS is_county,
    coalesce(k.is_group, false) AS is_group, s.* EXCLUDE (run, region, measure),
    CASE WHEN tr.eval_kind IS NULL THEN t.eval_kind ELSE tr.eval_kind END AS kind,
    CASE WHEN tr.eval_kind IS NULL THEN t.cmp ELSE tr.cmp END AS cmp,
    CASE WHEN tr.eval_kind IS NULL THEN t.target_value ELSE tr.target_value END AS tv,
    CASE WHEN tr.eval_kind IS NULL THEN t.low ELSE tr.low END AS low,
    CASE WHEN tr.eval_kind IS NULL THEN t.high ELSE tr.high END AS high,
    CASE WHEN tr.eval_kind IS NULL THEN t.target_kind ELSE tr.target_kind END AS target_kind,
    CASE WHEN tr.eval_kind IS NULL THEN t.target ELSE tr.target END AS target,
    CASE WHEN tr.eval_kind IS NULL THEN t.assigned_by ELSE tr.assigned_by END AS assigned_by,
    CASE WHEN tr.eval_kind IS NULL THEN t.document ELSE tr.document END AS document,
    coalesce(s.x0_obs, m.plan_baseline, s.x_first) AS x0,
    CASE WHEN s.x0_obs IS NOT NULL OR m.plan_baseline IS NOT NULL THEN m.base_year ELSE s.t_first END AS t0
  FROM /*regions*/(SELECT DISTINCT region FROM o1) rg CROSS JOIN measures m CROSS JOIN run_milestones r
  LEFT JOIN region_kinds k ON k.region = rg.region
  LEFT JOIN s ON s.run = r.run AND s.region = rg.region AND s.measure = m.measure
  LEFT JOIN targets t ON t.region = '*' AND t.measure = m.measure AND t.milestone = r.milestone
  LEFT JOIN targets tr ON tr.region = rg.region AND tr.measure = m.measure AND tr.milestone = r.milestone
),
h AS (
  SELECT *, kind = 'cumulative' AS cum, kind IN ('bound', 'range', 'cumulative') AS numeric,
    CASE WHEN kind = 'cumulative' THEN (CASE WHEN coalesce(cum_n, 0) = 0 THEN NULL WHEN pct
         THEN (1 - exp(cum_log)) * 100 ELSE cum_sum END)
         WHEN t_last > t0 THEN x_last END AS x,
    CASE WHEN t_last > t0 THEN t_last END AS t,
    CASE WHEN kind = 'cumulative' THEN 0.0 ELSE x0 END AS x0e,
    CASE WHEN t_prev >= t0 THEN x_prev ELSE x0 END AS xp, CASE WHEN t_prev >= t0 THEN t_prev ELSE t0 END AS tp,
    greatest(tol_rel * abs(x0), tol_abs) AS tol
  FROM g
),
i AS (
  SELECT *, CASE WHEN kind = 'range' THEN (CASE WHEN x0e < low THEN low WHEN x0e > high THEN high END) ELSE tv END AS te,
    CASE WHEN x IS NULL THEN false WHEN kind = 'range' THEN (x >= low AND x <= high) OR (d > 0 AND x > high) OR (d < 0 AND x < low)
         WHEN cmp = '>=' THEN x >= tv WHEN cmp = '>' THEN x > tv WHEN cmp = '<=' THEN x <= tv WHEN cmp = '<' THEN x < tv
         ELSE false END AS met_now,
    CASE WHEN x0e IS NULL THEN false WHEN kind = 'range' THEN (x0e >= low AND x0e <= high) OR (d > 0 AND x0e > high) OR (d < 0 AND x0e < low)
         WHEN cmp = '>=' THEN x0e >= tv WHEN cmp = '>' THEN x0e > tv WHEN cmp = '<=' THEN x0e <= tv WHEN cmp = '<' THEN x0e < tv
         ELSE false END AS met_base,
    d * (x - x0) AS dbase, d * (x - xp) AS dprev,
    CASE WHEN t IS NULL THEN NULL WHEN milestone - t0 > 0 THEN least((t - t0) / (milestone - t0), 1.0) ELSE 1.0 END AS e,
    coalesce(n, 0) + CASE WHEN x0_obs IS NULL AND plan_baseline IS NOT NULL THEN 1 ELSE 0 END AS np,
    coalesce(sv, 0) + CASE WHEN x0_obs IS NULL AND plan_baseline IS NOT NULL THEN x0 ELSE 0 END AS svp
  FROM h
),
j AS (
  SELECT *, CASE WHEN numeric AND NOT met_base AND te <> x0e THEN (x - x0e) / (te - x0e) END AS p,
    np * coalesce(suu, 0) - coalesce(su, 0) * coalesce(su, 0) AS den,
    CASE WHEN x0 = 0 THEN a.cagr_zero ELSE x0 END AS v0
  FROM i, (SELECT cagr_zero FROM args) a
),
k AS (
  SELECT *,
    CASE WHEN kind = 'none' THEN 0 WHEN coalesce(na_any, false) THEN 1 WHEN is_county AND NOT county_measure THEN 2
      WHEN is_group AND scope_group <> region AND t_last IS NULL AND x0_obs IS NULL THEN 3 WHEN kind = 'pending' THEN 4
      WHEN x IS NULL AND x0 IS NOT NULL AND NOT cum THEN 5 WHEN x IS NULL THEN 6
      WHEN numeric AND met_now AND kind = 'range' AND (x > high OR x < low) THEN 7 WHEN numeric AND met_now THEN 8
      WHEN numeric AND met_base THEN 9 WHEN numeric AND p IS NULL AND d * (x - x0e) < 0 THEN 10
      WHEN numeric AND p IS NULL THEN 11 WHEN numeric AND p >= e THEN 12 WHEN numeric AND p > 0 THEN 13
      WHEN numeric THEN 14
      WHEN kind = 'trend_improve' AND dbase > tol AND dprev >= -tol THEN 15
      WHEN kind = 'trend_improve' AND dbase > tol THEN 16
      WHEN kind = 'trend_improve' AND dbase >= -tol AND dprev > tol THEN 17
      WHEN kind = 'trend_improve' AND dbase >= -tol THEN 18 WHEN kind = 'trend_improve' THEN 19
      WHEN kind = 'trend_hold' AND dbase >= -tol AND dprev >= -tol THEN 20
      WHEN kind = 'trend_hold' AND dbase >= -tol THEN 21 WHEN kind = 'trend_hold' THEN 22 ELSE 23 END AS rk,
    CASE WHEN np >= a.min_points AND den <> 0 AND NOT cum AND NOT is_state
         THEN (svp - (np * coalesce(suv, 0) - coalesce(su, 0) * svp) / den * coalesce(su, 0)) / np
              + (np * coalesce(suv, 0) - coalesce(su, 0) * svp) / den * (milestone - base_year) END AS proj,
    np >= a.min_points AND den <> 0 AND NOT cum AND NOT is_state AS can_project, a.min_points,
    x0 IS NOT NULL AND t IS NOT NULL AND x_last IS NOT NULL AND NOT is_state AND NOT (v0 > 0 AND x_last < 0)
      AND NOT (v0 < 0 AND x_last > 0) AS usable,
    kind IN ('bound', 'range') AND te IS NOT NULL AS with_target,
    kind IN ('trend_improve', 'trend_hold', 'pending') AS growth,
    CASE WHEN v0 < 0 THEN -1.0 ELSE 1.0 END * d * CASE WHEN t - t0 > 0 THEN (x_last / v0) ^ (1.0 / (t - t0)) - 1 END AS obs_c,
    CASE WHEN milestone - t0 > 0 THEN ((CASE WHEN te = 0 THEN cagr_zero ELSE te END) / v0) ^ (1.0 / (milestone - t0)) - 1 END AS req_c,
    a.cagr_target_substantial, a.cagr_target_moderate, a.cagr_growth_substantial, a.cagr_growth_moderate
  FROM j, (SELECT min_points, cagr_target_substantial, cagr_target_moderate, cagr_growth_substantial,
                  cagr_growth_moderate FROM args) a
),
l AS (
  SELECT *, ['not_applicable', 'not_applicable', 'not_applicable', 'not_applicable', 'target_pending', 'no_data',
    'no_data', 'achieved', 'achieved', 'regressing', 'regressing', 'lagging', 'on_track', 'lagging', 'regressing',
    'achieved', 'lagging', 'on_track', 'lagging', 'regressing', 'achieved', 'lagging', 'regressing', 'no_data'][rk + 1] AS status,
    CASE WHEN NOT usable THEN NULL WHEN with_target AND req_c <> 0 THEN obs_c / abs(req_c) WHEN growth THEN obs_c END AS ratio,
    CASE WHEN NOT usable THEN NULL WHEN with_target THEN 'target' WHEN growth THEN 'growth' END AS cmethod
  FROM k
)
"""

FLOOR_SQL = FLOOR_CORE + """SELECT a.plan_id AS plan, region, measure, category, eval_year AS year, milestone, status,
  ['no target for this milestone', 'marked not applicable in the observations', 'no county value for this measure',
   'not a measure of this region group', 'delegated target not yet assigned',
   'only a baseline: no observation after the base year', 'no observation', 'x beyond the range on the better side',
   'x meets the target', 'met at baseline, no longer', 'p undefined (x* = x0); x moved away',
   'p undefined (x* = x0); no gain', 'p ≥ e', '0 < p < e', 'p ≤ 0', 'improved since baseline, not worse than previous',
   'improved since baseline, fell since previous', 'no change since baseline, improving since previous',
   'no change since baseline (within tolerance)', 'worse than baseline', 'held: not worse than baseline nor previous',
   'held vs baseline, fell since previous', 'worse than baseline', ''][rk + 1] AS rule,
  target_kind, target, te AS target_value, x0e AS baseline, t0 AS baseline_year,
  CASE WHEN cum THEN 'cumulative: 0 at the base year' WHEN x0_obs IS NOT NULL THEN 'region'
       WHEN plan_baseline IS NOT NULL THEN 'plan' WHEN x_first IS NOT NULL THEN 'first_observation' END AS baseline_source,
  x AS value, t AS value_year, CASE WHEN kind LIKE 'trend%' THEN xp END AS previous_value,
  CASE WHEN kind LIKE 'trend%' THEN tp END AS previous_year, p AS progress, CASE WHEN numeric THEN e END AS expected_progress,
  CASE WHEN NOT numeric OR is_state OR x IS NULL OR status = 'not_applicable' THEN NULL WHEN met_now THEN 0.0
       WHEN milestone - t > 0 THEN (te - x) / (milestone - t) END AS required_annual_change,
  proj AS projection, CASE WHEN x0 IS NOT NULL THEN np END AS projection_points,
  CASE WHEN numeric AND proj IS NOT NULL THEN
    CASE WHEN kind = 'range' THEN (proj >= low AND proj <= high) OR (d > 0 AND proj > high) OR (d < 0 AND proj < low)
         WHEN cmp = '>=' THEN proj >= tv WHEN cmp = '>' THEN proj > tv WHEN cmp = '<=' THEN proj <= tv
         WHEN cmp = '<' THEN proj < tv ELSE false END END AS projection_meets_target,
  CASE WHEN kind LIKE 'trend%' THEN tol END AS tolerance, cmethod AS cagr_method, ratio AS cagr_ratio,
  CASE WHEN with_target AND usable AND met_now THEN 'achieved' WHEN ratio IS NULL THEN 'not_available'
       WHEN ratio >= CASE WHEN cmethod = 'target' THEN cagr_target_substantial ELSE cagr_growth_substantial END THEN 'substantial'
       WHEN ratio >= CASE WHEN cmethod = 'target' THEN cagr_target_moderate ELSE cagr_growth_moderate END THEN 'moderate'
       WHEN ratio >= 0 THEN 'limited' ELSE 'deterioration' END AS cagr_status,
  assigned_by, document,
  CASE WHEN cum AND x IS NOT NULL THEN CASE WHEN pct THEN 'value: cumulative change since the base year, compounded'
       ELSE 'value: cumulative change since the base year, summed' END
       WHEN is_state THEN 'a state measure: values are positions in its vocabulary (worst = 0)'
       WHEN x IS NOT NULL AND NOT can_project THEN 'projection: too few points (< ' || min_points || ')' END AS note,
  "order"
FROM l, (SELECT plan_id FROM args) a
WHERE run = 0
"""

RANK_FINAL = """,
w AS (
  SELECT l.*, wt.weight, wt.category_weight, a.*,
    NOT (coalesce(na_any, false) OR (is_county AND NOT county_measure)) AS app_e,
    status NOT IN ('not_applicable', 'target_pending') AS app_p
  FROM l JOIN weights wt USING (measure),
    (SELECT method, eff_base, eff_span, eff_equal, eff_missing, prog_missing, prog_on_track, prog_lagging,
            prog_regressing FROM args) a
),
ext AS (SELECT run, measure, min(x_last) FILTER (WHERE app_e AND x_last IS NOT NULL) AS mn,
               max(x_last) FILTER (WHERE app_e AND x_last IS NOT NULL) AS mx FROM w GROUP BY run, measure),
sc AS (
  SELECT run, region, measure, category, weight, category_weight,
    CASE WHEN method = 'efficacy' THEN x_last ELSE x END AS value,
    CASE WHEN method = 'efficacy' THEN app_e ELSE app_p END AS app,
    CASE WHEN method = 'efficacy' THEN
      CASE WHEN NOT app_e THEN NULL WHEN x_last IS NULL THEN eff_missing WHEN mx = mn THEN eff_equal
           ELSE eff_base + eff_span * CASE WHEN d > 0 THEN (x_last - mn) / (mx - mn) ELSE (mx - x_last) / (mx - mn) END END
    ELSE
      CASE WHEN NOT app_p THEN NULL WHEN status = 'no_data' THEN prog_missing WHEN status = 'achieved' THEN 100.0
           WHEN numeric THEN 100.0 * greatest(least(coalesce(p, 0.0), 1.0), 0.0)
           WHEN status = 'on_track' THEN prog_on_track WHEN status = 'lagging' THEN prog_lagging
           WHEN status = 'regressing' THEN prog_regressing ELSE prog_missing END
    END AS score
  FROM w JOIN ext USING (run, measure)
),
ob AS (SELECT count(*) FILTER (WHERE run = 1 AND value IS NOT NULL) > 0 AS observed_before FROM sc),
sa AS (SELECT * FROM sc WHERE app),
lo AS (SELECT DISTINCT run, measure AS left_out FROM sa WHERE run = 0 UNION ALL SELECT run, '' FROM runs),
x AS (SELECT sa.*, lo.left_out FROM sa JOIN lo USING (run) WHERE sa.measure <> lo.left_out),
cat AS (SELECT run, left_out, region, category, sum(score * weight) / sum(weight) AS idx,
               max(category_weight) AS cw, count(measure) AS measures, count(*) FILTER (WHERE value IS NULL) AS missing
        FROM x GROUP BY run, left_out, region, category),
tot AS (SELECT run, left_out, region, sum(idx * cw) / sum(cw) AS score, sum(measures) AS measures,
               sum(missing) AS missing FROM cat GROUP BY run, left_out, region),
rk AS (SELECT *, rank() OVER (PARTITION BY run, left_out ORDER BY round(score, 6) DESC) AS rank FROM tot),
base AS (SELECT * FROM rk WHERE run = 0 AND left_out = ''),
stab AS (SELECT l.region, count(*) FILTER (WHERE l.rank <> b.rank) AS loo_changes, count(*) AS loo_measures,
                max(abs(l.rank - b.rank)) AS loo_max_shift
         FROM rk l JOIN base b USING (region) WHERE l.run = 0 AND l.left_out <> '' GROUP BY l.region),
prev AS (SELECT region, rank AS previous_rank FROM rk WHERE run = 1 AND left_out = '')
SELECT b.region, NULL::VARCHAR AS category, b.score, b.rank,
  CASE WHEN ob.observed_before THEN p.previous_rank END AS previous_rank, b.measures, b.missing, s.loo_changes,
  s.loo_measures, s.loo_max_shift
FROM base b LEFT JOIN stab s USING (region) LEFT JOIN prev p USING (region), ob
UNION ALL
SELECT region, category, idx, NULL, NULL, NULL, NULL, NULL, NULL, NULL FROM cat WHERE run = 0 AND left_out = ''
"""
FLOOR_RANK_SQL = (FLOOR_CORE.replace("/*selected: ", "").replace("selected)*/", "selected)")
                  .replace("/*regions*/(SELECT DISTINCT region FROM o1)", "selected") + RANK_FINAL)



# --- measurements -----------------------------------------------------------------------------------------------


def _timed(f):
    t = time.perf_counter()
    out = f()
    return out, time.perf_counter() - t


def _calls(fs: dict, more: int) -> dict:
    """For each function: the first call, the second ("warm"), then ``more`` calls of all the functions in turn (so
    that a busy moment of the machine falls on all of them alike): their median and best."""
    out = {}
    for name, f in fs.items():
        out[name] = {"first": _timed(f)[1], "warm": _timed(f)[1]}
    rest: dict = {name: [] for name in fs}
    for _ in range(more):
        for name, f in fs.items():
            rest[name].append(_timed(f)[1])
    for name, ts in rest.items():
        out[name].update(median=statistics.median(ts), best=min(ts))
    return out


def worker(args) -> dict:
    """Every measurement of one implementation, in this process (the one ``meili`` on ``sys.path``)."""
    import duckdb

    import meili
    from meili.evaluate import evaluate, rank
    from meili.ingest.observations import check_files
    from meili.plan import load_plan

    out: dict = {"meili": str(Path(meili.__file__).parent)}
    if not args.large_only:
        plan = load_plan("ganzhou")
        obs, _, _ = check_files([EXAMPLE], plans={"ganzhou": plan})
        out["example_rows"] = obs.num_rows
        fs = {"evaluate": lambda: evaluate(plan, obs, 2024), "rank": lambda: rank(plan, obs, 2024)}
        if args.floor:
            fs.update(floor(plan, obs, evaluate(plan, obs, 2024), rank(plan, obs, 2024), out))
        out.update(_calls(fs, args.repeat))
        out["evaluate_rows"] = evaluate(plan, obs, 2024).num_rows
    if not args.no_large:
        plan = benchmark_plan()
        obs = observations(plan, args.regions, args.years)
        out["large_rows"] = obs.num_rows
        try:  # the old engine ran on Ibis's default DuckDB connection
            import ibis

            ibis.get_backend().raw_sql("SET enable_progress_bar = false")
        except Exception:
            pass
        res, first = _timed(lambda: evaluate(plan, obs, 2023, milestone="all"))
        _, again = _timed(lambda: evaluate(plan, obs, 2023, milestone="all"))
        out["large_evaluate"] = {"first": first, "again": again, "rows": res.num_rows}
        regions = [f"R{i:05d}" for i in range(min(200, args.regions))]
        res, t = _timed(lambda: rank(plan, obs, 2023, regions=regions))
        out["large_rank"] = {"first": t, "rows": res.num_rows}
    out["duckdb"] = duckdb.__version__
    return out


def _same(a: pa.Table, b: pa.Table) -> str:
    """"identical", "equal up to float rounding (n values)" or "different: …"."""
    if a.equals(b):
        return "identical"
    if a.schema != b.schema or a.num_rows != b.num_rows:
        return f"different: {a.schema} / {b.schema}"
    close = 0
    for name in a.column_names:
        x, y = a.column(name).to_pylist(), b.column(name).to_pylist()
        for u, v in zip(x, y, strict=True):
            if u == v:
                continue
            if isinstance(u, float) and isinstance(v, float) and abs(u - v) <= 1e-9 * max(abs(u), abs(v), 1.0):
                close += 1
                continue
            return f"different: column {name}: {u!r} / {v!r}"
    return f"equal up to float rounding ({close} values)"


def floor(plan, obs, evaluated: pa.Table, ranked: pa.Table, out: dict) -> dict:
    """The example's evaluation and ranking by ``FLOOR_SQL`` and ``FLOOR_RANK_SQL`` on a DuckDB cursor with the same
    tables the engine binds (built and bound at each call, as the engine does), as functions to time; each checked
    against Meili's result first (``out["floor_*_result"]``). The ranking's long result is given its final shape by
    Meili's own ``_assemble`` (pyarrow, cheap), so that the two compare whole."""
    from meili.evaluate import engine
    from meili.evaluate.composite import _assemble, _tables
    from meili.evaluate.params import cagr_params, composite_params, status_params
    from meili.evaluate.status import _milestones, evaluation_tables

    def query(sql: str, data: dict) -> pa.Table:
        return engine.execute(sql, {n: t for n, t in data.items() if f" {n}" in sql}, small=True)

    def evaluate() -> pa.Table:
        o, _ = engine.observations(obs, plan.id)
        ms = _milestones(plan, 2024, None)
        data = {"obs": o, **evaluation_tables(plan, [(2024, ms)], None, (), status_params(), cagr_params(), ms)}
        res = query(FLOOR_SQL, data)
        res = res.sort_by([("region", "ascending"), ("order", "ascending"), ("milestone", "ascending")])
        return res.drop_columns(["order"]).cast(evaluated.schema)

    def rank() -> pa.Table:
        o, has_plan = engine.observations(obs, plan.id)
        params = composite_params()
        data = _tables(plan, o, has_plan, [2024, 2023], "efficacy", None, (), params, None)
        long = query(FLOOR_RANK_SQL, data)
        return _assemble(plan, long.cast(engine.query("rank", tie_decimals=6).schema), params)

    out["floor_evaluate_result"] = _same(evaluate(), evaluated)
    out["floor_rank_result"] = _same(rank(), ranked)
    return {"floor_evaluate": evaluate, "floor_rank": rank}


def cli(pythonpath: str | None, runs: int, extra: tuple[str, ...] = ()) -> dict:
    """``meili evaluate …`` as new processes (output discarded): best and median wall time, or the error."""
    env = dict(os.environ)
    if pythonpath:
        env["PYTHONPATH"] = pythonpath
    code = "import sys; from meili.cli import main; sys.argv = ['meili', *sys.argv[1:]]; main()"
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        p = subprocess.run([sys.executable, "-c", code, *CLI, *extra], env=env, cwd=ROOT, capture_output=True,
                           text=True)
        times.append(time.perf_counter() - t)
        if p.returncode != 0:
            return {"error": (p.stderr or p.stdout).strip().splitlines()[-1:]}
    return {"best": min(times), "median": statistics.median(times)}


def run_worker(pythonpath: str, args) -> dict:
    cmd = [sys.executable, __file__, "--worker", "--regions", str(args.regions), "--years", str(args.years),
           "--repeat", str(args.repeat)]
    cmd += [f for f, on in (("--floor", args.floor), ("--large-only", args.large_only),
                            ("--no-large", args.no_large)) if on]
    env = dict(os.environ, PYTHONPATH=pythonpath)
    p = subprocess.run(cmd, env=env, cwd=ROOT, capture_output=True, text=True)
    if p.returncode != 0:
        raise SystemExit(f"worker failed ({pythonpath}):\n{p.stderr}")
    return json.loads(p.stdout.strip().splitlines()[-1])


def _ms(x: float | None) -> str:
    return "—" if x is None else (f"{x * 1000:,.0f} ms" if x < 10 else f"{x:.1f} s")


def report(results: dict[str, dict], args) -> None:
    names = list(results)
    print(f"machine: {platform.machine()}, {os.cpu_count()} CPUs, {platform.platform()}, Python "
          f"{platform.python_version()}, DuckDB {results[names[-1]].get('duckdb')}; load average before/after: "
          f"{args.load_before} / {os.getloadavg()}")
    for n in names:
        print(f"{n}: {results[n]['meili']}")
    rows = []

    def row(label, key, sub, goal=""):
        vals = [results[n].get(key, {}).get(sub) if isinstance(results[n].get(key), dict) else None for n in names]
        if any(v is not None for v in vals):
            rows.append((label, *[_ms(v) for v in vals], goal))

    if not args.large_only:
        row("evaluate, example 2024: first call", "evaluate", "first")
        row("evaluate, example 2024: warm (second call)", "evaluate", "warm", "≤ 50 ms")
        row(f"evaluate, example 2024: median of {args.repeat} more", "evaluate", "median")
        row("rank, example 2024: first call", "rank", "first")
        row("rank, example 2024: warm (second call)", "rank", "warm", "≤ 100 ms")
        row(f"rank, example 2024: median of {args.repeat} more", "rank", "median")
        row("floor: evaluate by hand-written SQL, warm", "floor_evaluate", "warm")
        row(f"floor: evaluate by hand-written SQL, median of {args.repeat} more", "floor_evaluate", "median")
        row("floor: rank by hand-written SQL, warm", "floor_rank", "warm")
        row(f"floor: rank by hand-written SQL, median of {args.repeat} more", "floor_rank", "median")
        row(f"`meili {' '.join(CLI[:5])} --observations …`, cold: best of {args.cli_runs}", "cli", "best", "≤ 1.5 s")
        row(f"… median of {args.cli_runs}", "cli", "median")
        row(f"the same with `--format csv` (no table drawn): best of {args.cli_runs}", "cli_csv", "best")
        row(f"… median of {args.cli_runs}", "cli_csv", "median")
    if not args.no_large:
        row(f"evaluate, large ({args.regions:,} × 60 × {args.years}), all milestones: first", "large_evaluate",
            "first", "≤ 4.2 s")
        row("evaluate, large: again", "large_evaluate", "again")
        row("rank, large: 200 regions", "large_rank", "first")
    width = max(len(r[0]) for r in rows)
    print(f"\n| {'figure':{width}} | " + " | ".join(names) + " | goal |")
    print(f"|{'-' * (width + 2)}|" + "|".join("---" for _ in names) + "|---|")
    for r in rows:
        print(f"| {r[0]:{width}} | " + " | ".join(r[1:-1]) + f" | {r[-1]} |")
    for n in names:
        for k in ("floor_evaluate", "floor_rank"):
            if k in results[n]:
                r = results[n]
                print(f"{n}: {k} result vs Meili's: {r[k + '_result']}; Meili / floor, median: "
                      f"{r[k.removeprefix('floor_')]['median'] / r[k]['median']:.2f}")
        for k in ("cli", "cli_csv"):
            if k in results[n] and "error" in results[n][k]:
                print(f"{n}: CLI ({k}) failed: {results[n][k]['error']}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--regions", type=int, default=2850)
    ap.add_argument("--years", type=int, default=16)
    ap.add_argument("--old", metavar="REV", help="also measure src of this revision (git archive), e.g. 5d1636c")
    ap.add_argument("--floor", action="store_true", help="time the hand-written SQL floor (new engine only)")
    ap.add_argument("--cli-runs", type=int, default=3)
    ap.add_argument("--repeat", type=int, default=9, help="calls after the second, in turn (example)")
    ap.add_argument("--large-only", action="store_true")
    ap.add_argument("--no-large", action="store_true")
    ap.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        print(json.dumps(worker(args)))
        return
    args.load_before = os.getloadavg()
    results: dict[str, dict] = {}
    with tempfile.TemporaryDirectory() as tmp:
        paths = {}
        if args.old:
            archive = subprocess.run(["git", "archive", args.old, "src"], cwd=ROOT, capture_output=True, check=True)
            subprocess.run(["tar", "-x", "-C", tmp], input=archive.stdout, check=True)
            paths[f"old ({args.old})"] = str(Path(tmp) / "src")
        paths["new (this tree)"] = str(ROOT / "src")
        for name, path in paths.items():
            floor_wanted = args.floor
            args.floor = floor_wanted and name.startswith("new")
            results[name] = run_worker(path, args)
            args.floor = floor_wanted
            if not args.large_only:
                results[name]["cli"] = cli(path, args.cli_runs)
                results[name]["cli_csv"] = cli(path, args.cli_runs, ("--format", "csv"))
    report(results, args)


if __name__ == "__main__":
    main()
