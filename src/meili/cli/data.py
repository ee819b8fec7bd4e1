"""``meili init`` and ``meili data``: workspace, reporting templates, import, read back, export."""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from meili.cli._common import (
    CsvEncoding,
    EncodingOption,
    OutputFormat,
    WorkspaceOption,
    column_labels,
    console,
    for_display,
    meili_app,
    write_rows,
)
from meili.i18n import count

app = typer.Typer(rich_markup_mode=None, help="观测数据 / observations: templates, import, list, history, export.", no_args_is_help=True)


def init(
    directory: Annotated[Path, typer.Argument(help="工作区目录 / workspace folder (created if missing).")] = Path("."),
) -> None:
    """创建工作区 / Create a workspace: meili.toml and the DuckDB store."""
    from meili.store import init_workspace

    ws = init_workspace(directory)
    console.print(f"已创建工作区 / workspace created: {ws.root} ({ws.db_path.name})", highlight=False)


@app.command("import")
def import_(
    files: Annotated[list[Path], typer.Argument(help="CSV（长表）或 .xlsx 填报文件 / CSV long format or .xlsx files.")],
    dry_run: Annotated[bool, typer.Option("--dry-run", help="只校验、统计，不写入 / check and count, write nothing.")] = False,
    workspace: WorkspaceOption = None,
) -> None:
    """导入观测数据 / Import reported observations: all checks first; any issue ⇒ nothing written, exit 1."""
    result = meili_app(workspace).import_files(files, dry_run=dry_run, producer=_command_line())
    console.print(result.summary(), highlight=False)


@app.command("template")
def template(
    output: Annotated[Path, typer.Option("--output", "-o", help="输出 .xlsx 文件 / the workbook to write.")],
    plan: Annotated[str, typer.Option(help="规划 / plan id.")] = "ganzhou",
    year: Annotated[int, typer.Option(help="填报年份 / the year to report.")] = 2023,
    regions: Annotated[list[str] | None, typer.Option(
        "--regions", "-r", help="区域（代码、名称或区域组），可重复 / regions (code, name or group), repeatable; "
                                "default: the city and its counties.")] = None,
) -> None:
    """生成填报模板 / Write a reporting workbook (Chinese) for a plan and year."""
    app = meili_app()
    n = app.template(output, plan, year, regions=_split(regions))
    console.print(f"已写入 {output}：{n} 行待填 / written {output}: {count(n, 'row')} to fill ({app.plan(plan).id}, {year})",
                  highlight=False)


def _split(values: list[str] | None) -> list[str] | None:
    if not values:
        return None
    return [v for item in values for v in item.replace("，", ",").split(",") if v.strip()]


def _command_line() -> str:
    ours = sys.argv and sys.argv[0].endswith(("meili", "__main__.py"))
    return "meili " + " ".join(sys.argv[1:]) if ours else "meili data import"


_LIST_COLUMNS = ["plan", "region", "region_name", "measure", "year", "value", "state", "unit", "source", "provisional", "revision",
                 "file", "row"]


@app.command("list")
def list_(
    plan: Annotated[str | None, typer.Option(help="规划 / plan id.")] = None,
    region: Annotated[str | None, typer.Option(help="区域代码、名称或区域组 / region code, name or group.")] = None,
    measure: Annotated[str | None, typer.Option(help="测度编号 / measure id, e.g. 16.1.")] = None,
    year: Annotated[int | None, typer.Option(help="年份 / year.")] = None,
    format: Annotated[OutputFormat, typer.Option("--format", "-f", help="输出格式 / output format: table, csv, json.")] = OutputFormat.table,
    workspace: WorkspaceOption = None,
) -> None:
    """列出当前值 / List the current observations (latest revision of each)."""
    app = meili_app(workspace)
    t = app.current(plan=plan, region=region, measure=measure, year=year)
    rows = t.to_pylist()
    if format == OutputFormat.table:
        write_rows(for_display(rows, app), format, title=f"观测数据 / observations ({len(rows)})",
                   columns=_LIST_COLUMNS, headers=column_labels())
    else:
        write_rows(rows, format, columns=t.column_names)


@app.command("history")
def history(
    region: Annotated[str, typer.Option(help="区域代码、名称或区域组 / region code, name or group.")],
    measure: Annotated[str, typer.Option(help="测度编号 / measure id.")],
    plan: Annotated[str | None, typer.Option(help="规划 / plan id.")] = None,
    year: Annotated[int | None, typer.Option(help="年份 / year.")] = None,
    format: Annotated[OutputFormat, typer.Option("--format", "-f", help="输出格式 / output format: table, csv, json.")] = OutputFormat.table,
    workspace: WorkspaceOption = None,
) -> None:
    """修订历史 / Every revision of a region's measure, with the file and time it came from."""
    t = meili_app(workspace).history(plan=plan, region=region, measure=measure, year=year)
    cols = ["plan", "region", "measure", "year", "revision", "value", "state", "unit", "source", "provisional",
            "import_id", "file", "sheet", "row", "imported_at"]
    rows = t.to_pylist()
    write_rows(for_display(rows) if format == OutputFormat.table else rows, format,
               title=f"修订历史 / history: {region} {measure}", columns=cols, headers=column_labels())


class ExportFormat(StrEnum):
    csv = "csv"
    parquet = "parquet"
    xlsx = "xlsx"


@app.command("export")
def export(
    format: Annotated[ExportFormat | None, typer.Option(
        "--format", "-f", help="格式（默认按文件后缀）/ format (default: the output's suffix; CSV without one).")] = None,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="输出文件 .csv/.parquet/.xlsx；CSV 可省略（标准"
                                                "输出）/ file (CSV may go to standard output).")] = None,
    all_revisions: Annotated[bool, typer.Option("--all-revisions", help="导出全部修订 / every revision.")] = False,
    plan: Annotated[str | None, typer.Option(help="规划 / plan id.")] = None,
    encoding: EncodingOption = CsvEncoding.utf8_bom,
    workspace: WorkspaceOption = None,
) -> None:
    """导出 / Export the current observations (or every revision) as CSV or Parquet."""
    from meili.app.outputs import export_table

    t = meili_app(workspace).export(all_revisions=all_revisions, plan=plan)
    n = export_table(t, format.value if format else None, output, stdout=sys.stdout.buffer, encoding=str(encoding))
    if output is not None:
        console.print(f"已导出 {n} 行 → {output} / exported {count(n, 'row')}", highlight=False)


@app.command("imports")
def imports(
    format: Annotated[OutputFormat, typer.Option("--format", "-f", help="输出格式 / output format: table, csv, json.")] = OutputFormat.table,
    workspace: WorkspaceOption = None,
) -> None:
    """导入记录 / Every import: file(s), sha256, command, time and counts."""
    write_rows(meili_app(workspace).imports().to_pylist(), format, title="导入记录 / imports")
