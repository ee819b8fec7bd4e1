"""A :class:`~meili.report.model.Document` as a PDF, typeset by Typst (the ``typst`` package: no office suite, no
TeX, no browser).

The document goes to Typst as data (``document.json`` beside the template ``templates/document.typ``), so no text
of it is ever read as markup: a county name, a note with ``#``, ``$`` or ``*`` prints as written. The layout is
the DOCX's (GB/T 9704-2012: A4, margins 37/35/28/26 mm, 三号 body at an exact 28.95 pt pitch, 二号 title,
"— n —" page numbers outside), set in the bundled free faces of :mod:`meili.report.fonts`: Typst is given the
bundled font folder only, ignores system fonts and falls back to no other font. Before typesetting, every
character is checked against the faces of its role; a character none of them has is refused (no tofu).
Figures are the same charts as the portal's, as SVG (vector; its text set in Meili Sans by Typst).
"""

from __future__ import annotations

import json
import shutil
import tempfile
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any

from meili.errors import OutputError, Problem, Text
from meili.report.docx import PLACEHOLDER, _paragraphs
from meili.report.fonts import PDF_FAMILIES, Role, font_dir, uncovered
from meili.report.model import Document, Figure, Heading, Number, Paragraph, Slot, Table

TEMPLATE = "document.typ"


def write(document: Document, path: Path | str, *, images: list[str] | None = None) -> Path:
    """Write ``document`` to ``path`` (.pdf) atomically. ``images``: the SVG text of each figure in order
    (rendered here with ``meili.charts.render.svg`` when not given)."""
    from meili.app.outputs import write_bytes

    return write_bytes(path, to_bytes(document, images=images))


def to_bytes(document: Document, *, images: list[str] | None = None) -> bytes:
    """The PDF's bytes (refuses, with an :class:`OutputError`, text that no bundled face can print)."""
    import typst

    data, texts = _data(document)
    _check_glyphs(texts)
    with tempfile.TemporaryDirectory(prefix="meili-pdf-") as tmp:
        root = Path(tmp)
        figures = [b for b in document.blocks if isinstance(b, Figure)]
        for i, figure in enumerate(figures, start=1):
            svg = images[i - 1] if images and i <= len(images) else figure_svg(figure)
            (root / f"figure-{i}.svg").write_text(svg, encoding="utf-8")
        (root / "document.json").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        with resources.as_file(resources.files("meili.report").joinpath("templates", TEMPLATE)) as template:
            shutil.copyfile(template, root / TEMPLATE)
        when = _created(document)
        # A Typst error here is a defect of the template (the data cannot inject markup): not the user's to fix.
        return typst.compile(str(root / TEMPLATE), root=str(root), font_paths=[str(font_dir())],
                             ignore_system_fonts=True, format="pdf", timestamp=int(when.timestamp()))


def figure_svg(figure: Figure) -> str:
    """A figure's picture as SVG: the chart rendered by ``meili.charts``, or SVG text given as the chart."""
    if isinstance(figure.chart, str):
        return figure.chart
    from meili.charts import render

    return render.svg(figure.chart)


def _created(document: Document) -> datetime:
    when = document.release_created_at or datetime(2000, 1, 1, tzinfo=UTC)
    return (when if when.tzinfo else when.replace(tzinfo=UTC)).astimezone(UTC).replace(microsecond=0)


def _data(document: Document) -> tuple[dict[str, Any], list[tuple[str, Role]]]:
    """The document as the template reads it, and every text with the role (face) it is printed in."""
    texts: list[tuple[str, Role]] = [(document.title, "title"), ("— 0123456789 —", "song")]
    ids = iter(range(1, 1 << 31))

    def runs(value: Any, role: Role = "body") -> list[dict[str, str]]:
        out: list[dict[str, str]] = []
        for run in value if isinstance(value, list | tuple) else [value]:
            if isinstance(run, Number):
                out.append({"t": run.text, "n": f"n{next(ids)}"})
                texts.append((run.text, role))
            elif isinstance(run, list | tuple):
                out += runs(run, role)
            elif run is not None and str(run):
                out.append({"t": str(run)})
                texts.append((str(run), role))
        return out

    blocks: list[dict[str, Any]] = []
    figures = 0
    for block in document.blocks:
        if isinstance(block, Heading):
            blocks.append({"type": "heading", "level": block.level, "text": block.text})
            texts.append((block.text, {1: "hei", 2: "kai", 3: "body"}[block.level]))
        elif isinstance(block, Paragraph):
            blocks.append({"type": "paragraph", "style": block.style, "runs": runs(block.runs)})
        elif isinstance(block, Table):
            ncols = len(block.header)
            cells = []
            for row in block.rows:
                row = list(row) + [""] * (ncols - len(row))
                cells += [runs(cell) for cell in row[:ncols]]
            widths = block.widths if block.widths and len(block.widths) == ncols else [1] * ncols
            blocks.append({"type": "table", "caption": block.caption, "header": list(block.header),
                           "cells": cells, "widths": [float(w) for w in widths], "notes": list(block.notes)})
            texts += [(block.caption, "hei"), *((h, "hei") for h in block.header), *((n, "body") for n in block.notes)]
        elif isinstance(block, Figure):
            figures += 1
            alt = getattr(block.chart, "alt", "") or block.caption
            blocks.append({"type": "figure", "file": f"figure-{figures}.svg", "caption": block.caption,
                           "width": float(block.width_mm), "alt": alt})
            texts.append((block.caption, "hei"))
        elif isinstance(block, Slot):
            paragraphs = _paragraphs(block.text) if block.text and block.text.strip() else []
            placeholder = PLACEHOLDER.format(title=block.title)
            blocks.append({"type": "slot", "paragraphs": paragraphs, "placeholder": placeholder})
            texts += [(p, "body") for p in paragraphs] or [(placeholder, "kai")]
        else:
            raise TypeError(f"not a block of a document: {type(block).__name__}")
    for text, role in ((document.subtitle, "kai"), (document.issuer, "body"), (document.date, "body")):
        if text:
            texts.append((text, role))
    styles = {b.style for b in document.blocks if isinstance(b, Paragraph)}
    words = ["meili"] + ([f"release {document.release}"] if document.release is not None else []) + (
        [f"digest {document.release_digest}"] if document.release_digest else [])
    when = _created(document)
    data = {
        "title": document.title,
        "subtitle": document.subtitle,
        "issuer": document.issuer if "signature" not in styles else None,
        "date": document.date if "date" not in styles else None,
        "blocks": blocks,
        "fonts": {role: list(families) for role, families in PDF_FAMILIES.items()},
        "meta": {"title": document.title, "author": [document.issuer or "Meili"], "keywords": [" ".join(words),
                 document.kind], "date": [when.year, when.month, when.day, when.hour, when.minute, when.second]},
    }
    return data, texts


def _check_glyphs(texts: list[tuple[str, Role]]) -> None:
    missing: dict[str, set[str]] = {}
    for text, role in texts:
        for c in uncovered(text, role):
            missing.setdefault(c, set()).add(role)
    if missing:
        chars = "".join(sorted(missing))
        codes = " ".join(f"U+{ord(c):04X}" for c in sorted(missing))
        raise OutputError(Problem("invalid_output", value=chars, detail=Text(
            f"内置字体中没有这些字符（{codes}），PDF 会显示空框；请改写文字或重建字体（tools/build_report_fonts.py）",
            f"the bundled fonts lack these characters ({codes}); the PDF would show empty boxes: change the text "
            "or rebuild the fonts (tools/build_report_fonts.py)")))
