"""The store on its own: workspaces, revisions, provenance, one transaction per write."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import duckdb
import pyarrow as pa
import pytest

from meili.store import SCHEMA_VERSION, Origin, StoreError, init_workspace, open_workspace
from meili.store.duckdb_store import DuckDBStore
from tests.helpers import REPO

SRC = REPO / "src"


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


# --- schema 2: actor, review state, ids from a sequence, file lists -------------------------------------------
def test_store_errors_are_meili_errors(tmp_path):
    from meili.errors import MeiliError

    with pytest.raises(StoreError) as e:
        open_workspace(tmp_path)
    assert isinstance(e.value, MeiliError) and isinstance(e.value, RuntimeError)
    assert e.value.kind == "store" and e.value.problems[0].kind == "not_a_workspace"
    assert e.value.render("en") == (f"{tmp_path.resolve()}: not a workspace: not a Meili workspace (no meili.toml); "
                                    "create a workspace here first, or name another workspace folder")
    assert "--" not in str(e.value)  # a library message names no command-line option


def test_origin_accepts_one_file_or_lists(monkeypatch):
    monkeypatch.setattr("getpass.getuser", lambda: "wang.fang")
    one = Origin(file="a,b.csv", sha256="aa", producer="p")
    assert (one.files, one.sha256s, one.actor) == (("a,b.csv",), ("aa",), "wang.fang")
    two = Origin(files=("a.csv", "b,c.csv"), sha256s=("aa", "bb"), actor="li.lei")
    assert (two.files, two.file, two.sha256, two.actor) == (("a.csv", "b,c.csv"), "a.csv,b,c.csv", "aa,bb", "li.lei")
    assert Origin(file="").files == ()
    with pytest.raises(StoreError, match="2 files but 3 sha256"):
        Origin(files=("a", "b"), sha256s=("1", "2", "3"))


def test_imports_record_actor_state_and_file_lists(tmp_path, monkeypatch):
    monkeypatch.setattr("getpass.getuser", lambda: "wang.fang")
    ws = init_workspace(tmp_path)
    r1 = ws.write_observations(obs(ROWS[:1]), origin=Origin(file="a,b.csv", sha256="aa", producer="test"))
    r2 = ws.write_observations(obs(ROWS[1:]), origin=Origin(files=("x.csv", "y，z.xlsx"), sha256s=("xx", "yy"),
                                                               producer="test", actor="li.lei"))
    assert (r1.files, r2.files) == (("a,b.csv",), ("x.csv", "y，z.xlsx"))
    rows = [(i["id"], i["file"], i["sha256"], i["actor"], i["state"]) for i in ws.imports().to_pylist()]
    assert rows == [(1, ["a,b.csv"], ["aa"], "wang.fang", "approved"),
                    (2, ["x.csv", "y，z.xlsx"], ["xx", "yy"], "li.lei", "approved")]
    assert ws.imports().schema.field("file").type == pa.list_(pa.string())
    # the row's own file (one per row) is the import's file when the table does not say
    assert {r["file"] for r in ws.current_observations(measure="16.1").to_pylist()} == {"a,b.csv"}
    # the review state is one of four
    with ws.store.writing() as con, pytest.raises(duckdb.ConstraintException, match="CHECK"):
        con.execute("UPDATE imports SET state = 'maybe' WHERE id = 1")
    assert ws.query("SELECT state FROM imports WHERE id = ?", [1]).to_pylist() == [{"state": "approved"}]


def test_a_file_named_with_a_comma_stays_one_file(tmp_path):
    from meili.ingest.observations import import_files

    ws = init_workspace(tmp_path / "ws")
    f = tmp_path / "a,b.csv"
    f.write_text("plan,region,measure,year,value,state,unit,source,note\n"
                 "ganzhou,中心城区,16.1,2022,21,,μg/m³,某局,\n", encoding="utf-8")
    r = import_files(ws, [f])
    assert r.files == (str(f),)
    [imp] = ws.imports().to_pylist()
    assert imp["file"] == [str(f)] and len(imp["sha256"]) == 1 and len(imp["sha256"][0]) == 64


def test_import_ids_come_from_a_sequence_and_dry_runs_take_none(tmp_path, monkeypatch):
    ws = init_workspace(tmp_path)
    ws.write_observations(obs(ROWS), origin=Origin(file="a.csv"), dry_run=True)
    assert ws.write_observations(obs(ROWS), origin=Origin(file="a.csv")).import_id == 1
    assert ws.write_observations(obs(ROWS), origin=Origin(file="a.csv"), dry_run=True).import_id is None
    assert ws.write_observations(obs(ROWS), origin=Origin(file="b.csv")).import_id == 2
    seq = ws.query("SELECT sequence_name, last_value FROM duckdb_sequences()").to_pylist()
    assert seq == [{"sequence_name": "import_id_seq", "last_value": 2}]
    assert ws.query("SELECT column_default FROM information_schema.columns "
                    "WHERE table_name = 'imports' AND column_name = 'id'").to_pylist() == [
        {"column_default": "nextval('import_id_seq')"}]


def test_query_is_read_only(tmp_path):
    ws = init_workspace(tmp_path)
    ws.write_observations(obs(ROWS), origin=Origin(file="a.csv"))
    assert ws.query("SELECT count(*) AS n FROM current_observations WHERE year = ?", [2022]).to_pylist() == [{"n": 3}]
    with pytest.raises(duckdb.Error):  # the file is open read-only for a pure read
        ws.query("DELETE FROM observations")
    assert ws.store.counts() == {"imports": 1, "observations": 3, "results": 0, "releases": 0}


# The store's DDL as version 1 (schema_version 1) wrote it: imports.file and sha256 comma-joined, no actor/state.
_V1_DDL = """
CREATE TABLE meta (key VARCHAR PRIMARY KEY, value VARCHAR);
CREATE TABLE imports (
    id BIGINT PRIMARY KEY, file VARCHAR NOT NULL, sha256 VARCHAR, producer VARCHAR NOT NULL,
    time TIMESTAMPTZ NOT NULL, rows BIGINT NOT NULL, new BIGINT NOT NULL, revised BIGINT NOT NULL,
    unchanged BIGINT NOT NULL
);
CREATE TABLE observations (
    plan VARCHAR NOT NULL, region VARCHAR NOT NULL, measure VARCHAR NOT NULL, year INTEGER NOT NULL,
    revision INTEGER NOT NULL, value DOUBLE, state VARCHAR, unit VARCHAR, source VARCHAR, note VARCHAR,
    provisional BOOLEAN NOT NULL, import_id BIGINT NOT NULL, file VARCHAR, sheet VARCHAR, "row" BIGINT,
    PRIMARY KEY (plan, region, measure, year, revision)
);
CREATE VIEW current_observations AS
SELECT o.*, i.time AS imported_at
FROM observations o JOIN imports i ON o.import_id = i.id
QUALIFY row_number() OVER (PARTITION BY o.plan, o.region, o.measure, o.year ORDER BY o.revision DESC) = 1;
INSERT INTO meta VALUES ('schema_version', '1');
INSERT INTO imports VALUES
    (1, 'a.csv,b.xlsx', 'aa,bb', 'meili data import a.csv b.xlsx', '2024-03-01 08:00:00+00', 2, 2, 0, 0),
    (3, 'c.csv', '', 'meili air indicators', '2024-04-01 08:00:00+00', 1, 0, 1, 0);
