"""What every store engine shares: the provenance of a write, its result, the observation columns and errors."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

import pyarrow as pa


class StoreError(RuntimeError):
    """A workspace or store problem (not a workspace, already a workspace, a write the store refuses)."""


@dataclass(frozen=True)
class Origin:
    """Where a write comes from: file name(s) (comma-separated), their sha256 (same order), who wrote it, when.

    ``producer`` is the command or program: ``"meili data import"``, ``"meili air indicators"``…
    """

    file: str
    sha256: str = ""
    producer: str = "meili"
    time: datetime = field(default_factory=lambda: datetime.now(UTC))


@dataclass(frozen=True)
class ImportResult:
    """Counts of one write: ``new`` keys, ``revised`` keys (revision n+1) and ``unchanged`` rows (nothing written).

    ``import_id`` is None for a dry run (nothing was written). ``skipped`` counts template rows left empty.
    """

    import_id: int | None
    rows: int
    new: int
    revised: int
    unchanged: int
    dry_run: bool = False
    skipped: int = 0
    files: tuple[str, ...] = ()

    def summary(self) -> str:
        head = "试运行，未写入 / dry run, nothing written" if self.dry_run else f"导入 / import #{self.import_id}"
        text = (f"{head}: {self.rows} 行 rows — 新增 new {self.new}, 修订 revised {self.revised}, "
                f"未变 unchanged {self.unchanged}")
        if self.skipped:
            text += f"; 未填跳过 / left empty, skipped {self.skipped}"
        return text


#: Columns a caller passes to ``write_observations``: the observation columns (one schema for every producer,
#: :mod:`meili.observation`), then ``provisional``, ``sheet``, ``row``, ``file`` (optional).
from meili.observation import OBSERVATION_COLUMNS, OBSERVATION_SCHEMA  # noqa: E402

INPUT_SCHEMA = pa.schema([
    *OBSERVATION_SCHEMA,
    ("provisional", pa.bool_()), ("sheet", pa.string()), ("row", pa.int64()), ("file", pa.string()),
])
REQUIRED_INPUT = list(OBSERVATION_COLUMNS)

#: Columns of ``current_observations`` and ``history``, in this order.
OUTPUT_COLUMNS = [
    "plan", "region", "measure", "year", "value", "state", "unit", "source", "note", "provisional", "revision",
    "import_id", "file", "sheet", "row", "imported_at",
]


def normalise_input(table: pa.Table, origin: Origin) -> pa.Table:
    """The input table with every column of INPUT_SCHEMA, cast to its type (vectorised)."""
    missing = [c for c in REQUIRED_INPUT if c not in table.column_names]
    if missing:
        raise StoreError(f"缺少列 / missing columns {missing}: write_observations needs {REQUIRED_INPUT}")
    n = table.num_rows
    cols = []
    for f in INPUT_SCHEMA:
        if f.name in table.column_names:
            col = table.column(f.name)
            if col.type != f.type:
                col = col.cast(f.type)
        elif f.name == "provisional":
            col = pa.array([False] * n, pa.bool_())
        elif f.name == "file":
            col = pa.array([origin.file] * n, pa.string())
        else:
            col = pa.nulls(n, f.type)
        cols.append(col)
    return pa.Table.from_arrays(cols, schema=INPUT_SCHEMA)
