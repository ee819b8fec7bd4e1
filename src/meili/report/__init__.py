"""The documents the bureau issues (DOCX and PDF), generated from a release: see :mod:`meili.report.model`."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from meili.report.model import Document

#: What an output's suffix asks for.
SUFFIXES = {".docx": "docx", ".pdf": "pdf"}


def default_name(document: Document) -> str:
    """The file name (without suffix) of a document written into a folder: ``monthly-r3``."""
    return f"{document.kind}-r{document.release}" if document.release is not None else document.kind


def write_document(document: Document, output: Path | str) -> list[Path]:
    """Write ``document`` to ``output`` and return the files written, each document with its sidecar.

    ``output`` ending in ``.docx`` or ``.pdf``: that format. A folder (an existing one, or a path ending in ``/``):
    both formats as ``<kind>-r<release>.docx|.pdf``, plus each figure's PNG and SVG (``…-figure-1.png``). Another
    suffix is refused (:class:`meili.errors.OutputError`) before anything is written. Every file is written to
    ``NAME.part`` and renamed when complete; outputs inside a workspace are recorded as Meili's.
    """
    from meili.app.outputs import check_output, record_output, write_bytes
    from meili.report import docx, pdf, sidecar
    from meili.report.model import Figure

    as_folder = str(output).endswith(("/", "\\")) or Path(output).is_dir()
    output = Path(output)
    if as_folder:
        stem = output / default_name(document)
        targets = [stem.with_name(stem.name + ".docx"), stem.with_name(stem.name + ".pdf")]
    else:
        targets = [output]
    for target in targets:
        check_output(target, SUFFIXES)
        check_output(sidecar.sidecar_path(target), {".json": "json"})
    figures = [b for b in document.blocks if isinstance(b, Figure)]
    pngs = [docx.figure_png(f) for f in figures]
    svgs = [pdf.figure_svg(f) for f in figures]
    written: list[Path] = []
    if as_folder:
        output.mkdir(parents=True, exist_ok=True)
        for i, (png, svg) in enumerate(zip(pngs, svgs, strict=True), start=1):
            for data, suffix in ((png, ".png"), (svg.encode("utf-8"), ".svg")):
                path = output / f"{default_name(document)}-figure-{i}{suffix}"
                check_output(path, {suffix: suffix[1:]})
                written.append(write_bytes(path, data))
    for target in targets:
        if target.suffix.lower() == ".docx":
            docx.write(document, target, images=pngs)
        else:
            pdf.write(document, target, images=svgs)
        written += [target, sidecar.write(document, target)]
    for path in written:
        record_output(path)
    return written
