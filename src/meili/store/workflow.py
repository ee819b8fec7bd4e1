"""The submission workflow's tables and the rules of what each state locks, enforced here, below every front door.

``periods``            one row per reporting year: ``state`` planned → open → closed → finalized (定库) → published,
                       ``opens``/``closes`` (dates), ``release`` (the release that published it), ``revision`` (how
                       often a published period was re-opened); ``period_releases`` keeps every release of a year
``submissions``        one row per (year, unit): ``state`` draft → submitted → approved, or returned (with a reason);
                       ``version`` (optimistic concurrency: every change adds one), who submitted and approved
                       (``CHECK approved_by <> submitted_by``), the import written by the approval
``submission_values``  the drafts: one row per (year, unit, region, measure) — a value or a state, or a
                       ``missing_reason``, with the reporter's ``explanation``
``check_results``      every check run on save, submit and approve, with the explanation given and whether it was
                       accepted (insert-only; ids numbered under the writer lock, no sequence)
``queries``            a reviewer's question on a cell, the unit's answer, closed by the reviewer

Every function here takes the caller's cursor and runs inside the caller's transaction (the change, its audit row
and, for an approval, the observations are one transaction). The locks are checked by the functions that write:

- :func:`write_values` refuses unless the period is ``open`` and the submission ``draft`` or ``returned``, and its
  version is the one the caller saw (:class:`ConflictError` otherwise — 409 on the web);
- :func:`set_submission_state` allows only the transitions of :data:`TRANSITIONS`, each in the period states listed
  there, and never an approver who submitted;
- :func:`locked_rows` tells :meth:`DuckDBStore.write <meili.store.duckdb_store.DuckDBStore.write>` which incoming
  observations fall in a finalized or published period, or in a unit's submitted or approved cells: a plain import
  may not change them behind the workflow's back.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import duckdb

from meili.errors import Problem, Text
from meili.store.model import StoreError

PERIOD_STATES = ("planned", "open", "closed", "finalized", "published")
SUBMISSION_STATES = ("draft", "submitted", "approved", "returned")
QUERY_STATES = ("open", "answered", "closed")
CHECK_STAGES = ("save", "submit", "approve")

#: (from, to) → the period states in which the move is allowed.
TRANSITIONS: dict[tuple[str, str], tuple[str, ...]] = {
    ("draft", "submitted"): ("open",),        # submit
    ("returned", "submitted"): ("open", "closed"),  # resubmit what the reviewer returned (also after closing)
    ("submitted", "draft"): ("open",),        # withdraw before review
    ("submitted", "approved"): ("open", "closed"),
    ("submitted", "returned"): ("open", "closed"),
    ("approved", "submitted"): ("open", "closed"),  # unapprove, before 定库
}
#: Submission states whose drafts may be written, and period states in which values may be written.
EDITABLE = ("draft", "returned")
ENTRY_PERIOD = ("open",)
#: Period moves: (from, to) of open, close, finalize, publish and revise.
PERIOD_MOVES: dict[str, tuple[tuple[str | None, ...], str]] = {
    "open": ((None, "planned", "closed"), "open"),
    "close": (("open",), "closed"),
    "finalize": (("closed",), "finalized"),
    "publish": (("finalized",), "published"),
    "revise": (("published",), "open"),
}

_STATES = {name: ", ".join(f"'{s}'" for s in states) for name, states in
           (("period", PERIOD_STATES), ("submission", SUBMISSION_STATES), ("query", QUERY_STATES),
            ("stage", CHECK_STAGES))}

#: The tables of the workflow (schema version 4).
DDL = f"""
CREATE TABLE periods (
    year INTEGER PRIMARY KEY, plan VARCHAR NOT NULL,
    state VARCHAR NOT NULL CHECK (state IN ({_STATES["period"]})),
    opens DATE, closes DATE, release INTEGER, revision INTEGER NOT NULL DEFAULT 0,
    updated_by VARCHAR NOT NULL, updated_at TIMESTAMPTZ NOT NULL
);
CREATE TABLE period_releases (
    year INTEGER NOT NULL, revision INTEGER NOT NULL, release INTEGER NOT NULL, published_by VARCHAR NOT NULL,
    published_at TIMESTAMPTZ NOT NULL, PRIMARY KEY (year, release)
);
CREATE TABLE submissions (
    year INTEGER NOT NULL, unit VARCHAR NOT NULL,
    state VARCHAR NOT NULL CHECK (state IN ({_STATES["submission"]})),
    version INTEGER NOT NULL, submitted_by VARCHAR, submitted_at TIMESTAMPTZ, approved_by VARCHAR,
    approved_at TIMESTAMPTZ, returned_by VARCHAR, returned_at TIMESTAMPTZ, reason VARCHAR, import_id BIGINT,
    updated_by VARCHAR NOT NULL, updated_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (year, unit),
    CHECK (approved_by IS NULL OR submitted_by IS NULL OR approved_by <> submitted_by)
);
CREATE TABLE submission_values (
    year INTEGER NOT NULL, unit VARCHAR NOT NULL, region VARCHAR NOT NULL, measure VARCHAR NOT NULL,
    value DOUBLE, state VARCHAR, missing_reason VARCHAR, explanation VARCHAR, note VARCHAR,
    updated_by VARCHAR NOT NULL, updated_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (year, unit, region, measure),
    CHECK ((value IS NOT NULL)::INTEGER + (state IS NOT NULL)::INTEGER + (missing_reason IS NOT NULL)::INTEGER = 1)
);
CREATE TABLE check_results (
    id BIGINT PRIMARY KEY, year INTEGER NOT NULL, unit VARCHAR NOT NULL,
    region VARCHAR, measure VARCHAR, stage VARCHAR NOT NULL CHECK (stage IN ({_STATES["stage"]})),
    rule VARCHAR NOT NULL, severity VARCHAR NOT NULL CHECK (severity IN ('hard', 'soft')), value VARCHAR,
    detail_zh VARCHAR, detail_en VARCHAR, explanation VARCHAR, accepted BOOLEAN NOT NULL,
    actor VARCHAR NOT NULL, time TIMESTAMPTZ NOT NULL
);
CREATE TABLE queries (
    id BIGINT PRIMARY KEY, year INTEGER NOT NULL, unit VARCHAR NOT NULL,
    region VARCHAR NOT NULL, measure VARCHAR NOT NULL,
    state VARCHAR NOT NULL CHECK (state IN ({_STATES["query"]})),
    question VARCHAR NOT NULL, raised_by VARCHAR NOT NULL, raised_at TIMESTAMPTZ NOT NULL,
    answer VARCHAR, answered_by VARCHAR, answered_at TIMESTAMPTZ, closed_by VARCHAR, closed_at TIMESTAMPTZ
);
"""
TABLES = ("periods", "period_releases", "submissions", "submission_values", "check_results", "queries")


class LockedError(StoreError):
    """A write the state of a period or submission does not allow (values of a submitted submission, a closed
    period …)."""

    kind = "locked"


class ConflictError(StoreError):
    """A write based on a version that is no longer the current one (someone saved in between): 409 on the web."""

    kind = "version_conflict"


def _one(con: duckdb.DuckDBPyConnection, sql: str, params: list) -> dict | None:
    cur = con.execute(sql, params)
    row = cur.fetchone()
    if row is None:
        return None
    return dict(zip([d[0] for d in cur.description], row, strict=True))


def _all(con: duckdb.DuckDBPyConnection, sql: str, params: list) -> list[dict]:
    cur = con.execute(sql, params)
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, r, strict=True)) for r in cur.fetchall()]


# --- periods -----------------------------------------------------------------------------------------------
def period(con: duckdb.DuckDBPyConnection, year: int) -> dict | None:
    return _one(con, "SELECT * FROM periods WHERE year = ?", [int(year)])


def periods(con: duckdb.DuckDBPyConnection) -> list[dict]:
    return _all(con, "SELECT * FROM periods ORDER BY year", [])


def move_period(con: duckdb.DuckDBPyConnection, year: int, move: str, *, actor: str, time: datetime,
                plan: str | None = None, opens: date | None = None, closes: date | None = None,
                release: int | None = None) -> tuple[dict | None, dict]:
    """Move the period of ``year`` (``move``: a key of :data:`PERIOD_MOVES`); returns (before, after).

    ``finalize`` is refused while a submission of the year awaits review (``submitted``) or has an open query;
    ``publish`` needs ``release`` and records it in ``period_releases``; ``revise`` re-opens with revision + 1."""
    sources, target = PERIOD_MOVES[move]
    before = period(con, year)
    state = before["state"] if before else None
    if state not in sources:
        raise LockedError(Problem("wrong_state", column="period", value=f"{year}: {state or '—'}", detail=Text(
            f"{year} 年填报期处于“{_zh(state)}”状态，不能{_MOVE_ZH[move]}",
            f"the {year} period is {state or 'not created'}; it cannot be {_MOVE_EN[move]}"),
            expected=" | ".join(s or "—" for s in sources)))
    if move == "finalize":
        waiting = con.execute("""SELECT list(unit ORDER BY unit) FROM submissions WHERE year = ? AND state = 'submitted'
                              """, [int(year)]).fetchone()[0] or []
        asked = con.execute("""SELECT list(DISTINCT unit ORDER BY unit) FROM queries
                               WHERE year = ? AND state <> 'closed'""", [int(year)]).fetchone()[0] or []
        if waiting or asked:
            raise LockedError(Problem("wrong_state", column="period", value=str(year), detail=Text(
                f"尚有待审核的报送（{'、'.join(waiting) or '无'}）或未关闭的质询（{'、'.join(asked) or '无'}），不能定库",
                f"submissions await review ({', '.join(waiting) or 'none'}) or queries are open "
                f"({', '.join(asked) or 'none'}); the period cannot be finalized")))
    if before is None:
        con.execute("""INSERT INTO periods (year, plan, state, opens, closes, revision, updated_by, updated_at)
                       VALUES (?, ?, ?, ?, ?, 0, ?, ?)""",
                    [int(year), plan or "ganzhou", target, opens, closes, actor, time])
    else:
        con.execute("""UPDATE periods SET state = ?, opens = coalesce(?, opens), closes = coalesce(?, closes),
                              plan = coalesce(?, plan), release = coalesce(?, release),
                              revision = revision + ?, updated_by = ?, updated_at = ?
                       WHERE year = ?""",
                    [target, opens, closes, plan, release, 1 if move == "revise" else 0, actor, time, int(year)])
    after = period(con, year)
    if move == "publish":
        if release is None:
            raise StoreError(Problem("store", detail=Text("发布需要发布号", "publishing needs a release number")))
        con.execute("INSERT INTO period_releases VALUES (?, ?, ?, ?, ?)",
                    [int(year), after["revision"], int(release), actor, time])
    return before, after


_MOVE_ZH = {"open": "开启", "close": "截止", "finalize": "定库", "publish": "发布", "revise": "重新开启修订"}
_MOVE_EN = {"open": "opened", "close": "closed", "finalize": "finalized", "publish": "published",
            "revise": "re-opened for a revision"}
_STATE_ZH = {None: "未创建", "planned": "计划中", "open": "填报中", "closed": "已截止", "finalized": "已定库",
             "published": "已发布", "draft": "草稿", "submitted": "已报送", "approved": "已审核通过",
             "returned": "已退回", "answered": "已回复"}


def _zh(state: str | None) -> str:
    return _STATE_ZH.get(state, state or "")


def period_releases(con: duckdb.DuckDBPyConnection, year: int | None = None) -> list[dict]:
    where, params = ("WHERE year = ?", [int(year)]) if year is not None else ("", [])
    return _all(con, f"SELECT * FROM period_releases {where} ORDER BY year, release", params)


def require_period(con: duckdb.DuckDBPyConnection, year: int) -> dict:
    p = period(con, year)
    if p is None:
        raise LockedError(Problem("wrong_state", column="period", value=str(year), detail=Text(
            f"{year} 年填报期尚未开启", f"the {year} reporting period has not been opened")))
    return p


# --- submissions -------------------------------------------------------------------------------------------
def submission(con: duckdb.DuckDBPyConnection, year: int, unit: str) -> dict:
    """The submission of ``unit`` for ``year``; one never saved is a draft of version 0 (not stored)."""
    row = _one(con, "SELECT * FROM submissions WHERE year = ? AND unit = ?", [int(year), str(unit)])
    if row is None:
        row = {"year": int(year), "unit": str(unit), "state": "draft", "version": 0, "submitted_by": None,
               "submitted_at": None, "approved_by": None, "approved_at": None, "returned_by": None,
               "returned_at": None, "reason": None, "import_id": None, "updated_by": None, "updated_at": None}
    return row


def check_version(sub: dict, expected_version: int | None) -> None:
    """Refuse (:class:`ConflictError`) a change made on ``expected_version`` of a submission now at another one."""
    if expected_version is not None and int(expected_version) != sub["version"]:
        raise ConflictError(Problem("version_conflict", column="version", value=str(expected_version), detail=Text(
            f"{sub['unit']} 的 {sub['year']} 年报送已被他人修改（当前版本 {sub['version']}），请刷新后重试",
            f"the {sub['year']} submission of {sub['unit']} was changed meanwhile (now version {sub['version']}); "
            "reload and try again"), expected=str(sub["version"])))


def _bump(con: duckdb.DuckDBPyConnection, sub: dict, actor: str, time: datetime) -> int:
    """Add one to the submission's version (creating its row as a draft); returns the new version."""
    version = sub["version"] + 1
    if sub["updated_by"] is None:
        con.execute("""INSERT INTO submissions (year, unit, state, version, updated_by, updated_at)
                       VALUES (?, ?, 'draft', ?, ?, ?)""", [sub["year"], sub["unit"], version, actor, time])
    else:
        con.execute("UPDATE submissions SET version = ?, updated_by = ?, updated_at = ? WHERE year = ? AND unit = ?",
                    [version, actor, time, sub["year"], sub["unit"]])
    return version


