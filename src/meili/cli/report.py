"""``meili report``: the documents the bureau signs (DOCX and PDF, each with a ``.meili.json`` sidecar), and
``meili report check FILE``, which looks every number of a written document up again in its release.

The document commands (``evaluation``, ``monthly``, ``bulletin``, ``assessment``) build a
:class:`meili.report.model.Document` with :mod:`meili.report.documents` and write it with
:func:`meili.report.write_document`; ``check`` calls :func:`meili.report.sidecar.check`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from meili.cli._common import WorkspaceOption, console, meili_app

app = typer.Typer(help="公文报告 / The documents the bureau issues (DOCX, PDF) and their check.",
                  no_args_is_help=True)


def write_and_print(document, output: Path) -> None:
    """Write ``document`` (format from ``output``'s suffix, both into a folder) and print the files written."""
    from meili.report import write_document

    for path in write_document(document, output):
        typer.echo(str(path))


# --- document commands (evaluation | monthly | bulletin | assessment) ------------------------------------------------
# Each: build the Document with meili.report.documents, then write_and_print(document, output). They live in
# meili.cli.report_documents (the content builders' side) and are registered here.
from meili.cli import report_documents as _documents  # noqa: E402

_documents.add_commands(app)


# --- check -----------------------------------------------------------------------------------------------------------
@app.command()
def check(
    file: Annotated[Path, typer.Argument(help="文档（.docx/.pdf）或其 .meili.json / the document or its sidecar")],
    workspace: WorkspaceOption = None,
) -> None:
    """核对 / Check a written document: every number against its release, and the file against its recorded hash.

    Exit 0 when every number equals the stored value and the file is unchanged (numbers revised in a later release
    are listed, not counted as problems); exit 1 otherwise.
    """
    from meili.report.sidecar import check as check_document

    result = check_document(file, meili_app(workspace))
    for finding in result.findings:
        mark = "!" if finding.kind != "revised" else "~"
        console.print(f"  {mark} {finding.render()}", highlight=False, markup=False)
    console.print(result.summary(), highlight=False, markup=False)
    if not result.ok:
        raise typer.Exit(1)
