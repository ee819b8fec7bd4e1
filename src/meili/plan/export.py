"""Plans as tables: one row per measure, in table order (for CSV/JSON export and display)."""

from __future__ import annotations

from meili.plan.model import Plan

#: Columns of ``meili plan export``; the ``target_<year>_*`` columns follow for each milestone.
MEASURE_COLUMNS = [
    "id", "no", "category", "category_name", "indicator", "indicator_en", "measure", "measure_en", "unit",
    "direction", "scope", "scope_group", "county", "baseline_year", "baseline_value", "baseline_text",
    "baseline_kind",
]


def measure_rows(plan: Plan) -> list[dict]:
    """One dict per measure: the columns above, then ``target_<year>_text`` and ``target_<year>_kind`` per milestone."""
    rows = []
    names = {c.id: c.name for c in plan.categories}
    for m in plan.measures:
        b = m.baseline
        row = {
            "id": m.id, "no": m.no, "category": m.category, "category_name": names[m.category],
            "indicator": m.indicator, "indicator_en": m.indicator_en, "measure": m.name, "measure_en": m.name_en,
            "unit": m.unit or "", "direction": m.direction.value, "scope": m.scope or "",
            "scope_group": m.scope_group or "", "county": m.county, "baseline_year": b.year,
            "baseline_value": b.value if b.kind == "value" else None, "baseline_text": b.text,
            "baseline_kind": b.kind,
        }
        for year in plan.milestones:
            t = m.targets.get(year)
            row[f"target_{year}_text"] = t.text if t else ""
            row[f"target_{year}_kind"] = t.kind.value if t else ""
            row[f"target_{year}_reading"] = t.describe() if t else ""
        rows.append(row)
    return rows
