"""Compiled once, run with each call's data: the evaluation's queries and where they run.

Every query shape (the evaluation, with or without a region selection; the ranking) is an Ibis expression of
:mod:`meili.evaluate.rules` over unbound tables named as in :data:`meili.evaluate.tables.SCHEMAS`. It is compiled to
SQL once per process (or read from :mod:`meili.evaluate._compiled`, written by ``python -m
meili.evaluate`` and used only while it matches the rules' source), then run for each call on a cursor of a
private in-process DuckDB connection with the call's tables — the observations, the plan's measures, targets and
vocabulary, the runs, the parameters — registered on that cursor under those names. A call therefore does no Ibis
work and shares nothing with another call: no memtable on Ibis's default backend, no process-wide option.

Observations given as an Ibis table are first read from their own backend (one query: the plan's rows, cast to the
expected types); a backend that can run the compiled SQL itself (with ``dialect``) is left for later.
"""

from __future__ import annotations

import hashlib
import sys
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pyarrow as pa

from meili.errors import Text
from meili.evaluate import tables
from meili.evaluate.errors import EvaluationError

#: Modules whose source defines the compiled SQL (a change to any of them invalidates the shipped SQL).
_RULE_MODULES = ("rules.py", "cagr.py", "tables.py", "engine.py")
#: Up to this many observations a query runs single-threaded: on small inputs DuckDB's threads only add overhead.
SMALL = 100_000
_lock = threading.Lock()
_queries: dict[tuple, Query] = {}
_connections: dict[bool, object] = {}


@dataclass(frozen=True)
class Query:
    """A compiled query: its SQL and the Arrow schema of its result (DuckDB's own types are cast to it)."""

    sql: str
    schema: pa.Schema

    @property
    def reads(self) -> tuple[str, ...]:
        """The bound tables the SQL reads (the others need not be registered)."""
        return tuple(n for n in tables.SCHEMAS if f'"{n}"' in self.sql)


def _shape_key(shape: str, variant: dict) -> tuple:
    return (shape, *sorted(variant.items()))


@cache
def rules_fingerprint() -> str | None:
    """A hash of the rule modules' source, or None when the source is not available (then nothing shipped is used).
    Read once per process, when the first query is looked up (never on import)."""
    h = hashlib.sha256()
    here = Path(__file__).parent
    try:
        for name in _RULE_MODULES:
            h.update((here / name).read_bytes())
    except OSError:
        return None
    return h.hexdigest()[:16]


def _shipped(key: tuple) -> Query | None:
    try:
        from meili.evaluate import _compiled
    except ImportError:
        return None
    entry = _compiled.QUERIES.get(repr(key))
    if entry is None or _compiled.FINGERPRINT != rules_fingerprint():
        return None
    sql, schema = entry
    return Query(sql, pa.schema([(n, _TYPES[t]) for n, t in schema]))


#: The Arrow types of the compiled queries' results, by the name _compiled.py writes.
_TYPES = {"string": pa.string(), "int64": pa.int64(), "double": pa.float64(), "bool": pa.bool_()}


def compile_query(shape: str, **variant) -> Query:
    """Compile a shape with Ibis (no cache): ``evaluate`` (``selected``: bool) or ``rank`` (``tie_decimals``)."""
    import ibis

    from meili.evaluate import rules

    t = rules.unbound()
    if shape == "evaluate":
        expr = rules.evaluation(t, selected=variant["selected"], ordered=False)
    elif shape == "rank":
        expr = rules.ranking(t, tie_decimals=variant["tie_decimals"])
    else:
        raise KeyError(shape)
    return Query(str(ibis.to_sql(expr, dialect="duckdb", pretty=False)), expr.schema().to_pyarrow())


def query(shape: str, **variant) -> Query:
    """The compiled query of a shape: from this process's cache, from the shipped SQL, or compiled now (once)."""
    key = _shape_key(shape, variant)
    q = _queries.get(key)
    if q is None:
        with _lock:
            q = _queries.get(key)
            if q is None:
                q = _shipped(key) or compile_query(shape, **variant)
                _queries[key] = q
    return q


def _connection(small: bool = False):
    """The private in-process DuckDB database (one single-threaded, one with DuckDB's default threads)."""
    con = _connections.get(small)
    if con is None:
        with _lock:
            con = _connections.get(small)
            if con is None:
                import duckdb

                con = _connections[small] = duckdb.connect(":memory:", config={"threads": 1} if small else {})
    return con


