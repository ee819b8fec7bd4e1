"""The audit log: appended in the caller's transaction, hash-chained; every tampering is found by verify."""

from __future__ import annotations

import hashlib
import json

import duckdb
import pyarrow as pa
import pytest

from meili.store import Origin, audit, init_workspace, open_workspace
from meili.store.audit import GENESIS, append, canonical, verify


@pytest.fixture
def ws(tmp_path):
    return init_workspace(tmp_path / "ws")


def _append(ws, n=3, **kw):
    with ws.store.writing() as con:
        con.begin()
        seqs = [append(con, actor="alice", action="test", target=f"t{i}", before={"v": i}, after={"v": i + 1},
                       **kw) for i in range(n)]
        con.commit()
    return seqs


def _raw(ws, sql, params=()):
    """A change behind Meili's back: a plain DuckDB connection to the file (nothing of Meili holds it now)."""
    con = duckdb.connect(str(ws.db_path))
    try:
        con.execute(sql, list(params))
    finally:
        con.close()


def _verify(ws):
    with ws.store.reading() as con:
        return verify(con)


def test_chain_of_rows(ws):
    assert _append(ws) == [1, 2, 3]
    with ws.store.reading() as con:
        rows = audit.read(con)
    assert rows[0]["prev_hash"] == GENESIS
    assert [r["prev_hash"] for r in rows[1:]] == [r["hash"] for r in rows[:-1]]
    # the hash is SHA-256 over the canonical JSON of the fields, prev_hash included (reproduced by hand here)
    r = rows[1]
    body = {k: (v.isoformat() if k == "at" else v) for k, v in r.items() if k != "hash"}
    text = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    assert hashlib.sha256(text.encode()).hexdigest() == r["hash"]
    assert r["after"] == '{"v":2}'
    result = _verify(ws)
    assert result.ok and result.rows == 3 and result.head == f"3:{rows[-1]['hash']}"


def test_empty_log_verifies(ws):
    result = _verify(ws)
    assert result.ok and result.rows == 0


def test_append_is_in_the_callers_transaction(ws):
    _append(ws, 1)
    with ws.store.writing() as con:
        con.begin()
        append(con, actor="bob", action="rolled back")
        con.rollback()
    assert _verify(ws).rows == 1 and _verify(ws).ok
    assert _append(ws, 1) == [2]


def test_result_must_be_known(ws):
    from meili.store import StoreError

    with ws.store.writing() as con, pytest.raises(StoreError, match="refused"):
        append(con, actor="a", action="x", result="maybe")


@pytest.mark.parametrize("tamper, seq, words", [
    ("UPDATE audit_log SET actor = 'mallory' WHERE seq = 2", 2, "edited"),
    ("UPDATE audit_log SET after = '{\"v\":99}' WHERE seq = 1", 1, "edited"),
    ("DELETE FROM audit_log WHERE seq = 2", 3, "deleted, inserted or reordered"),
    # reorder: rows 2 and 3 swap places (their seq swapped)
    ("UPDATE audit_log SET seq = CASE seq WHEN 2 THEN 3 WHEN 3 THEN 2 END WHERE seq IN (2, 3)", 2,
     "deleted, inserted or reordered"),
    ("DELETE FROM audit_log WHERE seq = 4", 3, "head"),
    ('INSERT INTO audit_log SELECT 5, "at", actor, action, target, before, after, reason, result, source_ip, '
     '"rows", hash, hash FROM audit_log WHERE seq = 4', 5, "edited"),
])
def test_tampering_is_found(ws, tamper, seq, words):
    _append(ws, 4)
    assert _verify(ws).ok
    _raw(ws, tamper)
    result = _verify(ws)
    assert not result.ok
    assert result.first_broken_seq == seq
    assert words in result.reason.en
    assert result.reason.zh


def test_rewritten_row_with_a_fresh_hash_breaks_the_next_link(ws):
    _append(ws, 3)
    with ws.store.reading() as con:
        row = audit.read(con)[1]
    row["actor"] = "mallory"
    fresh = hashlib.sha256(canonical({k: v for k, v in row.items() if k != "hash"}).encode()).hexdigest()
    _raw(ws, "UPDATE audit_log SET actor = 'mallory', hash = ? WHERE seq = 2", [fresh])
    result = _verify(ws)
    assert not result.ok and result.first_broken_seq == 3


