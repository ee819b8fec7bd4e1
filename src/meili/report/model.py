"""A document the bureau issues, as data: what the content builders produce and the DOCX and PDF writers render.

A :class:`Document` is a title block and a list of blocks (headings, paragraphs, tables, figures, text slots).
Every number that comes from the store is a :class:`Number`: its text as printed and a :class:`Ref` to the stored
value (release, table, key, column), so that a sidecar can list every number with where it came from and
``meili report check`` can look each one up again. Words are plain strings; nothing in a document is computed by
the writers.

Builders (``meili.report.documents``) make documents; writers (``meili.report.docx``, ``meili.report.pdf``)
render them; ``meili.report.sidecar`` writes and checks the references.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal


@dataclass(frozen=True)
class Ref:
    """Where a printed number comes from: ``table`` of release ``release`` (a name of
    :data:`meili.app.releases.RELEASE_TABLES`), the row whose columns equal ``key``, and its ``column``."""

    release: int
    table: str
    key: dict[str, Any]
    column: str

    def to_dict(self) -> dict[str, Any]:
        return {"release": self.release, "table": self.table, "key": self.key, "column": self.column}


@dataclass(frozen=True)
class Number:
    """A number as printed (``text``, e.g. ``"29"`` or ``"5.6%"``) with the stored ``value`` it was printed from
    and its :class:`Ref`; ``ref`` is None only for a number computed in the document from referenced numbers, in
    which case ``inputs`` lists those."""

    text: str
    value: float | int | None
    ref: Ref | None = None
    inputs: tuple[Ref, ...] = ()
    rounding: str = ""  # how ``text`` was made from ``value`` (e.g. "0 decimals, GB/T 8170"), for the check

    def __str__(self) -> str:
        return self.text


#: A run of text in a paragraph or a cell: plain words, or a number with its reference.
Run = str | Number


@dataclass
class Heading:
    text: str
    level: Literal[1, 2, 3] = 1  # 一、(黑体) · （一）(楷体) · 1.(仿宋 bold)


@dataclass
class Paragraph:
    runs: list[Run]
    style: Literal["body", "note", "signature", "date"] = "body"


@dataclass
class Table:
    caption: str  # above the table (GB/T 9704 practice: 表1 …)
    header: list[str]
    rows: list[list[list[Run] | Run]]  # each cell: a run or a list of runs
    notes: list[str] = field(default_factory=list)  # below the table (e.g. the tie-rule footnote)
    widths: list[float] | None = None  # relative column widths


@dataclass
class Figure:
    """A chart or map of :mod:`meili.charts` (the same definition the portal shows), captioned below."""

    chart: Any  # meili.charts.Chart
    caption: str
    width_mm: float = 150


@dataclass
class Slot:
    """Text the analyst writes (三、主要任务推进情况 …): filled from their YAML/Markdown file, else a visible
    placeholder saying what belongs there — never invented content."""

    name: str
    title: str
    text: str | None = None


Block = Heading | Paragraph | Table | Figure | Slot


@dataclass
class Document:
    kind: Literal["evaluation", "monthly", "bulletin", "assessment"]
    title: str  # 二号小标宋
    subtitle: str | None = None
    issuer: str | None = None  # 发文机关
    date: str | None = None  # 成文日期, as printed
    release: int | None = None  # the release every number comes from
    blocks: list[Block] = field(default_factory=list)
    # Of that release (``ReleaseInfo.digest`` and ``.created_at``): the writers put them in the document's
    # properties (keywords "meili release N digest …", created = the release's time) and the sidecar.
    release_digest: str | None = None
    release_created_at: datetime | None = None

    def numbers(self) -> list[Number]:
        """Every number of the document, in reading order (for the sidecar and the golden tests)."""
        out: list[Number] = []

        def visit(run: Any) -> None:
            if isinstance(run, Number):
                out.append(run)
            elif isinstance(run, list):
                for r in run:
                    visit(r)

        for block in self.blocks:
            if isinstance(block, Paragraph):
                visit(block.runs)
            elif isinstance(block, Table):
                for row in block.rows:
                    for cell in row:
                        visit(cell)
        return out
