"""Benchmark of the evaluation engine: 2,850 regions × 60 measures × 16 years (goal: < 10 s).

Run: ``PYTHONPATH=src python benchmarks/evaluate.py [--regions 2850] [--years 16] [--rank]``.
The plan is Ganzhou's 56 measures plus 4 synthetic ones (bound, range, trend, state-free), so every target kind
is exercised; values are random but reproducible (seed 7). Prints the wall-clock time of ``evaluate`` (all
milestones) and, with ``--rank``, of ``rank`` on the first 200 regions.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pyarrow as pa
import yaml

from meili.evaluate import evaluate
from meili.evaluate.composite import rank
from meili.plan import Plan
from meili.plan.loader import builtin_plans

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


def benchmark_plan() -> Plan:
    raw = yaml.safe_load(builtin_plans()["ganzhou"].read_text(encoding="utf-8"))
    raw["id"] = "bench"
    raw.pop("parent", None)
    raw["indicators"].append(EXTRA)
    return Plan.model_validate(raw)


def observations(plan: Plan, n_regions: int, n_years: int, seed: int = 7) -> pa.Table:
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


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--regions", type=int, default=2850)
    ap.add_argument("--years", type=int, default=16)
    ap.add_argument("--rank", action="store_true")
    a = ap.parse_args()
    plan = benchmark_plan()
    obs = observations(plan, a.regions, a.years)
    print(f"observations: {obs.num_rows:,} rows ({a.regions:,} regions × {len(plan.measures)} measures × "
          f"{a.years} years)")
    import ibis

    ibis.get_backend().raw_sql("SET enable_progress_bar = false")
    t = time.perf_counter()
    out = evaluate(plan, obs, 2023, milestone="all")
    dt = time.perf_counter() - t
    t = time.perf_counter()
    evaluate(plan, obs, 2023, milestone="all")
    warm = time.perf_counter() - t
    counts = dict(zip(*np.unique(out.column("status").to_numpy(zero_copy_only=False), return_counts=True),
                      strict=True))
    print(f"evaluate: {out.num_rows:,} statuses (2 milestones) in {dt:.2f} s (first run), {warm:.2f} s (again)")
    print(f"statuses: {counts}")
    if a.rank:
        regions = [f"R{i:05d}" for i in range(min(200, a.regions))]
        t = time.perf_counter()
        r = rank(plan, obs, 2023, regions=regions)
        print(f"rank (efficacy, {len(regions)} regions, with leave-one-out and previous year): "
              f"{r.num_rows} rows in {time.perf_counter() - t:.2f} s")


if __name__ == "__main__":
    main()
