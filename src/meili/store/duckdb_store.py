"""The DuckDB engine of the observation store: one file, its tables and views, one sequence.

``imports``       one row per write: id (from the sequence ``import_id_seq``), file and sha256 (lists, same order),
                  producer (command or program), actor (who), state (review: pending/approved/returned/rejected),
                  time, rows, new, revised, unchanged
``observations``  every revision ever written; rows are only inserted, never updated or deleted
``current_observations``  view: the latest revision per (plan, region, measure, year), with ``imported_at``
``results``       (v3) every revision of every recorded air/water result (:mod:`meili.store.results`), insert-only
``current_results``  view: the latest revision per (domain, scope, code, year, month, metric), with ``imported_at``
``releases``      (v3) one row per published release: number, created_at, actor, note, counts (JSON), digest,
                  data_digest; its rows are in ``release_<name>`` for each name of ``RELEASE_TABLES`` (column
                  ``release`` first). ``release_revisions`` is created with the schema; the others by the first
                  publish, from the columns of what they freeze (a later publish adds a new column, never drops one)
``audit_log``     (v4) the hash-chained audit log (:mod:`meili.store.audit`); ``meta.audit_head`` its last row
``users``, ``grants``  (v4) accounts and their roles (:mod:`meili.store.accounts`)
``periods``, ``submissions``, ``submission_values``, ``check_results``, ``queries``  (v4) the submission workflow
                  and what each state locks (:mod:`meili.store.workflow`); a write meeting a lock is refused
``meta``          ``schema_version`` (4); an older store is migrated when first opened, in one transaction

A write runs in one transaction: a failure (or a kill) before COMMIT leaves the file as it was. The class
implements :class:`meili.store.protocol.Store`. Connections are shared per process and per file
(:mod:`meili.store.duckdb_connection`: read-only for reads, upgraded to read-write for a write; one writer at a
time; reads go on during a write) and between processes a sidecar lock makes a process wait for the store instead of
failing (:mod:`meili.store.locking`).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from meili.errors import Problem, Text
from meili.store import accounts as _accounts
from meili.store import audit as _audit
from meili.store import workflow as _workflow
from meili.store.duckdb_connection import shared_database
from meili.store.locking import lock_timeout
from meili.store.model import IMPORT_STATES, OUTPUT_COLUMNS, ImportResult, Origin, StoreError, normalise_input
from meili.store.protocol import SCHEMA_VERSION
from meili.store.results import (
    RELEASE_ORDER,
    RELEASE_TABLES,
    RESULT_COLUMNS,
    RESULT_DOMAINS,
    RESULT_KEY,
    RESULT_SCOPES,
    VOLATILE_COLUMNS,
    normalise_results,
)

__all__ = ["SCHEMA_VERSION", "DuckDBStore"]

_STATES = ", ".join(f"'{s}'" for s in IMPORT_STATES)


def _imports_ddl(name: str = "imports") -> str:
    return f"""
CREATE TABLE {name} (
    id BIGINT PRIMARY KEY DEFAULT nextval('import_id_seq'), file VARCHAR[] NOT NULL, sha256 VARCHAR[] NOT NULL,
    producer VARCHAR NOT NULL, actor VARCHAR NOT NULL,
    state VARCHAR NOT NULL DEFAULT 'approved' CHECK (state IN ({_STATES})),
    time TIMESTAMPTZ NOT NULL, rows BIGINT NOT NULL, new BIGINT NOT NULL, revised BIGINT NOT NULL,
    unchanged BIGINT NOT NULL
);
"""


_VIEW = """
CREATE OR REPLACE VIEW current_observations AS
SELECT o.*, i.time AS imported_at
FROM observations o JOIN imports i ON o.import_id = i.id
QUALIFY row_number() OVER (PARTITION BY o.plan, o.region, o.measure, o.year ORDER BY o.revision DESC) = 1;
"""

_DDL_V2 = """
CREATE TABLE meta (key VARCHAR PRIMARY KEY, value VARCHAR);
CREATE SEQUENCE import_id_seq START 1;
""" + _imports_ddl() + """
CREATE TABLE observations (
    plan VARCHAR NOT NULL, region VARCHAR NOT NULL, measure VARCHAR NOT NULL, year INTEGER NOT NULL,
    revision INTEGER NOT NULL, value DOUBLE, state VARCHAR, unit VARCHAR, source VARCHAR, note VARCHAR,
    provisional BOOLEAN NOT NULL, import_id BIGINT NOT NULL, file VARCHAR, sheet VARCHAR, "row" BIGINT,
    PRIMARY KEY (plan, region, measure, year, revision)
);
""" + _VIEW

#: What schema version 3 adds: recorded results and releases.
_DDL_V3 = """
CREATE TABLE results (
    domain VARCHAR NOT NULL, scope VARCHAR NOT NULL, code VARCHAR NOT NULL, name VARCHAR, year INTEGER NOT NULL,
    month INTEGER CHECK (month BETWEEN 1 AND 12), metric VARCHAR NOT NULL, value DOUBLE, text VARCHAR, unit VARCHAR,
    standard VARCHAR, revision INTEGER NOT NULL, import_id BIGINT NOT NULL
);
CREATE VIEW current_results AS
SELECT r.*, i.time AS imported_at
FROM results r JOIN imports i ON r.import_id = i.id
QUALIFY row_number() OVER (PARTITION BY r.domain, r.scope, r.code, r.year, r.month, r.metric
                           ORDER BY r.revision DESC) = 1;