VALUE_COLUMNS = ("region", "measure", "value", "state", "missing_reason", "explanation", "note")


def values(con: duckdb.DuckDBPyConnection, year: int, unit: str) -> list[dict]:
    return _all(con, f"""SELECT {", ".join(VALUE_COLUMNS)}, updated_by, updated_at FROM submission_values
                         WHERE year = ? AND unit = ? ORDER BY region, measure""", [int(year), str(unit)])


def write_values(con: duckdb.DuckDBPyConnection, year: int, unit: str, rows: list[dict], *,
                 expected_version: int | None, actor: str, time: datetime) -> tuple[list[dict], int]:
    """Write draft values of ``unit`` (each row: the :data:`VALUE_COLUMNS`; a row with neither value, state nor
    missing reason removes the cell's draft). Refused unless the period is open, the submission editable and
    ``expected_version`` the current version. Returns (the rows replaced, the new version)."""
    p = require_period(con, year)
    sub = submission(con, year, unit)
    if p["state"] not in ENTRY_PERIOD:
        raise LockedError(Problem("locked", column="period", value=f"{year}: {p['state']}", detail=Text(
            f"{year} 年填报期“{_zh(p['state'])}”，数值已锁定", f"the {year} period is {p['state']}: values are locked"),
            expected="open"))
    if sub["state"] not in EDITABLE:
        raise LockedError(Problem("locked", column="submission", value=f"{unit}: {sub['state']}", detail=Text(
            f"{unit} 的报送“{_zh(sub['state'])}”，数值已锁定（先撤回或由审核人退回）",
            f"the submission of {unit} is {sub['state']}: its values are locked (withdraw it, or have it returned)"),
            expected=" | ".join(EDITABLE)))
    check_version(sub, expected_version)
    keys = {(r["region"], r["measure"]) for r in rows}
    before = [v for v in values(con, year, unit) if (v["region"], v["measure"]) in keys]
    # set-based (two statements whatever the number of cells): one save is one short write-lock turn
    con.execute("""DELETE FROM submission_values WHERE year = ? AND unit = ?
                   AND (region, measure) IN (SELECT (unnest(?::VARCHAR[]), unnest(?::VARCHAR[])))""",
                [int(year), unit, [k[0] for k in keys], [k[1] for k in keys]])
    kept = [r for r in rows if not (r.get("value") is None and r.get("state") is None
                                    and r.get("missing_reason") is None)]
    if kept:
        columns = {c: [r.get(c) for r in kept] for c in VALUE_COLUMNS}
        con.execute("""INSERT INTO submission_values (year, unit, region, measure, value, state, missing_reason,
                                                      explanation, note, updated_by, updated_at)
                       SELECT ?, ?, unnest(?::VARCHAR[]), unnest(?::VARCHAR[]), unnest(?::DOUBLE[]),
                              unnest(?::VARCHAR[]), unnest(?::VARCHAR[]), unnest(?::VARCHAR[]),
                              unnest(?::VARCHAR[]), ?, ?""",
                    [int(year), unit, *columns.values(), actor, time])
    return before, _bump(con, sub, actor, time)


