"""The bundled example: Ganzhou observations 2020–2024 in the CSV long format, and loading them into a workspace.

It sits above the store (it uses plans, ingest and store), beside the demo that runs it.

Real values where they are known — the plan's 附表 baselines (2020, or 2021 for the starred ones) and published
figures for the 中心城区 (PM2.5 2021 = 23 and 2022 = 21 μg/m³, 优良天数比率 2022 = 92.6 %) — each citing its
source; everything else is simulated with a fixed seed, ``source = 示例数据（模拟）``: plausible paths from the
baseline toward the 2025 target, with counties that lead, keep pace, lag or regress.
``examples/generate.py`` writes ``examples/ganzhou/observations_2020_2024.csv`` from :func:`example_rows`.
"""

from __future__ import annotations

import csv
import io
import random
from pathlib import Path

from meili.store.model import ImportResult

SEED = 20220722  # the day the plan's 附表 baselines were fixed in this project; any constant would do
YEARS = range(2020, 2025)
SIMULATED = "示例数据（模拟）"
PLAN_SOURCE = "美丽赣州建设规划纲要（2022—2035年）附表"
PUBLISHED = "赣州市公开发布的中心城区空气质量数据（转引自 shared/reference/methods.md：Published figures）"
#: Published figures: (region, measure, year) → value.
REAL = {("central_urban", "16.1", 2021): 23.0, ("central_urban", "16.1", 2022): 21.0,
        ("central_urban", "17.1", 2022): 92.6}
#: Starting values (2020) for measures whose baseline the table leaves empty (—): plausible, simulated.
START_FOR_EMPTY = {"1": 30.5, "10": 72.0, "15.3": 2.8, "21.2": 4.0, "27.1": 68.0, "32.3": 6.0, "37": 95.0}
ADDITIVE_UNITS = {"亿吨", "亿立方米", "家", "个", "座", "平方公里"}
COUNT_UNITS = {"家", "个", "座"}
#: County profiles: share of the way to the target reached by 2025.
PROFILES = {"leader": 1.25, "steady": 0.95, "lagging": 0.45, "regressing": -0.4}

#: The checkout's ``examples/`` folder (the example data are not installed with the package).
EXAMPLES_DIR = Path(__file__).resolve().parents[2] / "examples"
EXAMPLE_CSV = EXAMPLES_DIR / "ganzhou" / "observations_2020_2024.csv"
COLUMNS = ["plan", "region", "measure", "year", "value", "state", "unit", "source", "note", "provisional"]


def _target_value(m, start: float) -> float:
    t = m.targets.get(2025)
    if t is not None and t.kind.value in ("bound", "cumulative") and t.value is not None:
        return t.value
    if t is not None and t.kind.value == "range":
        return (t.low + t.high) / 2
    if t is not None and t.kind.value == "state":  # 基本消除 on a numeric measure: towards zero
        return 0.2
    step = 0.05 if m.direction.value == "higher" else -0.05  # trend, delegated or none: a modest improvement
    return start * (1 + step)


def _clamp(m, v: float) -> float:
    v = max(v, 0.0)
    if m.unit == "%":
        v = min(v, 100.0)
    return round(v) if m.unit in COUNT_UNITS else round(v, 2)


