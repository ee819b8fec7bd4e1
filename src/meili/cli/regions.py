"""``meili regions``: the regions and groups Meili knows."""

from __future__ import annotations

from typing import Annotated

import typer

from meili.cli._common import OutputFormat, meili_app, write_rows

app = typer.Typer(rich_markup_mode=None, help="区域 / regions and region groups.", no_args_is_help=True)


@app.command("list")
def list_regions(
    parent: Annotated[str | None, typer.Option(help="Only the children of this region (code or name).")] = None,
    format: Annotated[OutputFormat, typer.Option("--format", "-f", help="输出格式 / output format: table, csv, json.")] = OutputFormat.table,
) -> None:
    """列出区域 / List regions (and, with --parent, the groups under it)."""
    regions = meili_app().regions
    chosen = regions.children(parent) if parent else regions.regions
    parent_code = regions.resolve(parent) if parent else None
    rows = [{"code": r.code, "name": r.name, "name_en": r.name_en, "level": r.level, "kind": r.kind or "",
             "parent": r.parent or "", "members": ""} for r in chosen]
    rows += [{"code": g.id, "name": g.name, "name_en": g.name_en, "level": "group", "kind": "group",
              "parent": g.parent, "members": " ".join(g.members)}
             for g in regions.groups if parent_code in (None, g.parent)]
    write_rows(rows, format, title="区域 / Regions")
