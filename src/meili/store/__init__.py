"""The observation store: a workspace folder with every value ever reported, its revisions and provenance.

>>> from meili.store import init_workspace, Origin
>>> ws = init_workspace(tmp)                                  # doctest: +SKIP
>>> ws.write_observations(table, origin=Origin(file="a.csv", sha256="…", producer="meili data import"))
...                                                           # doctest: +SKIP
ImportResult(import_id=1, rows=…, new=…, revised=0, unchanged=0)

What an engine implements is the :class:`~meili.store.protocol.Store` protocol; the engine (DuckDB) sits behind
:mod:`meili.store.duckdb_store` and ``meili.toml`` names it. Concurrency: :mod:`meili.store.duckdb_connection`
(within a process) and :mod:`meili.store.locking` (between processes).
"""

from meili.store.model import IMPORT_STATES, OUTPUT_COLUMNS, ImportResult, Origin, StoreBusyError, StoreError
from meili.store.protocol import SCHEMA_VERSION, Store
from meili.store.results import RELEASE_TABLES, RESULT_COLUMNS, RESULT_DOMAINS, RESULT_SCOPES
from meili.store.workspace import Workspace, init_workspace, open_workspace

__all__ = ["IMPORT_STATES", "OUTPUT_COLUMNS", "RELEASE_TABLES", "RESULT_COLUMNS", "RESULT_DOMAINS", "RESULT_SCOPES",
           "SCHEMA_VERSION", "ImportResult", "Origin", "Store", "StoreBusyError",
           "StoreError", "Workspace", "init_workspace", "open_workspace"]