def example_rows(seed: int = SEED) -> list[dict]:
    """The example observations as dicts of the long format (deterministic for a seed)."""
    from meili.plan import load_plan, load_regions

    rng = random.Random(seed)
    plan, regions = load_plan("ganzhou"), load_regions()
    counties = [r.code for r in regions.children(plan.region) if r.kind != "functional_zone"]
    profile = {c: rng.choices(list(PROFILES), weights=[3, 4, 2, 1])[0] for c in counties}
    rows: list[dict] = []

    def add(region, m, year, value=None, state=None, source=SIMULATED, note=""):
        rows.append({"plan": plan.id, "region": region, "measure": m.id, "year": year,
                     "value": "" if value is None else f"{value:g}", "state": state or "", "unit": m.unit or "",
                     "source": source, "note": note, "provisional": "true" if year == 2024 else "false"})

    for m in plan.measures:
        top = m.scope_group or plan.region
        b = m.baseline
        if m.is_state:
            _states(add, rng, m, top, counties, profile)
            continue
        start = b.value if b.kind in ("value", "bound") and b.value is not None else START_FOR_EMPTY.get(m.id, 50.0)
        if b.kind == "bound":  # ≥95: a value on the right side of the bound
            start += 1.0 if b.op in (">=", ">") else -1.0
        if b.kind == "cumulative":  # [22.01]: 2016–2020 cumulative; simulate annual rates after it
            start = 4.0
        target = _target_value(m, start)
        path = {y: start + (target - start) * (y - 2020) / 5 * rng.uniform(0.7, 1.2) for y in YEARS}
        path[2020] = start
        known = sorted(y for (r, mid, y) in REAL if r == top and mid == m.id)
        for y in YEARS:  # after a published figure, continue from it rather than from the simulated path
            if known and y > known[-1]:
                path[y] = REAL[(top, m.id, known[-1])] + (target - start) / 5 * 0.3 * (y - known[-1])
        for y in YEARS:
            real = REAL.get((top, m.id, y))
            if real is not None:
                add(top, m, y, real, source=PUBLISHED)
            elif b.kind == "value" and y == b.year:
                add(top, m, y, b.value, source=PLAN_SOURCE, note="附表基准值" + ("（*为2021年）" if y == 2021 else ""))
            elif b.kind == "cumulative" and y == 2020:
                add(top, m, y, b.value, source=PLAN_SOURCE, note="附表 [22.01]：2016—2020 五年累计降低率 / cumulative")
            elif m.unit not in ADDITIVE_UNITS or not m.county:
                v = path[y] if not (b.kind == "value" and y < b.year) else b.value * rng.uniform(0.97, 1.0)
                note = "年度降低率 / annual" if b.kind == "cumulative" else ""
                add(top, m, y, _clamp(m, v), note=note)
        if m.county:
            _counties(add, rng, m, top, counties, profile, start, target)
    return rows


def _counties(add, rng, m, top, counties, profile, start, target) -> None:
    additive = m.unit in ADDITIVE_UNITS
    weights = [rng.gammavariate(2.0, 1.0) for _ in counties]
    shares = [w / sum(weights) for w in weights]
    totals = dict.fromkeys(YEARS, 0.0)
    for c, share in zip(counties, shares, strict=True):
        p = profile[c] if rng.random() < 0.8 else rng.choice(list(PROFILES))
        c_start = start * share if additive else start * rng.uniform(0.9, 1.1)
        c_target = target * share if additive else c_start + (target - start)
        for y in YEARS:
            v = c_start + (c_target - c_start) * PROFILES[p] * (y - 2020) / 5
            v = _clamp(m, v * rng.uniform(0.98, 1.02) if y > 2020 else v)
            totals[y] += v
            if m.id == "21.2" and y >= 2023 and v < 0.5:
                add(c, m, y, state="基本消除")
            else:
                add(c, m, y, v)
    if additive:  # the city is the sum of its counties (its 2020 value is the 附表 baseline, written above)
        for y in YEARS:
            if not (m.baseline.kind == "value" and y == m.baseline.year):
                add(top, m, y, _clamp(m, totals[y]))


def _states(add, rng, m, top, counties, profile) -> None:
    vocab = m.vocabulary
    b, t = m.baseline, m.targets.get(2025)
    first = b.state if b.kind == "state" else vocab[0]
    goal = t.state if t is not None and t.kind.value == "state" else first
    change = rng.choice([2022, 2023])
    for y in YEARS:
        if b.kind == "state" and y == b.year:
            add(top, m, y, state=first, source=PLAN_SOURCE, note="附表基准值")
        else:
            add(top, m, y, state=goal if y >= change else first)
    if m.county:
        for c in counties:
            worse = vocab[max(vocab.index(goal) - 1, 0)]
            late = profile[c] in ("lagging", "regressing")
            for y in YEARS:
                add(c, m, y, state=worse if (late and y >= 2022) else goal)


def example_csv(seed: int = SEED) -> str:
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=COLUMNS, lineterminator="\n")
    w.writeheader()
    w.writerows(example_rows(seed))
    return buf.getvalue()


def load_example(workspace_dir: str | Path) -> ImportResult:
    """Create a workspace in ``workspace_dir`` (or open the one there) and import the bundled example."""
    from meili.ingest.observations import import_files
    from meili.store.workspace import CONFIG_FILE, init_workspace, open_workspace

    root = Path(workspace_dir)
    ws = open_workspace(root) if (root / CONFIG_FILE).exists() else init_workspace(root)
    path = EXAMPLE_CSV
    if not path.is_file():  # an installed package without the repository's examples/: generate the same rows
        path = ws.root / "observations_2020_2024.csv"
        path.write_text(example_csv(), encoding="utf-8")
    return import_files(ws, [path], producer="meili demo (bundled example)")
