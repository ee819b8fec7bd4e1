"""What every store engine shares: the provenance of a write, its result, the observation columns and errors."""

from __future__ import annotations

import getpass
from dataclasses import dataclass, field
from datetime import UTC, datetime

import pyarrow as pa

from meili.errors import MeiliError, Problem, Text
from meili.observation import OBSERVATION_COLUMNS, OBSERVATION_SCHEMA

#: The review states of an import (``imports.state``); everything written today is ``approved``.
IMPORT_STATES = ("pending", "approved", "returned", "rejected")


class StoreError(MeiliError, RuntimeError):
    """A workspace or store problem (not a workspace, already a workspace, a write the store refuses).

    A :class:`meili.errors.MeiliError` of kind ``store``; still a ``RuntimeError`` for older callers.
    """

    kind = "store"


class StoreBusyError(StoreError):
    """Another process (or another write of this process) held the store for longer than the wait allowed.

    ``holders``: what is known of each holder (pid, user, host, command, since, mode), for a front door.
    """

    kind = "store_busy"

    def __init__(self, *problems, holders: list[dict] | tuple = (), **kw):
        self.holders = list(holders)
        super().__init__(*problems, **kw)


def os_user() -> str:
    """The operating-system user running this process ("unknown" when the system cannot say)."""
    try:
        return getpass.getuser() or "unknown"
    except Exception:  # no USER/LOGNAME and no passwd entry (some containers)
        return "unknown"


@dataclass(frozen=True)
class Origin:
    """Where a write comes from: its files and their sha256 (same order), what wrote it, who, when.

    ``files`` / ``sha256s`` are tuples; ``Origin(file="a.csv", sha256="…")`` (one file, as before) is the same
    as ``Origin(files=("a.csv",), sha256s=("…",))``. A name is never split: ``"a,b.csv"`` is one file. After
    construction ``file`` and ``sha256`` hold the names / digests joined with ``","`` (for display only).
    ``producer`` is the command or program: ``"meili data import"``, ``"meili air indicators"``…
    ``actor`` is who asked for the write: the operating-system user by default, a signed-in user on the web.
    """

    file: str = ""
    sha256: str = ""
    producer: str = "meili"
    time: datetime = field(default_factory=lambda: datetime.now(UTC))
    actor: str = field(default_factory=os_user)
    files: tuple[str, ...] = ()
    sha256s: tuple[str, ...] = ()

    def __post_init__(self):
        files = tuple(str(f) for f in self.files) if self.files else ((str(self.file),) if self.file else ())
        sha256s = tuple(self.sha256s) if self.sha256s else ((self.sha256,) if self.sha256 else ())
        if self.files and self.file and self.file != ",".join(files):
            raise StoreError(f"Origin: file={self.file!r} 与 files 不一致 / disagrees with files={files!r}")
        if sha256s and len(sha256s) not in (1, len(files)):
            raise StoreError(f"Origin: {len(files)} 个文件、{len(sha256s)} 个 sha256 / {len(files)} files but "
                             f"{len(sha256s)} sha256 digests")
        object.__setattr__(self, "files", files)
        object.__setattr__(self, "sha256s", sha256s)
        object.__setattr__(self, "file", ",".join(files))
        object.__setattr__(self, "sha256", ",".join(sha256s))
        object.__setattr__(self, "actor", str(self.actor or "unknown"))


@dataclass(frozen=True)
class ImportResult:
    """Counts of one write: ``new`` keys, ``revised`` keys (revision n+1) and ``unchanged`` rows (nothing written).

    ``import_id`` is None for a dry run (nothing was written). ``skipped`` counts template rows left empty.
    ``warnings``: problems that do not stop the write (``unusual_value``: outside a measure's soft limits);
    :meth:`summary` lists them after the counts (the first :attr:`WARNINGS_SHOWN`).
    """

    WARNINGS_SHOWN = 20

    import_id: int | None
    rows: int
    new: int
    revised: int
    unchanged: int
    dry_run: bool = False
    skipped: int = 0
    files: tuple[str, ...] = ()
    warnings: tuple = ()

    def notes(self, lang: str = "both") -> list[str]:
        """The warnings as lines ("⚠ file, row …: unusual value …"), the first :attr:`WARNINGS_SHOWN`, then a count."""
        lines = [f"⚠ {w.render(lang)}" for w in self.warnings[: self.WARNINGS_SHOWN]]
        if len(self.warnings) > self.WARNINGS_SHOWN:
            more = len(self.warnings) - self.WARNINGS_SHOWN
            lines.append({"zh": f"… 另有 {more} 个警告", "en": f"… and {more} more warnings"}.get(
                lang, f"… 另有 {more} 个警告 / and {more} more warnings"))
        return lines

    def summary(self) -> str:
        head = "试运行，未写入 / dry run, nothing written" if self.dry_run else f"导入 / import #{self.import_id}"
        text = (f"{head}: {self.rows} 行 rows — 新增 new {self.new}, 修订 revised {self.revised}, "
                f"未变 unchanged {self.unchanged}")
        if self.skipped:
            text += f"; 未填跳过 / left empty, skipped {self.skipped}"
        if self.warnings:
            text += f"; 警告 / warnings {len(self.warnings)}（请核实 / please check）\n" + "\n".join(self.notes())
        return text


#: Columns a caller passes to ``write_observations``: the observation columns (one schema for every producer,
#: :mod:`meili.observation`), then ``provisional``, ``sheet``, ``row``, ``file`` (optional).
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
        raise StoreError(Problem("store", file=origin.file or None, detail=Text(
            f"缺少列 {missing}；写入需要 {REQUIRED_INPUT}",
            f"missing columns {missing}: write_observations needs {REQUIRED_INPUT}")))
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
