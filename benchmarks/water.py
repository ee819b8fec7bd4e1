"""Benchmark: 3,641 sections × 12 months × 21 evaluation items classified, summarised and ranked.

    PYTHONPATH=src python benchmarks/water.py        # from the repository root; results in docs/benchmarks.md

Synthetic values (fixed seed) around each item's Class Ⅲ limit, so every class occurs.
"""

from __future__ import annotations

import time

import ibis
import numpy as np
import pyarrow as pa

from meili.standards.water.bodies import summarize
from meili.standards.water.classify import item_classes, period_means, section_classes
from meili.standards.water.cwqi import group_cwqi, rank
from meili.standards.water.tables import evaluated_items, load_table

N_SECTIONS, N_MONTHS, SEED = 3641, 12, 7
COUNTIES = [f"3607{n:02d}" for n in range(2, 36)]


def build() -> tuple[pa.Table, pa.Table]:
    rng = np.random.default_rng(SEED)
    items = evaluated_items()
    limits = load_table("limits").to_pandas()
    iii = limits[(limits.class_rank == 3) & (limits.water_kind != "lake")].set_index("item")
    centre = np.array([7.5 if i == "ph" else (iii.loc[i, "lower"] if i == "do" else iii.loc[i, "upper"]) for i in items])
    n = N_SECTIONS * N_MONTHS * len(items)
    section = np.repeat(np.arange(N_SECTIONS), N_MONTHS * len(items))
    month = np.tile(np.repeat(np.arange(1, N_MONTHS + 1), len(items)), N_SECTIONS)
    item_index = np.tile(np.arange(len(items)), N_SECTIONS * N_MONTHS)
    value = centre[item_index] * rng.lognormal(-0.4, 0.5, n)
    times = np.array([np.datetime64(f"2024-{m:02d}-10") for m in range(1, 13)])[month - 1]
    samples = pa.table({
        "section": pa.array(np.char.add("S", section.astype(str))),
        "row": pa.array(section * N_MONTHS + month, pa.int64()),
        "time": pa.array(times.astype("datetime64[us]")),
        "item": pa.array(np.array(items)[item_index]),
        "value": pa.array(value),
        "below_dl": pa.array(np.zeros(n, dtype=bool)),
    })
    codes = np.array(COUNTIES)[np.arange(N_SECTIONS) % len(COUNTIES)]
    sections = pa.table({
        "section": np.char.add("S", np.arange(N_SECTIONS).astype(str)),
        "name": np.char.add("S", np.arange(N_SECTIONS).astype(str)),
        "water_body": np.char.add("river", (np.arange(N_SECTIONS) // 7).astype(str)),
        "kind": np.where(np.arange(N_SECTIONS) % 10 == 0, "lake", "river"),
        "level": np.where(np.arange(N_SECTIONS) % 3 == 0, "national", "provincial"),
        "region_code": codes,
        "target_class": np.full(N_SECTIONS, "Ⅲ"),
    })
    return samples, sections


def main() -> None:
    samples, sections = build()
    print(f"{samples.num_rows:,} values ({N_SECTIONS} sections × {N_MONTHS} months × 21 items)")
    s, r = ibis.memtable(samples), ibis.memtable(sections)  # executed on the default DuckDB backend
    timings = {}
    start = time.perf_counter()
    means = period_means(s, "month")
    classed = item_classes(means, r)
    monthly = section_classes(classed, r).to_pyarrow()
    timings["classify (monthly classes + main pollutants)"] = time.perf_counter() - start
    start = time.perf_counter()
    annual_means = period_means(s, "year")
    annual_items = item_classes(annual_means, r)
    annual = section_classes(annual_items, r)
    by_region = summarize(annual_means, annual, annual_items, r, "region").to_pyarrow()
    by_body = summarize(annual_means, annual, annual_items, r, "water_body").to_pyarrow()
    timings["summarise (annual classes; by region and by water body)"] = time.perf_counter() - start
    start = time.perf_counter()
    ranked = rank(group_cwqi(annual_means, r, "region")).to_pyarrow()
    timings["rank (CWQI by region)"] = time.perf_counter() - start
    print(f"{monthly.num_rows:,} section-months, {by_region.num_rows} regions, {by_body.num_rows} water bodies, "
          f"{ranked.num_rows} ranked")
    for name, seconds in timings.items():
        print(f"{name}: {seconds:.2f} s")
    print(f"total: {sum(timings.values()):.2f} s")


if __name__ == "__main__":
    main()