INSERT INTO observations VALUES
    ('ganzhou', 'central_urban', '16.1', 2022, 1, 21.0, NULL, 'μg/m³', 'x', NULL, false, 1, 'a.csv', NULL, 2),
    ('ganzhou', '360722', '16.2', 2022, 1, 20.5, NULL, 'μg/m³', 'x', NULL, false, 1, 'b.xlsx', '填报数据', 5),
    ('ganzhou', '360722', '16.2', 2022, 2, 19.8, NULL, 'μg/m³', 'x', NULL, false, 3, 'c.csv', NULL, 1);
"""


@pytest.mark.parametrize("first", ["read", "write"])
def test_a_version_1_store_is_migrated_on_open(tmp_path, first):
    ws_dir = tmp_path / "ws"
    init_workspace(ws_dir)
    (ws_dir / "meili.duckdb").unlink()
    con = duckdb.connect(str(ws_dir / "meili.duckdb"))
    con.execute(_V1_DDL)
    old_history = con.execute("SELECT * EXCLUDE (imported_at) FROM current_observations ORDER BY ALL").fetchall()
    con.close()

    ws = open_workspace(ws_dir)
    if first == "read":  # a read opens read-only: the store is migrated read-write once, then read
        assert ws.history().num_rows == 3
    else:
        r = ws.write_observations(obs(ROWS[:1]), origin=Origin(file="d.csv", actor="li.lei"))
        assert (r.import_id, r.unchanged) == (4, 0)  # the sequence starts after the highest old id
    imps = [(i["id"], i["file"], i["sha256"], i["producer"], i["actor"], i["state"], i["rows"])
            for i in ws.imports().to_pylist()]
    assert imps[:2] == [(1, ["a.csv", "b.xlsx"], ["aa", "bb"], "meili data import a.csv b.xlsx", "unknown",
                         "approved", 2),
                        (3, ["c.csv"], [], "meili air indicators", "unknown", "approved", 1)]
    assert ws.query("SELECT value FROM meta WHERE key = 'schema_version'").to_pylist() == [{"value": str(SCHEMA_VERSION)}]
    cur = ws.query("SELECT * EXCLUDE (imported_at) FROM current_observations ORDER BY ALL").to_pylist()
    if first == "read":
        assert [tuple(r.values()) for r in cur] == old_history
        assert ws.write_observations(obs(ROWS[:1]), origin=Origin(file="d.csv")).import_id == 4
    assert ws.imports().column_names == ["id", "file", "sha256", "producer", "actor", "state", "time", "rows", "new",
                                         "revised", "unchanged"]
    # the migrated schema is the one a new store gets
    fresh = init_workspace(tmp_path / "fresh")
    schema = "SELECT table_name, column_name, data_type, is_nullable FROM information_schema.columns ORDER BY ALL"
    assert ws.query(schema).equals(fresh.query(schema))


def test_a_store_of_a_newer_schema_is_refused(tmp_path):
    ws = init_workspace(tmp_path)
    with ws.store.writing() as con:
        con.execute("UPDATE meta SET value = '9' WHERE key = 'schema_version'")
    with pytest.raises(StoreError, match="newer than this Meili supports"):
        ws.current_observations()
