"""The store on its own: workspaces, revisions, provenance, one transaction per write."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pyarrow as pa
import pytest

from meili.store import Origin, StoreError, init_workspace, open_workspace
from meili.store.duckdb_store import DuckDBStore

SRC = Path(__file__).resolve().parents[2] / "src"


def obs(rows: list[tuple]) -> pa.Table:
    """(region, measure, year, value, state, unit) tuples → an input table for write_observations."""
    cols = list(zip(*rows, strict=True))
    n = len(rows)
    return pa.table({
        "plan": ["ganzhou"] * n, "region": list(cols[0]), "measure": list(cols[1]),
        "year": pa.array(cols[2], pa.int32()), "value": pa.array(cols[3], pa.float64()),
        "state": pa.array(cols[4], pa.string()), "unit": pa.array(cols[5], pa.string()),
        "source": ["赣州市生态环境局"] * n, "note": pa.nulls(n, pa.string()),
    })


ROWS = [
    ("central_urban", "16.1", 2022, 21.0, None, "μg/m³"),
    ("360722", "16.2", 2022, 20.5, None, "μg/m³"),
    ("360700", "35", 2022, None, "基本健全", None),
]


def snapshot(ws) -> tuple:
    """Everything the store holds, for 'nothing changed' checks."""
    return ws.imports().to_pylist(), ws.history().to_pylist()


def test_init_creates_config_and_store(tmp_path):
    ws = init_workspace(tmp_path / "ws")
    assert (tmp_path / "ws" / "meili.toml").is_file()
    assert (tmp_path / "ws" / "meili.duckdb").is_file()
    assert ws.current_observations().num_rows == 0
    with pytest.raises(StoreError, match="already a workspace"):
        init_workspace(tmp_path / "ws")


def test_open_workspace_errors_and_env(tmp_path, monkeypatch):
    with pytest.raises(StoreError, match="not a Meili workspace") as e:
        open_workspace(tmp_path)
    assert "不是 Meili 工作区" in str(e.value) and str(tmp_path) in str(e.value)
    init_workspace(tmp_path / "w")
    monkeypatch.setenv("MEILI_WORKSPACE", str(tmp_path / "w"))
    assert open_workspace(None).root == (tmp_path / "w").resolve()
    monkeypatch.delenv("MEILI_WORKSPACE")
    monkeypatch.chdir(tmp_path / "w")
    assert open_workspace().root == (tmp_path / "w").resolve()


def test_new_unchanged_revised_and_history(tmp_path):
    ws = init_workspace(tmp_path)
    r1 = ws.write_observations(obs(ROWS), origin=Origin(file="a.csv", sha256="aa", producer="test"))
    assert (r1.import_id, r1.new, r1.revised, r1.unchanged) == (1, 3, 0, 0)

    r2 = ws.write_observations(obs(ROWS), origin=Origin(file="a.csv", sha256="aa", producer="test"))
    assert (r2.import_id, r2.new, r2.revised, r2.unchanged) == (2, 0, 0, 3)
    assert ws.history().num_rows == 3  # unchanged rows add no revision

    corrected = [ROWS[0], ("360722", "16.2", 2022, 19.8, None, "μg/m³"), ("360700", "35", 2022, None, "初步建立", None)]
    r3 = ws.write_observations(obs(corrected), origin=Origin(file="b.xlsx", sha256="bb", producer="test"))
    assert (r3.new, r3.revised, r3.unchanged) == (0, 2, 1)

    cur = {(r["region"], r["measure"]): r for r in ws.current_observations(year=2022).to_pylist()}
    assert cur[("360722", "16.2")]["value"] == 19.8
    assert cur[("360722", "16.2")]["revision"] == 2
    assert cur[("360722", "16.2")]["file"] == "b.xlsx"
    assert cur[("360700", "35")]["state"] == "初步建立" and cur[("360700", "35")]["value"] is None
    assert cur[("central_urban", "16.1")]["revision"] == 1 and cur[("central_urban", "16.1")]["file"] == "a.csv"

    hist = ws.history(region="信丰县", measure="16.2").to_pylist()  # a name resolves to the code
    assert [(h["revision"], h["value"], h["file"], h["import_id"]) for h in hist] == [
        (1, 20.5, "a.csv", 1), (2, 19.8, "b.xlsx", 3)]


def test_current_columns_and_types(tmp_path):
    ws = init_workspace(tmp_path)
    ws.write_observations(obs(ROWS), origin=Origin(file="a.csv"))
    t = ws.current_observations(plan="ganzhou", region="中心城区")
    assert t.column_names == ["plan", "region", "measure", "year", "value", "state", "unit", "source", "note",
                              "provisional", "revision", "import_id", "file", "sheet", "row", "imported_at"]
    assert t.schema.field("value").type == pa.float64()
    assert t.schema.field("provisional").type == pa.bool_()
    assert t.to_pylist()[0]["provisional"] is False
    assert t.num_rows == 1


def test_provisional_to_final_is_a_revision(tmp_path):
    ws = init_workspace(tmp_path)
    t = obs(ROWS[:1]).append_column("provisional", pa.array([True]))
    ws.write_observations(t, origin=Origin(file="a.csv"))
    r = ws.write_observations(obs(ROWS[:1]), origin=Origin(file="final.csv"))
    assert (r.revised, r.unchanged) == (1, 0)
    assert ws.current_observations().to_pylist()[0]["provisional"] is False


def test_dry_run_writes_nothing(tmp_path):
    ws = init_workspace(tmp_path)
    r = ws.write_observations(obs(ROWS), origin=Origin(file="a.csv"), dry_run=True)
    assert (r.import_id, r.new, r.dry_run) == (None, 3, True)
    assert snapshot(ws) == ([], [])


def test_duplicate_keys_in_one_write_are_refused(tmp_path):
    ws = init_workspace(tmp_path)
    with pytest.raises(StoreError, match="duplicate keys"):
        ws.write_observations(obs([ROWS[0], ROWS[0]]), origin=Origin(file="a.csv"))
    assert snapshot(ws) == ([], [])


def test_failure_half_way_leaves_store_as_it_was(tmp_path, monkeypatch):
    ws = init_workspace(tmp_path)
    ws.write_observations(obs(ROWS), origin=Origin(file="a.csv"))
    before = snapshot(ws)

    original = DuckDBStore._insert_observations

    def insert_then_fail(con, import_id):
        original(con, import_id)  # the import row and the new revisions are in the transaction now…
        assert con.execute("SELECT count(*) FROM observations").fetchone()[0] == 6
        raise OSError("disk full (simulated)")

    monkeypatch.setattr(DuckDBStore, "_insert_observations", staticmethod(insert_then_fail))
    changed = [("central_urban", "16.1", 2022, 99.0, None, "μg/m³"), ("360722", "16.2", 2023, 1.0, None, "μg/m³"),
               ("360700", "35", 2022, None, "初步建立", None)]
    with pytest.raises(OSError, match="disk full"):
        ws.write_observations(obs(changed), origin=Origin(file="b.csv"))
    assert snapshot(ws) == before


def test_kill_mid_write_leaves_store_as_it_was(tmp_path):
    """A real SIGKILL between the inserts and COMMIT: the reopened store holds only the first import."""
    ws = init_workspace(tmp_path)
    ws.write_observations(obs(ROWS), origin=Origin(file="a.csv"))
    before = snapshot(ws)
    script = textwrap.dedent(f"""
        import os, signal, pyarrow as pa
        from meili.store import open_workspace, Origin
        from meili.store.duckdb_store import DuckDBStore
        original = DuckDBStore._insert_observations
        def insert_then_die(con, import_id):
            original(con, import_id)
            os.kill(os.getpid(), signal.SIGKILL)
        DuckDBStore._insert_observations = staticmethod(insert_then_die)
        n = 50_000
        t = pa.table({{"plan": ["ganzhou"] * n, "region": ["360700"] * n, "measure": ["2"] * n,
                      "year": pa.array([1000 + i for i in range(n)], pa.int32()), "value": [1.0] * n,
                      "state": pa.nulls(n, pa.string()), "unit": ["%"] * n, "source": ["x"] * n,
                      "note": pa.nulls(n, pa.string())}})
        open_workspace({str(tmp_path)!r}).write_observations(t, origin=Origin(file="big.csv"))
    """)
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    proc = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, timeout=120)
    assert proc.returncode == -9, proc.stderr.decode()
    assert snapshot(open_workspace(tmp_path)) == before