def set_submission_state(con: duckdb.DuckDBPyConnection, year: int, unit: str, to: str, *, actor: str,
                         time: datetime, expected_version: int | None = None, reason: str | None = None,
                         import_id: int | None = None) -> tuple[dict, dict]:
    """Move a submission to ``to`` if :data:`TRANSITIONS` allows it in the period's state; returns (before, after).

    An approval by the person who submitted is refused (also by the table's CHECK)."""
    p = require_period(con, year)
    sub = submission(con, year, unit)
    allowed = TRANSITIONS.get((sub["state"], to))
    if allowed is None or p["state"] not in allowed:
        why_zh = (f"填报期“{_zh(p['state'])}”" if allowed is not None else f"报送“{_zh(sub['state'])}”")
        raise LockedError(Problem("wrong_state", column="submission", value=f"{unit}: {sub['state']}", detail=Text(
            f"{why_zh}，不能改为“{_zh(to)}”",
            f"the submission is {sub['state']} and the period {p['state']}: it cannot become {to}"),
            expected=" | ".join(f"{a} → {b}" for (a, b) in TRANSITIONS if b == to)))
    check_version(sub, expected_version)
    if to == "approved" and sub["submitted_by"] == actor:
        raise LockedError(Problem("same_person", column="approved_by", value=actor, detail=Text(
            "报送人不能审核通过自己报送的数据", "the person who submitted cannot approve the same submission")))
    version = _bump(con, sub, actor, time)
    sets: dict[str, Any] = {"state": to}
    if to == "submitted":
        sets |= {"submitted_by": actor, "submitted_at": time, "approved_by": None, "approved_at": None}
        if sub["state"] == "approved":  # unapproval: who submitted stays who submitted
            sets |= {"submitted_by": sub["submitted_by"], "submitted_at": sub["submitted_at"], "reason": reason}
    elif to == "approved":
        sets |= {"approved_by": actor, "approved_at": time, "import_id": import_id, "reason": None}
    elif to == "returned":
        sets |= {"returned_by": actor, "returned_at": time, "reason": reason}
    elif to == "draft":
        sets |= {"submitted_by": None, "submitted_at": None}
    assign = ", ".join(f"{k} = ?" for k in sets)
    con.execute(f"UPDATE submissions SET {assign} WHERE year = ? AND unit = ?",
                [*sets.values(), int(year), unit])
    after = submission(con, year, unit)
    assert after["version"] == version
    return sub, after


