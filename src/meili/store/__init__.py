"""The observation store: a workspace folder with every value ever reported, its revisions and provenance.

>>> from meili.store import init_workspace, Origin
>>> ws = init_workspace(tmp)                                  # doctest: +SKIP
>>> ws.write_observations(table, origin=Origin(file="a.csv", sha256="…", producer="meili data import"))
...                                                           # doctest: +SKIP
ImportResult(import_id=1, rows=…, new=…, revised=0, unchanged=0)

The engine (DuckDB) sits behind :mod:`meili.store.duckdb_store`; ``meili.toml`` names it.
"""

from meili.store.model import OUTPUT_COLUMNS, ImportResult, Origin, StoreError
from meili.store.workspace import Workspace, init_workspace, open_workspace

__all__ = ["OUTPUT_COLUMNS", "ImportResult", "Origin", "StoreError", "Workspace", "init_workspace",
           "open_workspace"]
