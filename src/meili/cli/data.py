"""``meili init`` and ``meili data``: workspace, reporting templates, import, read back, export."""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from meili.cli._common import OutputFormat, WorkspaceOption, console, err_console, user_errors, write_rows

app = typer.Typer(help="观测数据 / observations: templates, import, list, history, export.", no_args_is_help=True)



def _errors(*more: type[Exception]) -> tuple[type[Exception], ...]:
    # The store and the plan model (DuckDB, Ibis, pydantic) load when a command runs, not at the CLI's start-up.
    from meili.plan import PlanError, UnknownRegionError
    from meili.store import StoreError

    return (StoreError, PlanError, UnknownRegionError, KeyError, OSError, *more)


def init(
    directory: Annotated[Path, typer.Argument(help="工作区目录 / workspace folder (created if missing).")] = Path("."),
) -> None:
    """创建工作区 / Create a workspace: meili.toml and the DuckDB store."""
    from meili.store import init_workspace

    with user_errors(*_errors()):
        ws = init_workspace(directory)
    console.print(f"已创建工作区 / workspace created: {ws.root} ({ws.db_path.name})", highlight=False)


@app.command("import")
def import_(
    files: Annotated[list[Path], typer.Argument(help="CSV（长表）或 .xlsx 填报文件 / CSV long format or .xlsx files.")],
    dry_run: Annotated[bool, typer.Option("--dry-run", help="只校验、统计，不写入 / check and count, write nothing.")] = False,
    workspace: WorkspaceOption = None,
) -> None:
    """导入观测数据 / Import reported observations: all checks first; any issue ⇒ nothing written, exit 1."""
    from meili.ingest.issues import ObservationError
    from meili.ingest.observations import import_files
    from meili.store import open_workspace

    with user_errors(*_errors(ObservationError)):
        ws = open_workspace(workspace)
        with err_console.status("导入中 / importing…") as status:
            def progress(msg: str) -> None:
                status.update(msg)
                err_console.print(msg, highlight=False)

            result = import_files(ws, files, dry_run=dry_run, producer=_command_line(), progress=progress)
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
    from meili.ingest.templates import write_template
    from meili.plan import load_plan

    with user_errors(*_errors(ValueError)):
        p = load_plan(plan)
        n = write_template(output, p, year, regions=_split(regions))
    console.print(f"已写入 / written {output}: {n} 行待填 / rows to fill ({p.id}, {year})", highlight=False)


def _split(values: list[str] | None) -> list[str] | None:
    if not values:
        return None
    return [v for item in values for v in item.replace("，", ",").split(",") if v.strip()]


def _command_line() -> str:
    ours = sys.argv and sys.argv[0].endswith(("meili", "__main__.py"))
    return "meili " + " ".join(sys.argv[1:]) if ours else "meili data import"


_LIST_COLUMNS = ["plan", "region", "measure", "year", "value", "state", "unit", "source", "provisional", "revision",
                 "file", "row"]


@app.command("list")
def list_(
    plan: Annotated[str | None, typer.Option(help="规划 / plan id.")] = None,
    region: Annotated[str | None, typer.Option(help="区域代码、名称或区域组 / region code, name or group.")] = None,
    measure: Annotated[str | None, typer.Option(help="测度编号 / measure id, e.g. 16.1.")] = None,
    year: Annotated[int | None, typer.Option(help="年份 / year.")] = None,
    format: Annotated[OutputFormat, typer.Option("--format", "-f")] = OutputFormat.table,
    workspace: WorkspaceOption = None,
) -> None:
    """列出当前值 / List the current observations (latest revision of each)."""
    from meili.store import open_workspace

    with user_errors(*_errors()):
        _check_region(region)
        t = open_workspace(workspace).current_observations(plan=plan, region=region, measure=measure, year=year)
    rows = t.to_pylist()
    cols = _LIST_COLUMNS if format == OutputFormat.table else t.column_names
    write_rows(rows, format, title=f"观测数据 / observations ({len(rows)})", columns=cols)


@app.command("history")
def history(
    region: Annotated[str, typer.Option(help="区域代码、名称或区域组 / region code, name or group.")],
    measure: Annotated[str, typer.Option(help="测度编号 / measure id.")],
    plan: Annotated[str | None, typer.Option(help="规划 / plan id.")] = None,
    year: Annotated[int | None, typer.Option(help="年份 / year.")] = None,
    format: Annotated[OutputFormat, typer.Option("--format", "-f")] = OutputFormat.table,
    workspace: WorkspaceOption = None,
) -> None:
    """修订历史 / Every revision of a region's measure, with the file and time it came from."""
    from meili.store import open_workspace

    with user_errors(*_errors()):
        _check_region(region)
        t = open_workspace(workspace).history(plan=plan, region=region, measure=measure, year=year)
    cols = ["plan", "region", "measure", "year", "revision", "value", "state", "unit", "source", "provisional",
            "import_id", "file", "sheet", "row", "imported_at"]
    write_rows(t.to_pylist(), format, title=f"修订历史 / history: {region} {measure}", columns=cols)


class ExportFormat(StrEnum):
    csv = "csv"
    parquet = "parquet"


@app.command("export")
def export(
    format: Annotated[ExportFormat, typer.Option("--format", "-f")] = ExportFormat.csv,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="输出文件；CSV 可省略（标准输出）/ file "
                                                "(CSV may go to standard output).")] = None,
    all_revisions: Annotated[bool, typer.Option("--all-revisions", help="导出全部修订 / every revision.")] = False,
    plan: Annotated[str | None, typer.Option(help="规划 / plan id.")] = None,
    workspace: WorkspaceOption = None,
) -> None:
    """导出 / Export the current observations (or every revision) as CSV or Parquet."""
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    from meili.store import StoreError, open_workspace

    with user_errors(*_errors()):
        ws = open_workspace(workspace)
        t = ws.history(plan=plan) if all_revisions else ws.current_observations(plan=plan)
        if format == ExportFormat.parquet:
            if output is None:
                raise StoreError("Parquet 需要 --output 文件 / parquet needs --output FILE")
            pq.write_table(t, output)
        elif output is None:
            pacsv.write_csv(t, sys.stdout.buffer)
        else:
            pacsv.write_csv(t, output)
    if output is not None:
        console.print(f"已导出 / exported {t.num_rows} 行 rows → {output}", highlight=False)


@app.command("imports")
def imports(
    format: Annotated[OutputFormat, typer.Option("--format", "-f")] = OutputFormat.table,
    workspace: WorkspaceOption = None,
) -> None:
    """导入记录 / Every import: file(s), sha256, command, time and counts."""
    from meili.store import open_workspace

    with user_errors(*_errors()):
        t = open_workspace(workspace).imports()
    write_rows(t.to_pylist(), format, title="导入记录 / imports")


def _check_region(region: str | None) -> None:
    if region is not None:
        from meili.plan import load_regions

        load_regions().resolve(region)
