"""Small builders for water tests: long sample tables from plain rows."""

from __future__ import annotations

import datetime as dt

import ibis
import pandas as pd

T0 = dt.datetime(2024, 1, 5, 8, 0)


def samples(rows: list[tuple]) -> ibis.Table:
    """Rows ``(section, item, value[, below_dl[, time]])`` → the long sample table; items of one section at
    one time form one sample row."""
    records = []
    for n, r in enumerate(rows):
        section, item, value = r[:3]
        below = r[3] if len(r) > 3 else False
        time = r[4] if len(r) > 4 else T0
        records.append((section, n, time, item, float(value), bool(below)))
    frame = pd.DataFrame(records, columns=["section", "row", "time", "item", "value", "below_dl"])
    frame["row"] = frame.groupby(["section", "time"]).ngroup().astype("int64")
    return ibis.memtable(frame)


def registry(rows: list[dict]) -> ibis.Table:
    defaults = {"name": "", "water_body": "w", "kind": "river", "level": "national", "region_code": "360702",
                "target_class": None}
    return ibis.memtable(pd.DataFrame([{**defaults, **r} for r in rows]))