def submissions(con: duckdb.DuckDBPyConnection, year: int | None = None) -> list[dict]:
    where, params = ("WHERE year = ?", [int(year)]) if year is not None else ("", [])
    return _all(con, f"SELECT * FROM submissions {where} ORDER BY year, unit", params)


# --- checks and queries ------------------------------------------------------------------------------------
CHECK_COLUMNS = ("region", "measure", "rule", "severity", "value", "detail_zh", "detail_en", "explanation",
                 "accepted")


def add_check_results(con: duckdb.DuckDBPyConnection, year: int, unit: str, stage: str, rows: list[dict], *,
                      actor: str, time: datetime) -> None:
    if not rows:
        return
    types = {"accepted": "BOOLEAN"}
    lists = ", ".join(f"unnest(?::{types.get(c, 'VARCHAR')}[]) AS {c}" for c in CHECK_COLUMNS)
    columns = [[r.get(c) if c == "accepted" or r.get(c) is None else str(r.get(c)) for r in rows]
               for c in CHECK_COLUMNS]
    # one statement for all rows; ids continue the table's in the rows' order
    con.execute(f"""INSERT INTO check_results (id, year, unit, stage, {", ".join(CHECK_COLUMNS)}, actor, time)
                    SELECT (SELECT coalesce(max(id), 0) FROM check_results) + row_number() OVER (ORDER BY n),
                           ?, ?, ?, {", ".join(CHECK_COLUMNS)}, ?, ?
                    FROM (SELECT unnest(?::BIGINT[]) AS n, {lists})""",
                [int(year), unit, stage, actor, time, list(range(len(rows))), *columns])


