"""The audit log: append-only, hash-chained, written in the same transaction as the change it records.

``audit_log`` holds one row per attempt to change something (and per sign-in, failure and refusal)::

    seq BIGINT PRIMARY KEY   1, 2, 3 … without gaps
    at TIMESTAMP             UTC, microseconds
    actor, action, target    who (a user name, or the OS user before any account exists), what, on what
    before JSON, after JSON  the state before and after (canonical JSON text; NULL when none)
    reason                   the user's reason (a return, an unapproval, a soft-check explanation)
    result                   'ok' | 'refused' | 'failed'
    source_ip                the web client's address (NULL on the command line)
    rows JSON                the value rows this change wrote: [{"table", "key", "sha256"}, …] (NULL when none)
    prev_hash                the previous row's ``hash`` (64 zeros for the first row)
    hash                     SHA-256 over the canonical JSON of every field above (``prev_hash`` included)

Canonical JSON: keys sorted, no spaces, UTF-8, timestamps as ISO 8601 text; ``before``/``after``/``rows`` enter the
hash as the exact text stored. :func:`append` is called *inside the caller's transaction* (the change and its row
commit together, or neither does) and keeps ``meta.audit_head`` = ``"<seq>:<hash>"`` up to date.

:func:`verify` recomputes the chain and reports the first broken row: an edited row (its hash no longer matches),
a deleted or inserted row (a gap in ``seq``, or a ``prev_hash`` that is not its predecessor's hash), reordered rows
(the same), and a deleted last row (``meta.audit_head`` names a row that is not the last). Value rows behind the
store's back: for every value row an audit row names (``rows``: table, key with the row's revision, sha256 of the
row as written), the *latest* audit row naming that key is the one that must hold; verify reads the row by its key
from the store's current content and recomputes its SHA-256 — a row changed with ``UPDATE observations …`` or
deleted is reported with the seq of the audit row that wrote it. The revision is part of the key, so a row is
never legitimately rewritten: a changed value is a new revision with its own audit row.

What it cannot see by itself: someone who rewrites the whole chain *and* ``meta.audit_head`` consistently (they
hold the file). The head printed by ``meili audit verify`` can be kept outside the machine (a report, a log
server) and compared later.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb

from meili.errors import Problem, Text
from meili.store.model import StoreError

__all__ = ["COLUMNS", "DDL", "GENESIS", "RESULTS", "VerifyResult", "append", "export", "read", "row_digest",
           "verify"]

GENESIS = "0" * 64
RESULTS = ("ok", "refused", "failed")
COLUMNS = ("seq", "at", "actor", "action", "target", "before", "after", "reason", "result", "source_ip", "rows",
           "prev_hash", "hash")
_SELECT = ", ".join(f'"{c}"' for c in COLUMNS)

DDL = f"""
CREATE TABLE audit_log (
    seq BIGINT PRIMARY KEY, "at" TIMESTAMP NOT NULL, actor VARCHAR NOT NULL, action VARCHAR NOT NULL,
    target VARCHAR, before JSON, after JSON, reason VARCHAR,
    result VARCHAR NOT NULL CHECK (result IN ({", ".join(f"'{r}'" for r in RESULTS)})),
    source_ip VARCHAR, "rows" JSON, prev_hash VARCHAR NOT NULL, hash VARCHAR NOT NULL
);
"""


def _plain(value: Any) -> Any:
    """A value as canonical JSON holds it (timestamps as ISO text, decimals as text, NaN as null)."""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        items = [_plain(v) for v in value]
        return sorted(items, key=str) if isinstance(value, set | frozenset) else items
    return value


def canonical(value: Any) -> str:
    """Canonical JSON text: keys sorted, no spaces, non-ASCII kept."""
    return json.dumps(_plain(value), sort_keys=True, ensure_ascii=False, separators=(",", ":"), allow_nan=False)


def _row_hash(fields: Mapping[str, Any]) -> str:
    body = {c: fields[c] for c in COLUMNS if c != "hash"}
    return hashlib.sha256(canonical(body).encode("utf-8")).hexdigest()


def row_digest(con: duckdb.DuckDBPyConnection, table: str, key: Mapping[str, Any]) -> str | None:
    """SHA-256 of the canonical JSON of the one row of ``table`` whose columns equal ``key`` (every column of
    the row, by name), or None when there is none (or more than one)."""
    where = " AND ".join(f'"{k}" IS NOT DISTINCT FROM ?' for k in key)
    cur = con.execute(f'SELECT * FROM "{table}" WHERE {where}', [_plain(v) if isinstance(v, Decimal) else v
                                                                 for v in key.values()])
    names = [d[0] for d in cur.description]
    found = cur.fetchmany(2)
    if len(found) != 1:
        return None
    return hashlib.sha256(canonical(dict(zip(names, found[0], strict=True))).encode("utf-8")).hexdigest()


def append(con: duckdb.DuckDBPyConnection, *, actor: str, action: str, target: str | None = None,
           before: Any = None, after: Any = None, reason: str | None = None, result: str = "ok",
           source_ip: str | None = None, rows: Sequence[tuple[str, Mapping[str, Any]]] = (),
           at: datetime | None = None) -> int:
    """Append one audit row in the caller's transaction (the caller holds the write cursor and commits); returns
    its ``seq``.

    ``before``/``after``: anything JSON can hold (stored as canonical JSON). ``rows``: the value rows this change
    wrote, as (table, key) — the key must name one row (for observations: plan, region, measure, year,
    revision); each row must already be written in this transaction, its SHA-256 is taken now."""
    if result not in RESULTS:
        raise StoreError(Problem("store", column="result", value=str(result), expected=" | ".join(RESULTS)))
    written = []
    for table, key in rows:
        digest = row_digest(con, table, key)
        if digest is None:
            raise StoreError(Problem("store", value=f"{table} {canonical(key)}", detail=Text(
                "审计记录指向的数值行不存在（应先写入数值行）",
                "the value row an audit entry names does not exist (write it before auditing it)")))
        written.append({"table": table, "key": _plain(dict(key)), "sha256": digest})
    last = con.execute("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1").fetchone()
    seq, prev = (last[0] + 1, last[1]) if last else (1, GENESIS)
    fields = {
        "seq": seq, "at": (at or datetime.now(UTC)).astimezone(UTC).replace(tzinfo=None), "actor": str(actor),
        "action": str(action), "target": None if target is None else str(target),
        "before": None if before is None else canonical(before),
        "after": None if after is None else canonical(after), "reason": reason, "result": result,
        "source_ip": source_ip, "rows": canonical(written) if written else None, "prev_hash": prev,
    }
    fields["hash"] = _row_hash(fields)
    con.execute(f"INSERT INTO audit_log ({_SELECT}) VALUES ({', '.join('?' * len(COLUMNS))})",
                [fields[c] for c in COLUMNS])
    con.execute("INSERT OR REPLACE INTO meta VALUES ('audit_head', ?)", [f"{seq}:{fields['hash']}"])
    return seq


@dataclass(frozen=True)
class VerifyResult:
    """What :func:`verify` found. ``ok``: the chain and every audited value row hold; ``rows``: audit rows read;
    ``first_broken_seq``: the seq of the first row that does not hold (None when ok, or when the break is
    after the last row); ``reason``: why, in both languages; ``head``: ``"<seq>:<hash>"`` of the last row;
    ``broken_row``: that row's fields (for printing)."""

    ok: bool
    rows: int
    first_broken_seq: int | None = None
    reason: Text | None = None
    head: str | None = None
    broken_row: dict | None = None