def test_appended_row_with_a_valid_hash_is_found_by_the_head(ws):
    _append(ws, 2)
    with ws.store.reading() as con:
        row = audit.read(con)[1]
    row.update(seq=3, prev_hash=row["hash"], actor="mallory")
    row["hash"] = hashlib.sha256(canonical({k: v for k, v in row.items() if k != "hash"}).encode()).hexdigest()
    _raw(ws, f"INSERT INTO audit_log VALUES ({', '.join('?' * len(row))})", list(row.values()))
    result = _verify(ws)
    assert not result.ok and "head" in result.reason.en


def _write_value(ws, value, actor="alice"):
    table = pa.table({"plan": ["ganzhou"], "region": ["360702"], "measure": ["11.1"], "year": [2024],
                      "value": [value], "state": [None], "unit": ["%"], "source": [None], "note": [None]},
                     schema=pa.schema([("plan", pa.string()), ("region", pa.string()), ("measure", pa.string()),
                                       ("year", pa.int64()), ("value", pa.float64()), ("state", pa.string()),
                                       ("unit", pa.string()), ("source", pa.string()), ("note", pa.string())]))
    ws.write_observations(table, Origin(file="t.csv", sha256="0" * 64, producer="test", actor=actor))
    revision = ws.history(measure="11.1").column("revision").to_pylist()[-1]
    key = {"plan": "ganzhou", "region": "360702", "measure": "11.1", "year": 2024, "revision": revision}
    with ws.store.writing() as con:
        con.begin()
        append(con, actor=actor, action="save_values", target="ganzhou/360702/11.1/2024", after={"value": value},
               rows=[("observations", key)])
        con.commit()
    return key


def test_value_row_edited_behind_the_stores_back(ws):
    _append(ws, 1)
    _write_value(ws, 76.5)
    _write_value(ws, 77.0)
    _append(ws, 1)
    assert _verify(ws).ok
    _raw(ws, "UPDATE observations SET value = 80 WHERE measure = '11.1' AND revision = 1")
    result = _verify(ws)
    assert not result.ok and result.first_broken_seq == 2
    assert "behind Meili's back" in result.reason.en and "未经 Meili 修改" in result.reason.zh


def test_value_row_deleted_behind_the_stores_back(ws):
    _write_value(ws, 76.5)
    _write_value(ws, 77.0)
    _raw(ws, "DELETE FROM observations WHERE revision = 2")
    result = _verify(ws)
    assert not result.ok and result.first_broken_seq == 2 and "missing" in result.reason.en


def test_audited_row_must_exist(ws):
    from meili.store import StoreError

    with ws.store.writing() as con, pytest.raises(StoreError, match="does not exist"):
        append(con, actor="a", action="x", rows=[("observations", {"plan": "nope", "revision": 1})])


V3_TABLES = {"meta", "imports", "observations", "results", "releases", "release_revisions"}


def test_migration_from_v3_adds_the_tables(ws):
    con = duckdb.connect(str(ws.db_path))  # back to version 3: every table a later version added is dropped
    try:
        later = [t for (t,) in con.execute("SELECT table_name FROM duckdb_tables() WHERE NOT internal").fetchall()
                 if t not in V3_TABLES and not t.startswith("release_")]
        for t in later:
            con.execute(f'DROP TABLE "{t}" CASCADE')
        con.execute("UPDATE meta SET value = '3' WHERE key = 'schema_version'")
    finally:
        con.close()
    assert "audit_log" in later and "users" in later and "grants" in later
    ws2 = open_workspace(ws.root)
    assert _append(ws2, 1) == [1] and _verify(ws2).ok


def test_export(ws, tmp_path):
    _append(ws, 2)
    with ws.store.reading() as con:
        assert audit.export(con, tmp_path / "a.jsonl") == 2
        assert audit.export(con, tmp_path / "a.csv") == 2
    lines = (tmp_path / "a.jsonl").read_text(encoding="utf-8").splitlines()
    assert json.loads(lines[1])["seq"] == 2
    assert (tmp_path / "a.csv").read_text(encoding="utf-8-sig").splitlines()[0].startswith("seq,at,actor")