def query(con: duckdb.DuckDBPyConnection, query_id: int) -> dict:
    q = _one(con, "SELECT * FROM queries WHERE id = ?", [int(query_id)])
    if q is None:
        from meili.errors import NotFoundError

        raise NotFoundError(Problem("not_found", column="query", value=str(query_id), detail=Text(
            "没有这个质询", "no such query")))
    return q


def raise_query(con: duckdb.DuckDBPyConnection, year: int, unit: str, region: str, measure: str, question: str, *,
                actor: str, time: datetime) -> dict:
    p = require_period(con, year)
    if p["state"] not in ("open", "closed"):
        raise LockedError(Problem("locked", column="period", value=f"{year}: {p['state']}", detail=Text(
            f"{year} 年填报期“{_zh(p['state'])}”，不能再提出质询",
            f"the {year} period is {p['state']}: no new queries")))
    qid = con.execute("""INSERT INTO queries (id, year, unit, region, measure, state, question, raised_by, raised_at)
                         SELECT (SELECT coalesce(max(id), 0) + 1 FROM queries), ?, ?, ?, ?, 'open', ?, ?, ?
                         RETURNING id""",
                      [int(year), unit, region, measure, question, actor, time]).fetchone()[0]
    return query(con, qid)


def move_query(con: duckdb.DuckDBPyConnection, query_id: int, to: str, *, actor: str, time: datetime,
               answer: str | None = None) -> tuple[dict, dict]:
    """Answer (open|answered → answered) or close (open|answered → closed) a query; returns (before, after)."""
    before = query(con, query_id)
    if before["state"] == "closed":
        raise LockedError(Problem("wrong_state", column="query", value=str(query_id), detail=Text(
            "质询已关闭", "the query is closed")))
    if to == "answered":
        con.execute("UPDATE queries SET state = 'answered', answer = ?, answered_by = ?, answered_at = ? WHERE id = ?",
                    [answer, actor, time, int(query_id)])
    else:
        con.execute("UPDATE queries SET state = 'closed', closed_by = ?, closed_at = ? WHERE id = ?",
                    [actor, time, int(query_id)])
    return before, query(con, query_id)


