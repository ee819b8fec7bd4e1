"""``meili publish``: freeze what the public portal serves as the next numbered release (see docs/releases.md).

The first line of standard output is the release number alone, so that a script can read it
(``n=$(meili publish | head -1)``); a summary follows.
"""

from __future__ import annotations

from typing import Annotated

import typer

from meili.cli._common import WorkspaceOption, console, meili_app


def publish(
    workspace: WorkspaceOption = None,
    note: Annotated[str | None, typer.Option("--note", help="说明 / a note kept with the release")] = None,
) -> None:
    """发布 / Publish the next release: observations, evaluations, rankings, summaries and results, frozen."""
    app = meili_app(workspace)
    previous = app.releases()[-1:]
    info = app.publish(note=note)
    typer.echo(info.number)
    print_release(info, previous[0] if previous else None)


def print_release(info, previous=None) -> None:
    """A release's summary: counts per table, digest, and whether anything changed since the previous one."""
    counts = ", ".join(f"{name} {n}" for name, n in info.counts.items())
    console.print(f"发布 / release {info.number} ({info.created_at:%Y-%m-%d %H:%M:%S %Z}, {info.actor}): {counts}",
                  highlight=False)
    console.print(f"  sha256 {info.digest}", highlight=False)
    if previous is not None and previous.data_digest == info.data_digest:
        console.print(f"  自发布 {previous.number} 以来无变化 / no changes since release {previous.number}",
                      highlight=False)
    elif previous is not None:
        console.print(f"  修订 / revisions since release {previous.number}: {info.counts.get('revisions', 0)}",
                      highlight=False)
