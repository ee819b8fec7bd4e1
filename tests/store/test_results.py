"""Recorded results and releases in the store: revisions per result key, checks, schema v3 and its migration."""

from __future__ import annotations

import duckdb
import pyarrow as pa
import pytest

from meili.store import SCHEMA_VERSION, Origin, StoreError, init_workspace, open_workspace
from meili.store.duckdb_store import _DDL_V2


def results(rows: list[tuple]) -> pa.Table:
    """(scope, code, month, metric, value, text) tuples of air results for 2019."""
    cols = list(zip(*rows, strict=True))
    n = len(rows)
    return pa.table({
        "domain": ["air"] * n, "scope": list(cols[0]), "code": list(cols[1]), "name": [None] * n,
        "year": pa.array([2019] * n, pa.int32()), "month": pa.array(cols[2], pa.int32()),
        "metric": list(cols[3]), "value": pa.array(cols[4], pa.float64()), "text": pa.array(cols[5], pa.string()),
        "unit": ["μg/m³"] * n, "standard": ["GB 3095-2012, HJ 633-2012, HJ 663-2013"] * n,
    })


ROWS = [("city", "360700", None, "pm25", 29.0, None), ("city", "360700", 1, "pm25", 51.0, None),
        ("station", "2362A", None, "pm25", 25.0, None), ("station", "2362A", None, "note", None, "x")]


def test_results_are_revised_per_key_and_unchanged_ones_add_nothing(tmp_path):
    ws = init_workspace(tmp_path)
    r1 = ws.write_results(results(ROWS), Origin(file="a.parquet", sha256="aa", producer="test", actor="li"))
    assert (r1.import_id, r1.new, r1.revised, r1.unchanged) == (1, 4, 0, 0)
    r2 = ws.write_results(results(ROWS), Origin(file="a.parquet", producer="test"))
    assert (r2.new, r2.revised, r2.unchanged) == (0, 0, 4)  # the NULL month of an annual value is a key too
    changed = [ROWS[0], ("city", "360700", 1, "pm25", 50.0, None), ROWS[2], ("station", "2362A", None, "note", None, "y")]
    r3 = ws.write_results(results(changed), Origin(file="b.parquet", producer="fix"))
    assert (r3.new, r3.revised, r3.unchanged) == (0, 2, 2)
    cur = {(r["code"], r["month"], r["metric"]): r for r in ws.current_results().to_pylist()}
    assert cur[("360700", 1, "pm25")]["value"] == 50.0 and cur[("360700", 1, "pm25")]["revision"] == 2
    assert cur[("360700", None, "pm25")]["revision"] == 1 and cur[("2362A", None, "note")]["text"] == "y"
    assert ws.history_results(code="360700").num_rows == 3
    assert ws.current_results(scope="station").num_rows == 2
    assert [i["producer"] for i in ws.imports().to_pylist()] == ["test", "test", "fix"]


@pytest.mark.parametrize(("rows", "message"), [
    ([("city", "360700", None, "pm25", 1.0, None)] * 2, "duplicate keys"),
    ([("planet", "earth", None, "pm25", 1.0, None)], "unknown result domain or scope"),
    ([("city", "360700", 13, "pm25", 1.0, None)], "month outside 1–12"),
    ([("city", None, None, "pm25", 1.0, None)], "rows lack domain"),
])
def test_a_bad_write_is_refused_whole(tmp_path, rows, message):
    ws = init_workspace(tmp_path)
    with pytest.raises(StoreError, match=message):
        ws.write_results(results(ROWS[:1] + rows), Origin(file="a.parquet"))
    assert ws.current_results().num_rows == 0 and ws.imports().num_rows == 0


def test_a_version_2_store_is_migrated_to_3_on_open(tmp_path):
    ws_dir = tmp_path / "ws"
    init_workspace(ws_dir)
    (ws_dir / "meili.duckdb").unlink()
    con = duckdb.connect(str(ws_dir / "meili.duckdb"))
    con.execute(_DDL_V2)
    con.execute("INSERT INTO meta VALUES ('schema_version', '2')")
    con.close()
    ws = open_workspace(ws_dir)
    assert ws.current_results().num_rows == 0  # a read migrates it (read-write once), then reads
    assert ws.query("SELECT value FROM meta WHERE key = 'schema_version'").to_pylist() == [
        {"value": str(SCHEMA_VERSION)}]
    assert ws.store.releases() == []
    fresh = init_workspace(tmp_path / "fresh")
    schema = "SELECT table_name, column_name, data_type, is_nullable FROM information_schema.columns ORDER BY ALL"
    assert ws.query(schema).equals(fresh.query(schema))
