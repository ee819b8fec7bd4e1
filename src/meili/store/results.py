"""What every store engine shares about recorded results and releases: columns, keys and the release tables.

**Results** are the computed air and water numbers (HJ 663 period values per station, city, county or group; GB 3838
classes per section; CWQI per county…) in one tidy long table, ``results``, with a ``domain`` column ('air' or
'water'). A result's key is ``(domain, scope, code, year, month, metric)`` (``month`` NULL for a year's value);
recording a key again with anything different (value, text, unit, standard, name) makes revision n+1, and an
identical one makes nothing, exactly as observations do. ``current_results`` is the latest revision per key.

**Releases** freeze what the public portal serves: numbered 1, 2, …, each a row of ``releases`` and its rows in
``release_<name>`` for each name of :data:`RELEASE_TABLES` (insert-only; column ``release`` first).
"""

from __future__ import annotations

import pyarrow as pa

from meili.errors import Problem, Text
from meili.store.model import StoreError

#: The domains of a result.
RESULT_DOMAINS = ("air", "water")
#: The scopes of a result: what kind of thing ``code`` names.
RESULT_SCOPES = ("station", "city", "county", "group", "section", "region", "all")
#: The key of a result.
RESULT_KEY = ("domain", "scope", "code", "year", "month", "metric")

#: Columns a caller passes to ``write_results`` (``name``, ``month``, ``value``, ``text``, ``unit``, ``standard`` may
#: be null; ``value`` or ``text`` carries the result).
RESULT_INPUT_SCHEMA = pa.schema([
    ("domain", pa.string()), ("scope", pa.string()), ("code", pa.string()), ("name", pa.string()),
    ("year", pa.int32()), ("month", pa.int32()), ("metric", pa.string()), ("value", pa.float64()),
    ("text", pa.string()), ("unit", pa.string()), ("standard", pa.string()),
])
#: Columns of ``current_results`` (and of a release's ``results``), in this order.
RESULT_COLUMNS = [*RESULT_INPUT_SCHEMA.names, "revision", "import_id", "imported_at"]

#: The tables of a release, in the order their content enters the digest.
RELEASE_TABLES = ("observations", "evaluations", "rankings", "summary", "results", "revisions")
#: The key (sort order) of each release table; the remaining columns follow by name, so the order is total.
RELEASE_ORDER = {
    "observations": ("plan", "region", "measure", "year"),
    "evaluations": ("plan", "year", "milestone", "region", "measure"),
    "rankings": ("plan", "year", "method", "rank", "region"),
    "summary": ("plan", "year", "milestone", "category"),
    "results": RESULT_KEY,
    "revisions": ("table", "key"),
}
#: Columns of a release's ``revisions``.
REVISION_COLUMNS = ["table", "key", "old", "new", "old_text", "new_text", "reason", "import_id", "date"]
#: Columns left out of a release's digest: when something was imported or published, not what it says.
VOLATILE_COLUMNS = ("imported_at", "date", "created_at")


def normalise_results(table: pa.Table, file: str | None = None) -> pa.Table:
    """``table`` with every column of :data:`RESULT_INPUT_SCHEMA`, cast to its type."""
    required = ["domain", "scope", "code", "year", "metric"]
    missing = [c for c in required if c not in table.column_names]
    if missing:
        raise StoreError(Problem("store", file=file, detail=Text(
            f"缺少列 {missing}；记录结果需要 {required}", f"missing columns {missing}: write_results needs {required}")))
    n = table.num_rows
    cols = []
    for f in RESULT_INPUT_SCHEMA:
        col = table.column(f.name) if f.name in table.column_names else pa.nulls(n, f.type)
        cols.append(col.cast(f.type) if col.type != f.type else col)
    return pa.Table.from_arrays(cols, schema=RESULT_INPUT_SCHEMA)
