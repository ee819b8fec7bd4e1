"""Helpers for the evaluation tests: observation tables built by hand, a tiny plan for the rarer target kinds."""

from __future__ import annotations

import pyarrow as pa

SCHEMA = pa.schema([
    ("plan", pa.string()), ("region", pa.string()), ("measure", pa.string()), ("year", pa.int64()),
    ("value", pa.float64()), ("state", pa.string()),
])


def obs(*rows: tuple, plan: str = "ganzhou") -> pa.Table:
    """Observations from (region, measure, year, value-or-state) tuples."""
    out = []
    for region, measure, year, v in rows:
        value, state = (None, v) if isinstance(v, str) else (v, None)
        out.append({"plan": plan, "region": region, "measure": measure, "year": year, "value": value,
                    "state": state})
    return pa.Table.from_pylist(out, schema=SCHEMA)


def row(table: pa.Table, region: str, measure: str, milestone: int | None = None) -> dict:
    rows = [r for r in table.to_pylist() if r["region"] == region and r["measure"] == measure
            and (milestone is None or r["milestone"] == milestone)]
    assert len(rows) == 1, rows
    return rows[0]


TINY = {
    "id": "tiny", "title": "测试规划", "title_en": "Test plan", "level": "city", "region": "360700",
    "base_year": 2020, "milestones": [2025, 2035], "source": "tests",
    "categories": [{"id": "a", "name": "甲", "name_en": "A"}, {"id": "b", "name": "乙", "name_en": "B"}],
    "indicators": [
        {"number": 1, "category": "a", "name": "低者为优区间", "name_en": "Lower range", "unit": "mg/L",
         "measures": [{"id": "1", "direction": "lower", "county": True, "baseline": "10",
                       "targets": {2025: "4~6", 2035: "—"}}]},
        {"number": 2, "category": "b", "name": "累计量", "name_en": "Cumulative count", "unit": "个",
         "measures": [{"id": "2", "direction": "higher", "county": True, "baseline": "—",
                       "targets": {2025: "[10]", 2035: "[30]"}}]},
    ],
}