def read(con: duckdb.DuckDBPyConnection) -> list[dict]:
    """Every audit row, in ``seq`` order, as stored."""
    cur = con.execute(f"SELECT {_SELECT} FROM audit_log ORDER BY seq")
    return [dict(zip(COLUMNS, r, strict=True)) for r in cur.fetchall()]


def verify(con: duckdb.DuckDBPyConnection) -> VerifyResult:
    """Recompute the chain and the audited value rows' digests (see the module's doc); the first problem wins."""
    rows = read(con)
    head_row = con.execute("SELECT value FROM meta WHERE key = 'audit_head'").fetchone()
    head = f"{rows[-1]['seq']}:{rows[-1]['hash']}" if rows else None

    def broken(row: dict | None, zh: str, en: str) -> VerifyResult:
        return VerifyResult(False, len(rows), row["seq"] if row else None, Text(zh, en), head, row)

    prev = GENESIS
    for i, row in enumerate(rows, start=1):
        if row["seq"] != i:
            return broken(row, f"序号应为 {i}，实为 {row['seq']}（有行被删除、插入或重排）",
                          f"seq should be {i}, found {row['seq']} (a row was deleted, inserted or reordered)")
        if row["prev_hash"] != prev:
            return broken(row, "prev_hash 与前一行的哈希不符（有行被删除、插入或重排）",
                          "prev_hash does not match the previous row's hash (a row was deleted, inserted or "
                          "reordered)")
        if _row_hash(row) != row["hash"]:
            return broken(row, "该行内容与其哈希不符（被修改）", "the row's content does not match its hash (edited)")
        prev = row["hash"]
    expected_head = head_row[0] if head_row else None
    if expected_head != head:
        seq = expected_head.split(":")[0] if expected_head else "—"
        return broken(rows[-1] if rows else None,
                      f"日志头记录为第 {seq} 行，实际最后一行不同（末尾的行被删除或追加）",
                      f"the log's head names row {seq}, the last row is another (rows at the end deleted or "
                      "added)")
    latest: dict[tuple[str, str], tuple[dict, dict, str]] = {}
    for row in rows:
        for w in json.loads(row["rows"]) if row["rows"] else ():
            latest[(w["table"], canonical(w["key"]))] = (row, w["key"], w["sha256"])
    bad = []
    for (table, _), (row, key, digest) in latest.items():
        try:
            now = row_digest(con, table, key)
        except duckdb.Error:
            now = None
        if now != digest:
            bad.append((row["seq"], table, key, now))
    if bad:
        seq, table, key, now = min(bad, key=lambda b: b[0])
        row = rows[seq - 1]
        what = "不存在" if now is None else "已被改动"
        what_en = "is missing" if now is None else "was changed"
        return broken(row, f"{table} 中的数值行 {canonical(key)} {what}（未经 Meili 修改）；共 {len(bad)} 行",
                      f"value row {canonical(key)} of {table} {what_en} behind Meili's back; {len(bad)} rows "
                      "in all")
    return VerifyResult(True, len(rows), head=head)


def export(con: duckdb.DuckDBPyConnection, path: str | Path) -> int:
    """Write the audit log to ``path`` (CSV, XLSX, JSONL… by its suffix, through :mod:`meili.app.outputs` rules
    of the caller); returns the number of rows. Here: JSON Lines (``.jsonl``) or CSV (anything else)."""
    import csv

    rows = read(con)
    path = Path(path)
    if path.suffix.lower() in (".jsonl", ".ndjson"):
        with path.open("w", encoding="utf-8") as f:
            for r in rows:
                f.write(canonical(r) + "\n")
    else:
        with path.open("w", encoding="utf-8-sig", newline="") as f:
            w = csv.writer(f)
            w.writerow(COLUMNS)
            for r in rows:
                w.writerow(["" if r[c] is None else _plain(r[c]) for c in COLUMNS])
    return len(rows)
