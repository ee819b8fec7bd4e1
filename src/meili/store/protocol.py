"""What every store engine implements: the :class:`Store` protocol.

DuckDB (:class:`meili.store.duckdb_store.DuckDBStore`) is the engine today; PostgreSQL for a shared server would be
a second class with the same methods, chosen in ``meili.toml`` (``[store] engine``). :class:`Workspace` and the
rest of Meili call only these methods:

``create()``
    Make an empty store (schema of :data:`SCHEMA_VERSION`). A store of an older schema is migrated when it is
    first opened, in one transaction.
``write(table, origin, dry_run=False) -> ImportResult``
    Write validated observations in **one transaction**: a key never seen is revision 1 (``new``), a changed
    observation revision n+1 (``revised``), an identical one adds nothing (``unchanged``); one row of ``imports``
    records the origin (files and sha256 as lists, producer, actor, time, ``state``) with an id from a sequence.
    ``dry_run`` counts and writes nothing. Writes are serialised (one at a time, in arrival order); a write that
    finds the store held by another process waits (``MEILI_LOCK_TIMEOUT`` seconds, default 60), then raises
    :class:`meili.store.model.StoreBusyError` naming the holder.
``current(plan=, region=, measure=, year=) -> pa.Table``
    The latest revision per (plan, region, measure, year), columns :data:`OUTPUT_COLUMNS`.
``history(plan=, region=, measure=, year=) -> pa.Table``
    Every revision, oldest first per key, same columns.
``imports() -> pa.Table``
    One row per write: id, file (list), sha256 (list), producer, actor, state, time, rows, new, revised, unchanged.
``counts() -> dict``
    ``{"imports": n, "observations": n, "results": n, "releases": n}``.
``write_results(table, origin, dry_run=False) -> ImportResult``
    Record computed air/water results (:mod:`meili.store.results`) in one transaction, with the same revision rule
    as ``write`` on the key (domain, scope, code, year, month, metric) and one ``imports`` row.
``current_results(domain=, scope=, code=, year=)`` / ``history_results(…)`` -> pa.Table
    The latest revision per result key / every revision; columns :data:`meili.store.results.RESULT_COLUMNS`.
``publish(build, actor=, note=, time=) -> dict``
    The next release, in one transaction under the writer lock: the current observations and results, what
    ``build(observations, results)`` returns for the other tables, the revisions against the previous release,
    and a ``releases`` row (number, created_at, actor, note, counts as JSON, digest, data_digest), which it returns.
``releases(number=None) -> list[dict]`` / ``release_table(number, name) -> pa.Table``
    The releases (or one), and a table of one release in its deterministic order. Releases are insert-only.
``query(sql, params=()) -> pa.Table``
    A read-only query over the tables ``observations``, ``imports`` and the view ``current_observations``, on a
    consistent snapshot (anything it would change is rolled back). Plain SQL (``SELECT … WHERE x = ?``) runs on
    both engines; a caller needing an Ibis table builds it from the result, or, DuckDB only, from the cursor of
    :meth:`DuckDBStore.reading`.

Reads never block on a write of the same process (they see the last committed state) and several processes may
read at once; every method may wait for another process as writes do. Errors are :class:`StoreError`
(a :class:`meili.errors.MeiliError`, kind ``store``) or :class:`StoreBusyError` (kind ``store_busy``).

``imports.state`` is the review state of the import: ``pending``, ``approved``, ``returned`` or ``rejected``
(:data:`meili.store.model.IMPORT_STATES`, enforced by a CHECK). Everything written today is ``approved``; a review
step will write ``pending`` imports and decide them later.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

if TYPE_CHECKING:
    import pyarrow as pa

    from meili.store.model import ImportResult, Origin

#: The schema every engine creates; older stores are migrated on open.
SCHEMA_VERSION = 4


@runtime_checkable
class Store(Protocol):
    """A store engine (see the module docstring for what each method promises)."""

    engine: str

    def create(self) -> None: ...

    #: One write transaction (a connection of the engine), for the workflow, accounts and audit writers.
    def transaction(self) -> AbstractContextManager[Any]: ...

    def write(self, table: pa.Table, origin: Origin, dry_run: bool = False) -> ImportResult: ...

    def current(self, plan: str | None = None, region: str | None = None, measure: str | None = None,
                year: int | None = None) -> pa.Table: ...

    def history(self, plan: str | None = None, region: str | None = None, measure: str | None = None,
                year: int | None = None) -> pa.Table: ...

    def imports(self) -> pa.Table: ...

    def counts(self) -> dict[str, int]: ...

    def query(self, sql: str, params: Sequence[Any] = ()) -> pa.Table: ...

    def write_results(self, table: pa.Table, origin: Origin, dry_run: bool = False) -> ImportResult: ...

    def current_results(self, domain: str | None = None, scope: str | None = None, code: str | None = None,
                        year: int | None = None) -> pa.Table: ...

    def history_results(self, domain: str | None = None, scope: str | None = None, code: str | None = None,
                        year: int | None = None) -> pa.Table: ...

    def publish(self, build: Callable[[pa.Table, pa.Table], dict[str, pa.Table]], *, actor: str,
                note: str | None, time: Any) -> dict: ...

    def releases(self, number: int | None = None) -> list[dict]: ...

    def release_table(self, number: int, name: str) -> pa.Table: ...