CREATE TABLE releases (
    number INTEGER PRIMARY KEY, created_at TIMESTAMPTZ NOT NULL, actor VARCHAR NOT NULL, note VARCHAR,
    counts VARCHAR NOT NULL, digest VARCHAR NOT NULL, data_digest VARCHAR NOT NULL
);
CREATE TABLE release_revisions (
    release INTEGER NOT NULL, "table" VARCHAR NOT NULL, key VARCHAR NOT NULL, old DOUBLE, new DOUBLE,
    old_text VARCHAR, new_text VARCHAR, reason VARCHAR, import_id BIGINT, date TIMESTAMPTZ
);
"""
#: What schema version 4 adds (#18): each module of the workflow registers its tables' DDL here, one line each.
_DDL_V4_PARTS: list[str] = [
    _audit.DDL,      # audit_log (meili.store.audit)
    _accounts.DDL,   # users, grants (meili.store.accounts)
    _workflow.DDL,   # periods, period_releases, submissions, submission_values, check_results, queries (meili.store.workflow)
]
_DDL_V4 = "".join(_DDL_V4_PARTS)
_DDL = _DDL_V2 + _DDL_V3 + _DDL_V4

# Two observations are the same when all they say is the same; provenance (file, sheet, row) does not count.
_SAME = " AND ".join(f"n.{c} IS NOT DISTINCT FROM c.{c}"
                     for c in ("value", "state", "unit", "source", "note", "provisional"))


def _filters(prefix: str = "", **kw) -> tuple[str, list]:
    clauses, params = [], []
    for col, val in kw.items():
        if val is None:
            continue
        clauses.append(f"{prefix}{col} = ?")
        params.append(int(val) if col == "year" else str(val))
    return (" WHERE " + " AND ".join(clauses)) if clauses else "", params


def _split_list(col: str) -> str:
    # Version 1 joined several names with ","; a name with a comma in it cannot be told apart any more.
    return f"list_filter(string_split(coalesce({col}, ''), ','), lambda x: x <> '')"


@contextmanager
def _transaction(con: duckdb.DuckDBPyConnection, commit: bool = True) -> Iterator[duckdb.DuckDBPyConnection]:
    """One transaction: committed when the block ends (rolled back instead when ``commit`` is false, as for a dry
    run); any error — or a kill — before COMMIT leaves the file as it was."""
    con.begin()
    try:
        yield con
    except BaseException:
        con.rollback()
        raise
    if commit:
        con.commit()
    else:
        con.rollback()


def _migrate(con: duckdb.DuckDBPyConnection, version: int) -> None:
    """Bring a store of schema ``version`` to :data:`SCHEMA_VERSION` in one transaction."""
    with _transaction(con):
        if version == 1:
            next_id = con.execute("SELECT coalesce(max(id), 0) + 1 FROM imports").fetchone()[0]
            con.execute(f"CREATE SEQUENCE import_id_seq START {int(next_id)}")
            con.execute(_imports_ddl("imports_v2"))
            con.execute(f"""
                INSERT INTO imports_v2 (id, file, sha256, producer, actor, state, time, rows, new, revised,
                                        unchanged)
                SELECT id, {_split_list('file')}, {_split_list('sha256')}, producer, 'unknown', 'approved', time,
                       rows, new, revised, unchanged
                FROM imports
            """)
            con.execute("DROP VIEW current_observations")
            con.execute("DROP TABLE imports")
            con.execute("ALTER TABLE imports_v2 RENAME TO imports")
            con.execute(_VIEW)
        if version <= 2:
            con.execute(_DDL_V3)
        if version <= 3:
            con.execute(_DDL_V4)
        con.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", [str(SCHEMA_VERSION)])


def _prepare(con: duckdb.DuckDBPyConnection, read_only: bool, path: Path) -> str:
    """Check the newly opened file ``path``: "ready", "empty" (no tables), or "migrate" (older schema, read-only)."""
    try:
        row = con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    except duckdb.CatalogException:
        if not con.execute("SELECT count(*) FROM duckdb_tables() WHERE NOT internal").fetchone()[0]:
            return "empty"
        row = None
    try:
        version = int(row[0])
    except (TypeError, ValueError):
        raise StoreError(Problem("store", file=str(path), detail=Text(
            "不是 Meili 数据库（没有 schema_version）", "not a Meili store (no schema_version)"))) from None
    if version > SCHEMA_VERSION:
        raise StoreError(Problem("store", file=str(path), value=str(version), detail=Text(
            f"数据库结构版本 {version} 比本程序支持的 {SCHEMA_VERSION} 新，请升级 Meili",
            f"the store's schema version {version} is newer than this Meili supports ({SCHEMA_VERSION}); "
            "upgrade Meili")))
    if version == SCHEMA_VERSION:
        return "ready"
    if read_only:
        return "migrate"
    _migrate(con, version)
    return "ready"


class DuckDBStore:
    """The DuckDB engine (:class:`meili.store.protocol.Store`).

    ``timeout``: seconds to wait for a store another process holds (None: ``$MEILI_LOCK_TIMEOUT``, else 60);
    ``on_wait(message)`` is called when a wait starts (and when the holder changes), e.g. to print it.
    """

    engine = "duckdb"

    def __init__(self, path: Path, timeout: float | None = None, on_wait: Callable[[str], None] | None = None):
        self.path = Path(path)
        self.timeout = timeout
        self.on_wait = on_wait

    def __repr__(self) -> str:
        return f"DuckDBStore({str(self.path)!r})"

    @property
    def _db(self):
        return shared_database(self.path, _prepare)

    @contextmanager
    def reading(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A DuckDB cursor on one consistent snapshot of the store, for queries (or an Ibis backend:
        ``ibis.duckdb.from_connection(cur)``); anything done through it is rolled back. Use it briefly: the file
        stays open (and a write of this process waits for it) until the block ends."""
        with self._db.reading(lock_timeout(self.timeout), self.on_wait) as cur:
            cur.begin()
            try:
                yield cur
            finally:
                cur.rollback()

    @contextmanager
    def writing(self, create: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        """A DuckDB cursor on the read-write connection, when this write's turn has come (the caller runs its own
        transaction)."""
        with self._db.writing(lock_timeout(self.timeout), self.on_wait, create=create) as cur:
            yield cur

    @contextmanager
    def transaction(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A cursor in one committed transaction, when this write's turn has come: everything written in the block
        commits together (an audit row with the change it records), or nothing does."""
        with self.writing() as con, _transaction(con):
            yield con

    def create(self) -> None:
        with self.writing(create=True) as con:
            if con.execute("SELECT count(*) FROM information_schema.tables").fetchone()[0]:
                raise StoreError(Problem("store", file=str(self.path), detail=Text(
                    "数据库已有表，不再创建", "the store already has tables; not creating it again")))
            with _transaction(con):
                con.execute(_DDL)
                con.execute("INSERT INTO meta VALUES ('schema_version', ?)", [str(SCHEMA_VERSION)])

    # --- writing -------------------------------------------------------------------------------------------
    def write(self, table: pa.Table, origin: Origin, dry_run: bool = False) -> ImportResult:
        incoming = normalise_input(table, origin)
        import_id = None
        with self.writing() as con:
            with _transaction(con, commit=not dry_run):
                con.register("_incoming_arrow", incoming)
                self._check_incoming(con, origin)
                counts = self._classify(con)
                _workflow.refuse_locked(con, origin.file or None)  # what a period or submission locks
                if not dry_run:  # a dry run takes no id from the sequence
                    import_id = self._insert_import(con, origin, incoming.num_rows, counts)
                    self._insert_observations(con, import_id)
        return ImportResult(
            import_id=import_id, rows=incoming.num_rows, new=counts["new"], revised=counts["revised"],
            unchanged=counts["unchanged"], dry_run=dry_run, files=origin.files,
        )

    @staticmethod
    def _check_incoming(con: duckdb.DuckDBPyConnection, origin: Origin) -> None:
        file = origin.file or None
        nulls = con.execute("""SELECT count(*) FROM _incoming_arrow WHERE plan IS NULL OR region IS NULL
                               OR measure IS NULL OR year IS NULL""").fetchone()[0]
        if nulls:
            raise StoreError(Problem("store", file=file, detail=Text(
                f"{nulls} 行缺少键", f"{nulls} rows lack plan, region, measure or year")))
        dupes = con.execute("""SELECT plan, region, measure, year, count(*) FROM _incoming_arrow
                               GROUP BY ALL HAVING count(*) > 1 LIMIT 5""").fetchall()
        if dupes:
            raise StoreError(Problem("store", file=file, detail=Text(
                f"一次写入中有重复的键：{dupes}", f"duplicate keys in one write: {dupes}")))

    @staticmethod
    def _classify(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
        con.execute(f"""
            CREATE TEMP TABLE _classified AS
            SELECT n.*, c.revision AS prev_revision,
                   CASE WHEN c.revision IS NULL THEN 'new' WHEN {_SAME} THEN 'unchanged' ELSE 'revised' END AS status
            FROM _incoming_arrow n
            LEFT JOIN (
                SELECT o.* FROM observations o
                SEMI JOIN _incoming_arrow k
                  ON o.plan = k.plan AND o.region = k.region AND o.measure = k.measure AND o.year = k.year
                QUALIFY row_number() OVER (PARTITION BY o.plan, o.region, o.measure, o.year
                                           ORDER BY o.revision DESC) = 1
            ) c ON n.plan = c.plan AND n.region = c.region AND n.measure = c.measure AND n.year = c.year
        """)
        counts = dict.fromkeys(("new", "revised", "unchanged"), 0)
        for status, n in con.execute("SELECT status, count(*) FROM _classified GROUP BY status").fetchall():
            counts[status] = n
        return counts

    @staticmethod
    def _insert_import(con: duckdb.DuckDBPyConnection, origin: Origin, rows: int, counts: dict[str, int]) -> int:
        return con.execute("""
            INSERT INTO imports (file, sha256, producer, actor, state, time, rows, new, revised, unchanged)
            VALUES (?::VARCHAR[], ?::VARCHAR[], ?, ?, 'approved', ?, ?, ?, ?, ?) RETURNING id
        """, [list(origin.files), list(origin.sha256s), origin.producer, origin.actor, origin.time, rows,
              counts["new"], counts["revised"], counts["unchanged"]]).fetchone()[0]

    @staticmethod
    def _insert_observations(con: duckdb.DuckDBPyConnection, import_id: int) -> None:
        con.execute("""
            INSERT INTO observations
            SELECT plan, region, measure, year, coalesce(prev_revision, 0) + 1, value, state, unit, source, note,
                   provisional, ?, file, sheet, "row"
            FROM _classified WHERE status <> 'unchanged'
        """, [import_id])

    # --- results -------------------------------------------------------------------------------------------
    def write_results(self, table: pa.Table, origin: Origin, dry_run: bool = False) -> ImportResult:
        """Record computed results in one transaction (see :mod:`meili.store.results`): a key never seen is
        revision 1, a changed one revision n+1, an identical one nothing; one row of ``imports`` says where they
        came from."""
        incoming = normalise_results(table, origin.file or None)
        import_id = None
        with self.writing() as con:
            with _transaction(con, commit=not dry_run):
                con.register("_incoming_results", incoming)
                self._check_results(con, origin)
                counts = self._classify_results(con)
                if not dry_run:
                    import_id = self._insert_import(con, origin, incoming.num_rows, counts)
                    con.execute(f"""
                        INSERT INTO results
                        SELECT {", ".join(_RESULT_INPUT)}, coalesce(prev_revision, 0) + 1, ?
                        FROM _classified_results WHERE status <> 'unchanged'
                    """, [import_id])
        return ImportResult(
            import_id=import_id, rows=incoming.num_rows, new=counts["new"], revised=counts["revised"],
            unchanged=counts["unchanged"], dry_run=dry_run, files=origin.files,
        )

    @staticmethod
    def _check_results(con: duckdb.DuckDBPyConnection, origin: Origin) -> None:
        file = origin.file or None
        nulls = con.execute("""SELECT count(*) FROM _incoming_results WHERE domain IS NULL OR scope IS NULL
                               OR code IS NULL OR year IS NULL OR metric IS NULL""").fetchone()[0]
        if nulls:
            raise StoreError(Problem("store", file=file, detail=Text(
                f"{nulls} 行缺少键", f"{nulls} rows lack domain, scope, code, year or metric")))
        bad = con.execute("""SELECT DISTINCT domain, scope FROM _incoming_results
                             WHERE domain NOT IN (SELECT unnest(?::VARCHAR[]))
                                OR scope NOT IN (SELECT unnest(?::VARCHAR[])) LIMIT 5""",
                          [list(RESULT_DOMAINS), list(RESULT_SCOPES)]).fetchall()
        if bad:
            raise StoreError(Problem("store", file=file, value=str(bad), detail=Text(
                "未知的结果领域或范围", "unknown result domain or scope"),
                expected=f"{'|'.join(RESULT_DOMAINS)}; {'|'.join(RESULT_SCOPES)}"))
        months = con.execute("SELECT count(*) FROM _incoming_results WHERE NOT month BETWEEN 1 AND 12").fetchone()[0]
        if months:
            raise StoreError(Problem("store", file=file, column="month", detail=Text(
                f"{months} 行月份不在 1–12", f"{months} rows have a month outside 1–12")))
        dupes = con.execute(f"""SELECT {", ".join(RESULT_KEY)}, count(*) FROM _incoming_results
                                GROUP BY ALL HAVING count(*) > 1 LIMIT 5""").fetchall()
        if dupes:
            raise StoreError(Problem("store", file=file, detail=Text(
                f"一次写入中有重复的键：{dupes}", f"duplicate keys in one write: {dupes}")))

    @staticmethod
    def _classify_results(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
        on = " AND ".join(f"{a}.{k} IS NOT DISTINCT FROM {b}.{k}" for k in RESULT_KEY for a, b in [("r", "k")])
        on_c = " AND ".join(f"n.{k} IS NOT DISTINCT FROM c.{k}" for k in RESULT_KEY)
        same = " AND ".join(f"n.{c} IS NOT DISTINCT FROM c.{c}" for c in ("name", "value", "text", "unit", "standard"))
        con.execute(f"""
            CREATE TEMP TABLE _classified_results AS
            SELECT n.*, c.revision AS prev_revision,
                   CASE WHEN c.revision IS NULL THEN 'new' WHEN {same} THEN 'unchanged' ELSE 'revised' END AS status
            FROM _incoming_results n
            LEFT JOIN (
                SELECT r.* FROM results r SEMI JOIN _incoming_results k ON {on}
                QUALIFY row_number() OVER (PARTITION BY {", ".join(f"r.{k}" for k in RESULT_KEY)}
                                           ORDER BY r.revision DESC) = 1
            ) c ON {on_c}
        """)
        counts = dict.fromkeys(("new", "revised", "unchanged"), 0)
        for status, n in con.execute("SELECT status, count(*) FROM _classified_results GROUP BY status").fetchall():
            counts[status] = n
        return counts

    def current_results(self, domain=None, scope=None, code=None, year=None) -> pa.Table:
        where, params = _filters(domain=domain, scope=scope, code=code, year=year)
        return self._query(f"SELECT {', '.join(_quoted(RESULT_COLUMNS))} FROM current_results{where} "
                           f"ORDER BY {', '.join(RESULT_KEY)}", params)

    def history_results(self, domain=None, scope=None, code=None, year=None) -> pa.Table:
        where, params = _filters("r.", domain=domain, scope=scope, code=code, year=year)
        cols = ", ".join("i.time AS imported_at" if c == "imported_at" else f'r."{c}"' for c in RESULT_COLUMNS)
        return self._query(f"SELECT {cols} FROM results r JOIN imports i ON r.import_id = i.id{where} "
                           f"ORDER BY {', '.join(f'r.{k}' for k in RESULT_KEY)}, r.revision", params)

    # --- releases ------------------------------------------------------------------------------------------
    def publish(self, build: Callable[[pa.Table, pa.Table], dict[str, pa.Table]], *, actor: str,
                note: str | None, time: Any,
                within: Callable[[duckdb.DuckDBPyConnection, int], None] | None = None) -> dict:
        """Publish the next release in one transaction, under the writer lock: freeze the current observations
        and results, the tables ``build(observations, results)`` returns (the other names of
        :data:`RELEASE_TABLES` but ``revisions``), and the revisions against the previous release; returns the
        new ``releases`` row. Any failure — or a kill — before COMMIT leaves no trace of it. ``within(con,
        number)`` runs in the same transaction (the workflow records the period's release and its audit row)."""
        with self.writing() as con:
            with _transaction(con):
                number = con.execute("SELECT coalesce(max(number), 0) + 1 FROM releases").fetchall()[0][0]
                observations = con.sql(f"SELECT {', '.join(_quoted(OUTPUT_COLUMNS))} FROM current_observations "
                                       "ORDER BY plan, region, measure, year").to_arrow_table()
                results = con.sql(f"SELECT {', '.join(_quoted(RESULT_COLUMNS))} FROM current_results "
                                  f"ORDER BY {', '.join(RESULT_KEY)}").to_arrow_table()
                tables = {"observations": observations, "results": results, **build(observations, results)}
                for name in RELEASE_TABLES:
                    if name != "revisions":
                        _freeze(con, name, number, tables[name])
                if number > 1:
                    _freeze_revisions(con, number)
                frozen = {name: _release_table(con, number, name) for name in RELEASE_TABLES}
                counts = {name: t.num_rows for name, t in frozen.items()}
                row = {"number": number, "created_at": time, "actor": actor, "note": note,
                       "counts": json.dumps(counts), "digest": release_digest(frozen),
                       "data_digest": release_digest(frozen, RELEASE_TABLES[:-1])}
                con.execute("INSERT INTO releases VALUES ($number, $created_at, $actor, $note, $counts, $digest, "
                            "$data_digest)", row)
                if within is not None:
                    within(con, number)
        return self.releases(number)[0]

    def releases(self, number: int | None = None) -> list[dict]:
        """The ``releases`` rows (oldest first), or the one numbered ``number`` (an empty list when none)."""
        where, params = ("WHERE number = ?", [int(number)]) if number is not None else ("", [])
        return self._query(f"SELECT * FROM releases {where} ORDER BY number", params).to_pylist()

    def release_table(self, number: int, name: str) -> pa.Table:
        """Table ``name`` of release ``number``, in its deterministic order (without the ``release`` column)."""
        with self.reading() as con:
            return _release_table(con, number, name)

    # --- reading -------------------------------------------------------------------------------------------
    def current(self, plan=None, region=None, measure=None, year=None) -> pa.Table:
        where, params = _filters(plan=plan, region=region, measure=measure, year=year)
        return self._query(f"SELECT {', '.join(_quoted(OUTPUT_COLUMNS))} FROM current_observations{where} "
                           "ORDER BY plan, region, measure, year", params)

    def history(self, plan=None, region=None, measure=None, year=None) -> pa.Table:
        where, params = _filters("o.", plan=plan, region=region, measure=measure, year=year)
        cols = ", ".join("i.time AS imported_at" if c == "imported_at" else f'o."{c}"' for c in OUTPUT_COLUMNS)
        return self._query(f"SELECT {cols} FROM observations o JOIN imports i ON o.import_id = i.id{where} "
                           "ORDER BY o.plan, o.region, o.measure, o.year, o.revision", params)

    def imports(self) -> pa.Table:
        return self._query("SELECT * FROM imports ORDER BY id", [])

    def counts(self) -> dict[str, int]:
        with self.reading() as con:
            return {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                    for t in ("imports", "observations", "results", "releases")}

    def query(self, sql: str, params: Sequence[Any] = ()) -> pa.Table:
        """A read-only query on one snapshot (see :class:`meili.store.protocol.Store`)."""
        return self._query(sql, list(params))

    def _query(self, sql: str, params: list) -> pa.Table:
        with self.reading() as con:
            return con.sql(sql, params=params).to_arrow_table()


def _quoted(cols) -> list[str]:
    return [f'"{c}"' for c in cols]


_RESULT_INPUT = _quoted(RESULT_COLUMNS[:-3])


def _table_exists(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    return bool(con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = ? AND NOT temporary",
                            [name]).fetchone()[0])


def _freeze(con: duckdb.DuckDBPyConnection, name: str, number: int, table: pa.Table) -> None:
    """Insert ``table`` as release ``number``'s rows of ``release_<name>`` (created by the first publish; a column
    it lacks is added, so an older release reads NULL there)."""
    if not table.num_columns:
        raise StoreError(Problem("store", value=name, detail=Text("发布的表没有列", "a released table has no columns")))
    target = f"release_{name}"
    con.register("_frozen", table)
    try:
        if not _table_exists(con, target):
            con.execute(f'CREATE TABLE "{target}" AS SELECT CAST(0 AS INTEGER) AS release, * FROM _frozen LIMIT 0')
        else:
            have = {r[0] for r in con.execute(f"DESCRIBE \"{target}\"").fetchall()}
            for col, dtype, *_ in con.execute("DESCRIBE _frozen").fetchall():
                if col not in have:
                    con.execute(f'ALTER TABLE "{target}" ADD COLUMN "{col}" {dtype}')
        con.execute(f'INSERT INTO "{target}" BY NAME SELECT CAST(? AS INTEGER) AS release, * FROM _frozen', [number])
    finally:
        con.unregister("_frozen")


def _json_key(alias: str, keys) -> str:
    return "to_json(struct_pack(" + ", ".join(f'"{k}" := {alias}."{k}"' for k in keys) + "))::VARCHAR"


def _freeze_revisions(con: duckdb.DuckDBPyConnection, number: int) -> None:
    """Every published number of release ``number`` that differs from release ``number - 1``: its key, the old and
    new value (text results: old_text, new_text), the producer of the import that made the new one, and when."""
    parts = []
    for name, keys, text in (("observations", RELEASE_ORDER["observations"], None), ("results", RESULT_KEY, "text")):
        on = " AND ".join(f'n."{k}" IS NOT DISTINCT FROM o."{k}"' for k in keys)
        changed = "n.value IS DISTINCT FROM o.value" + (f" OR n.{text} IS DISTINCT FROM o.{text}" if text else "")
        texts = f"o.{text}, n.{text}" if text else "NULL, NULL"
        parts.append(f"""
            SELECT {number}, '{name}', {_json_key("n", keys)}, o.value, n.value, {texts}, i.producer, n.import_id,
                   n.imported_at
            FROM release_{name} n JOIN release_{name} o ON o.release = {number - 1} AND {on}
            LEFT JOIN imports i ON i.id = n.import_id
            WHERE n.release = {number} AND ({changed})""")
    con.execute("INSERT INTO release_revisions " + " UNION ALL ".join(parts))


def _release_table(con: duckdb.DuckDBPyConnection, number: int, name: str) -> pa.Table:
    if name not in RELEASE_TABLES:
        raise StoreError(Problem("store", value=name, detail=Text("没有这种发布表", "no such release table"),
                                 expected=", ".join(RELEASE_TABLES)))
    target = f"release_{name}"
    if not _table_exists(con, target):
        return pa.table({})
    cols = [r[0] for r in con.execute(f'DESCRIBE "{target}"').fetchall() if r[0] != "release"]
    keys = [k for k in RELEASE_ORDER[name] if k in cols]
    order = ", ".join(_quoted(keys + [c for c in cols if c not in keys]))
    return con.sql(f'SELECT {", ".join(_quoted(cols))} FROM "{target}" WHERE release = ? ORDER BY {order}',
                   params=[int(number)]).to_arrow_table()


def release_digest(tables: dict[str, pa.Table], names=RELEASE_TABLES) -> str:
    """SHA-256 over ``names``' tables in that order, each as its name and its rows in CSV (in the tables' own
    deterministic order), leaving out :data:`VOLATILE_COLUMNS`: two workspaces holding the same content give the
    same digest, whenever and by whom they were imported or published."""
    import hashlib
    import io

    import pyarrow.csv as pacsv

    h = hashlib.sha256()
    for name in names:
        t = tables[name]
        t = t.drop_columns([c for c in VOLATILE_COLUMNS if c in t.column_names])
        buf = io.BytesIO()
        pacsv.write_csv(t, buf)
        h.update(f"\n[{name}]\n".encode())
        h.update(buf.getvalue())
    return h.hexdigest()
