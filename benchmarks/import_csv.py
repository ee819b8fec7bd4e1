"""Benchmark: import 1,000,000 long-format CSV rows (read + validate + write), then re-import and revise.

    PYTHONPATH=src python benchmarks/import_csv.py [--rows 1000000] [--keep DIR]

One million distinct keys need more measures than Ganzhou's 56, so the rows belong to a synthetic plan
``bench`` (2,400 numeric measures, same regions, years 2015–2035) passed to the importer; the checks are the
real ones (regions given as codes and names, units, % ranges, duplicates). Results go to docs/benchmarks.md by hand.
"""

from __future__ import annotations

import argparse
import csv
import os
import platform
import random
import tempfile
import time
from pathlib import Path

from meili.ingest.observations import import_files
from meili.plan import Plan, load_regions
from meili.store import init_workspace


def bench_plan(n_measures: int) -> Plan:
    per = 8
    indicators = []
    for i in range(1, n_measures // per + 1):
        indicators.append({"number": i, "category": "c", "name": f"指标{i}", "name_en": f"indicator {i}",
                           "unit": "%" if i % 2 else "μg/m³",
                           "measures": [{"id": f"{i}.{j}", "direction": "higher", "baseline": "50",
                                         "targets": {2025: "60"}} for j in range(1, per + 1)]})
    return Plan.model_validate({
        "id": "bench", "title": "基准测试规划", "title_en": "benchmark plan", "level": "city", "region": "360700",
        "base_year": 2020, "milestones": [2025, 2035], "source": "synthetic",
        "categories": [{"id": "c", "name": "类", "name_en": "category"}], "indicators": indicators})


def write_csv(path: Path, plan: Plan, rows: int, seed: int, bump: float = 0.0) -> None:
    regions = load_regions()
    keys = [r.code for r in regions.children("360700")] + ["360700", "central_urban", "county_level_cities"]
    names = {r.code: r.name for r in regions.regions}
    rng = random.Random(seed)
    measures = plan.measures
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["plan", "region", "measure", "year", "value", "state", "unit", "source", "note"])
        n = 0
        for m in measures:
            for year in range(2015, 2036):
                for code in keys:
                    if n == rows:
                        return
                    region = names.get(code, code) if n % 3 == 0 else code  # a third as Chinese names
                    value = round(rng.uniform(0, 100), 2)
                    if bump and n % 10 == 0:
                        value = round(min(value + bump, 100), 2)
                    w.writerow(["bench", region, m.id, year, value, "", m.unit if n % 2 else "", "benchmark", ""])
                    n += 1


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--keep", type=Path, default=None, help="keep the workspace and CSVs here")
    args = ap.parse_args()
    plan = bench_plan(2400)
    base = args.keep or Path(tempfile.mkdtemp())
    base.mkdir(parents=True, exist_ok=True)
    a, b = base / "rows.csv", base / "rows_revised.csv"
    t0 = time.perf_counter()
    write_csv(a, plan, args.rows, seed=1)
    write_csv(b, plan, args.rows, seed=1, bump=0.5)
    print(f"generated 2 × {args.rows:,} rows ({a.stat().st_size / 1e6:.0f} MB each) in {time.perf_counter() - t0:.1f} s")
    ws = init_workspace(base / "ws")
    for label, path in (("first import (all new)", a), ("re-import, same file (all unchanged)", a),
                        ("import with 10 % changed (revisions)", b)):
        t = time.perf_counter()
        r = import_files(ws, [path], plans={"bench": plan})
        dt = time.perf_counter() - t
        print(f"{label}: {dt:.1f} s — {r.rows / dt:,.0f} rows/s — new {r.new:,}, revised {r.revised:,}, "
              f"unchanged {r.unchanged:,}")
    print(f"python {platform.python_version()}, {os.cpu_count()} CPUs, {platform.machine()}")


if __name__ == "__main__":
    main()
