"""The DuckDB engine of the observation store: one file, two tables, one view.

``imports``       one row per write (id, file, sha256, producer, time, rows, new, revised, unchanged)
``observations``  every revision ever written; rows are only inserted, never updated or deleted
``current_observations``  view: the latest revision per (plan, region, measure, year), with ``imported_at``

A write runs in one transaction: a failure (or a kill) before COMMIT leaves the file as it was.
Another engine implements the same methods (``create``, ``write``, ``current``, ``history``, ``imports``).
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pyarrow as pa

from meili.store.model import OUTPUT_COLUMNS, ImportResult, Origin, StoreError, normalise_input

SCHEMA_VERSION = 1

_DDL = """
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
"""

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


class DuckDBStore:
    engine = "duckdb"

    def __init__(self, path: Path):
        self.path = Path(path)

    def connect(self, read_only: bool = False) -> duckdb.DuckDBPyConnection:
        try:
            con = duckdb.connect(str(self.path), read_only=read_only)
        except duckdb.Error as e:
            raise StoreError(f"无法打开数据库 / cannot open the store {self.path}: {e}") from None
        con.execute("SET enable_progress_bar = false")
        return con

    def create(self) -> None:
        con = self.connect()
        try:
            con.execute(_DDL)
            con.execute("INSERT INTO meta VALUES ('schema_version', ?)", [str(SCHEMA_VERSION)])
        finally:
            con.close()

    # --- writing -------------------------------------------------------------------------------------------
    def write(self, table: pa.Table, origin: Origin, dry_run: bool = False) -> ImportResult:
        incoming = normalise_input(table, origin)
        con = self.connect()
        try:
            con.begin()
            try:
                con.register("_incoming_arrow", incoming)
                self._check_incoming(con)
                counts = self._classify(con)
                import_id = self._insert_import(con, origin, incoming.num_rows, counts)
                self._insert_observations(con, import_id)
            except BaseException:
                con.rollback()
                raise
            if dry_run:
                con.rollback()
            else:
                con.commit()
        finally:
            con.close()
        return ImportResult(
            import_id=None if dry_run else import_id, rows=incoming.num_rows, new=counts["new"],
            revised=counts["revised"], unchanged=counts["unchanged"], dry_run=dry_run,
            files=tuple(f for f in origin.file.split(",") if f),
        )

    @staticmethod
    def _check_incoming(con: duckdb.DuckDBPyConnection) -> None:
        nulls = con.execute("""SELECT count(*) FROM _incoming_arrow WHERE plan IS NULL OR region IS NULL
                               OR measure IS NULL OR year IS NULL""").fetchone()[0]
        if nulls:
            raise StoreError(f"{nulls} 行缺少键 / rows lack plan, region, measure or year")
        dupes = con.execute("""SELECT plan, region, measure, year, count(*) FROM _incoming_arrow
                               GROUP BY ALL HAVING count(*) > 1 LIMIT 5""").fetchall()
        if dupes:
            raise StoreError(f"重复的键 / duplicate keys in one write: {dupes}")

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
        import_id = con.execute("SELECT coalesce(max(id), 0) + 1 FROM imports").fetchone()[0]
        con.execute("INSERT INTO imports VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [import_id, origin.file, origin.sha256, origin.producer, origin.time, rows, counts["new"],
                     counts["revised"], counts["unchanged"]])
        return import_id

    @staticmethod
    def _insert_observations(con: duckdb.DuckDBPyConnection, import_id: int) -> None:
        con.execute("""
            INSERT INTO observations
            SELECT plan, region, measure, year, coalesce(prev_revision, 0) + 1, value, state, unit, source, note,
                   provisional, ?, file, sheet, "row"
            FROM _classified WHERE status <> 'unchanged'
        """, [import_id])

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
        con = self.connect(read_only=True)
        try:
            return {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                    for t in ("imports", "observations")}
        finally:
            con.close()

    def _query(self, sql: str, params: list) -> pa.Table:
        con = self.connect(read_only=True)
        try:
            return con.sql(sql, params=params).to_arrow_table()
        finally:
            con.close()


def _quoted(cols: list[str]) -> list[str]:
    return [f'"{c}"' for c in cols]