def open_queries(con: duckdb.DuckDBPyConnection, year: int, unit: str) -> list[dict]:
    return _all(con, "SELECT * FROM queries WHERE year = ? AND unit = ? AND state <> 'closed' ORDER BY id",
                [int(year), unit])


# --- observations: the approval's write, and the locks a plain import meets ---------------------------------
def write_observations(con: duckdb.DuckDBPyConnection, table, origin) -> Any:
    """Write validated observations inside the caller's transaction, with the store's own revision rule and one
    ``imports`` row (state ``approved``): what :meth:`DuckDBStore.write` does, for an approval."""
    from meili.store.duckdb_store import DuckDBStore
    from meili.store.model import ImportResult, normalise_input

    incoming = normalise_input(table, origin)
    con.register("_incoming_arrow", incoming)
    try:
        DuckDBStore._check_incoming(con, origin)
        counts = DuckDBStore._classify(con)
        import_id = DuckDBStore._insert_import(con, origin, incoming.num_rows, counts)
        DuckDBStore._insert_observations(con, import_id)
        con.execute("DROP TABLE _classified")
    finally:
        con.unregister("_incoming_arrow")
    return ImportResult(import_id=import_id, rows=incoming.num_rows, new=counts["new"], revised=counts["revised"],
                        unchanged=counts["unchanged"], files=origin.files)


def locked_rows(con: duckdb.DuckDBPyConnection, classified: str = "_classified") -> list[tuple]:
    """Changed rows of ``classified`` (the store's classified incoming observations) that a plain write may not
    make: their year's period is finalized or published, or their cell is a draft of a submitted or approved
    submission (a unit's values change only through the workflow). At most 5, as (region, measure, year, why)."""
    return con.execute(f"""
        SELECT c.region, c.measure, c.year,
               CASE WHEN p.state IN ('finalized', 'published') THEN 'period ' || p.state
                    ELSE 'submission ' || s.unit || ' ' || s.state END
        FROM {classified} c
        LEFT JOIN periods p ON p.year = c.year AND p.state IN ('finalized', 'published')
        LEFT JOIN submission_values v ON v.year = c.year AND v.region = c.region AND v.measure = c.measure
        LEFT JOIN submissions s ON s.year = v.year AND s.unit = v.unit AND s.state IN ('submitted', 'approved')
        WHERE c.status <> 'unchanged' AND (p.year IS NOT NULL OR s.unit IS NOT NULL)
        ORDER BY c.year, c.region, c.measure LIMIT 5
    """).fetchall()


def refuse_locked(con: duckdb.DuckDBPyConnection, origin_file: str | None) -> None:
    """Raise :class:`LockedError` when :func:`locked_rows` finds any (the caller rolls back)."""
    rows = locked_rows(con)
    if rows:
        shown = "; ".join(f"{r} {m} {y} ({why})" for r, m, y, why in rows)
        raise LockedError(Problem("locked", file=origin_file, value=shown, detail=Text(
            "这些数值属于已定库或已发布的填报期，或属于已报送、已审核的报送，只能通过报送审核流程修改",
            "these values belong to a finalized or published period, or to a submitted or approved submission; "
            "they change only through the submission workflow")))