def run(q: Query, data: dict[str, pa.Table]) -> pa.Table:
    """Run a compiled query on a new cursor of the private connection, ``data`` registered on it by name."""
    out = execute(q.sql, {name: data[name] for name in q.reads}, small=data["obs"].num_rows <= SMALL)
    return out if out.schema.equals(q.schema) else out.cast(q.schema)


def execute(sql: str, data: dict[str, pa.Table], small: bool) -> pa.Table:
    """Run ``sql`` on a new cursor of the private connection with ``data`` registered on it by name."""
    cur = _connection(small=small).cursor()
    try:
        for name, table in data.items():
            cur.register(name, table)
        # Into a table of the cursor, read as a relation: con.sql(query) would have DuckDB's Python layer scan the
        # query's text for parameters and bind it twice (about twice the time for SQL this long), and Arrow straight
        # from a cursor's result warns about a copy.
        cur.execute(f"CREATE TEMP TABLE meili_result AS {sql}")
        return cur.table("meili_result").to_arrow_table()
    finally:
        cur.close()


# --- observations ---------------------------------------------------------------------------------------------


def check_columns(names: Sequence[str]) -> None:
    """Raise when observations with these columns cannot be evaluated (region, measure, year, and value or state)."""
    missing = [c for c in ("region", "measure", "year") if c not in names]
    if "value" not in names and "state" not in names:
        missing.append("value|state")
    if missing:
        cols = ", ".join(missing)
        raise EvaluationError(Text(f"观测表缺少列：{cols}", f"observations lack columns: {cols}"))


def observations(obs, plan_id: str) -> tuple[pa.Table, bool]:
    """The observations as a pyarrow Table with the columns and types of :data:`tables.OBS`, and whether the input
    had a ``plan`` column. An Ibis table is read from its backend (the rows of ``plan_id`` or of no plan)."""
    if "ibis" in sys.modules:
        import ibis.expr.operations as ops
        import ibis.expr.types as ir

        if isinstance(obs, ir.Table):
            op = obs.op()
            if isinstance(op, ops.InMemoryTable):  # a memtable: its data, without any backend
                obs = op.data.to_pyarrow(op.schema)
            else:
                from meili.evaluate.rules import as_ibis

                t = as_ibis(obs)
                t = t.filter(t.plan.isnull() | (t.plan == plan_id))
                return t.to_pyarrow(), "plan" in obs.columns
    if not isinstance(obs, pa.Table):
        obs = pa.Table.from_pandas(obs, preserve_index=False) if hasattr(obs, "to_numpy") else pa.table(obs)
    names = obs.column_names
    check_columns(names)
    cols = []
    for field in tables.OBS:
        if field.name not in names:
            cols.append(pa.nulls(obs.num_rows, field.type))
            continue
        col = obs.column(field.name)
        if col.type != field.type:
            try:
                col = col.cast(field.type)
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as e:
                raise EvaluationError(Text(f"观测表的列 {field.name}（{col.type}）无法读作 {field.type}：{e}",
                                           f"observations column {field.name} ({col.type}) cannot be read as "
                                           f"{field.type}: {e}")) from None
        cols.append(col)
    return pa.Table.from_arrays(cols, schema=tables.OBS), "plan" in names


# --- the shipped SQL --------------------------------------------------------------------------------------------

#: The shapes compiled into :mod:`meili.evaluate._compiled` (the defaults; others compile on first use).
SHIPPED = (("evaluate", {"selected": False}), ("evaluate", {"selected": True}), ("rank", {"tie_decimals": 6}))


def write_compiled(path: Path | None = None) -> Path:
    """Write :mod:`meili.evaluate._compiled`: the SQL of :data:`SHIPPED` and the rules' fingerprint."""
    path = path or Path(__file__).with_name("_compiled.py")
    lines = ['"""The evaluation\'s SQL, compiled from meili.evaluate.rules by `python -m meili.evaluate`.',
             "",
             "Generated; do not edit. Used only while FINGERPRINT matches the rule modules' source (else the queries",
             'are compiled again when first used); tests/evaluate checks that it is up to date."""',
             "",
             f"FINGERPRINT = {rules_fingerprint()!r}",
             "QUERIES = {"]
    for shape, variant in SHIPPED:
        q = compile_query(shape, **variant)
        names = {t: n for n, t in _TYPES.items()}
        schema = [(f.name, names[f.type]) for f in q.schema]
        lines.append(f"    {repr(_shape_key(shape, variant))!r}: (")
        lines.append(f"        {q.sql!r},")
        lines.append(f"        {schema!r},")
        lines.append("    ),")
    lines.append("}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path

