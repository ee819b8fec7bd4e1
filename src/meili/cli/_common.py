"""Shared pieces of the CLI: the application object, output formats, printing tables, progress, errors.

The CLI decides nothing: each command parses its options, calls :class:`meili.app.Meili` and prints what it returns.
Errors: a :class:`meili.errors.MeiliError` is printed (Chinese and English) with exit code 1; anything else is an
internal error — a short message and exit code 70, with the traceback saved to a file for the bug report.
"""

from __future__ import annotations

import io
import json
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from typer.core import TyperGroup

from meili.app import Hooks
from meili.errors import MeiliError
from meili.i18n import count

if TYPE_CHECKING:
    from meili.app import Meili

# Piped output gets 160 columns rather than rich's 80, so Chinese tables stay readable in logs and files.
console = Console(width=None if sys.stdout.isatty() else 160)
err_console = Console(stderr=True, width=None if sys.stderr.isatty() else 160)

#: Exit code of an internal error (a bug, not the user's input): sysexits' EX_SOFTWARE.
INTERNAL_ERROR_EXIT = 70


#: ``--workspace DIR`` on every command that uses a workspace; default: $MEILI_WORKSPACE, else the current folder.
WorkspaceOption = Annotated[
    Path | None,
    typer.Option("--workspace", "-w", envvar="MEILI_WORKSPACE",
                 help="工作区目录 / workspace folder (default: $MEILI_WORKSPACE or the current folder)."),
]


class CsvEncoding(StrEnum):
    utf8_bom = "utf-8-sig"
    utf8 = "utf-8"
    gb18030 = "gb18030"


#: ``--encoding`` of every command that writes a CSV file.
EncodingOption = Annotated[CsvEncoding, typer.Option(
    "--encoding", help="CSV 编码 / CSV encoding: utf-8-sig（带 BOM，Excel 可直接打开 / with BOM, opens in Excel）, "
                       "utf-8, gb18030.")]


class OutputFormat(StrEnum):
    table = "table"
    csv = "csv"
    json = "json"


#: What to type next, for the kinds of problem a command can answer (the library names no command or option).
HINTS = {
    "not_a_workspace": "创建工作区 / create one: meili init {file}  （或用 / or pass --workspace DIR）",
    "workspace_has_data": "另选目录 / choose another folder: -w DIR；或确认后 / or, if intended: --force",
    "unknown_station": "略去名录外的站点 / drop the stations the registry does not list: --drop-unknown-stations",
    "store_busy": "稍后重试，或设置 MEILI_LOCK_TIMEOUT 延长等待 / try again later, or wait longer with MEILI_LOCK_TIMEOUT=SECONDS",
}


def print_error(error: MeiliError) -> None:
    # Escaped: messages quote user input and plan texts such as "[22.01]", which rich would read as markup.
    err_console.print(f"[bold red]错误 / error[/]\n{escape(str(error))}", highlight=False, markup=True, soft_wrap=True)
    hints = dict.fromkeys(HINTS[p.kind].format(file=p.file or "DIR") for p in error.problems if p.kind in HINTS)
    for hint in hints:
        err_console.print(f"[dim]提示 / hint:[/] {escape(hint)}", highlight=False, soft_wrap=True)


def _internal_error(error: BaseException) -> None:
    import tempfile
    import time
    import traceback

    from meili import __version__

    report = Path(tempfile.gettempdir()) / f"meili-internal-error-{time.strftime('%Y%m%d-%H%M%S')}.txt"
    try:
        report.write_text(f"meili {__version__}\n{' '.join(sys.argv)}\n\n{traceback.format_exc()}", encoding="utf-8")
        where = f"详情 / details: {report}"
    except OSError:
        where = ""
    err_console.print(
        f"[bold red]内部错误 / internal error[/]: {escape(type(error).__name__)}: {escape(str(error))}\n"
        "这是 Meili 的缺陷，不是您输入的问题；请连同命令和下面的文件报告给开发者。\n"
        f"This is a defect in Meili, not in your input: please report it with the command and this file. {where}",
        highlight=False, soft_wrap=True)


def _click_flow() -> tuple[type[BaseException], ...]:
    # Typer ≥ 0.20 carries its own copy of click: the classes are found where typer's own BadParameter lives.
    click_exceptions = sys.modules[typer.BadParameter.__module__]
    return (click_exceptions.ClickException, typer.Exit, typer.Abort, KeyboardInterrupt)


_CLICK_FLOW = _click_flow()


class MeiliGroup(TyperGroup):
    """The root command group: turns errors into messages and exit codes, never into a traceback."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except MeiliError as e:
            print_error(e)
            raise typer.Exit(1) from None
        except _CLICK_FLOW:  # usage errors, --help, exits: click shows them as it always does
            raise
        except BrokenPipeError:  # `meili data export | head`: the reader has gone, which is not an error
            _silence_stdout()
            raise typer.Exit(0) from None
        except Exception as e:
            _internal_error(e)
            raise typer.Exit(INTERNAL_ERROR_EXIT) from None


def _silence_stdout() -> None:
    import os

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):  # no real file descriptor (a test runner's stream): nothing to silence
        pass


class CliHooks(Hooks):
    """Progress for long work as rich bars on standard error."""

    def run(self, label: str, work: Callable[[], Any], backend=None) -> Any:
        return with_progress(label, work, backend)

    @contextmanager
    def counter(self, label: str, total: int) -> Iterator[Callable[..., None]]:
        with counted(label, total) as advance:
            yield advance

    def note(self, text: str) -> None:
        err_console.print(f"[dim]{escape(text)}[/]", highlight=False)


def meili_app(workspace: Path | None = None) -> Meili:
    """The application object a command calls, with the CLI's progress display."""
    from meili.app import Meili

    return Meili(workspace, hooks=CliHooks())


def write_rows(rows: Sequence[dict], fmt: OutputFormat | str, title: str | None = None,
               columns: Sequence[str] | None = None, headers: dict[str, str] | None = None) -> None:
    """Print rows as a rich table, CSV or JSON on standard output (``headers``: display names of the table's
    columns; CSV and JSON keep the column names)."""
    columns = list(columns or (rows[0].keys() if rows else []))
    fmt = OutputFormat(fmt)
    if fmt == OutputFormat.json:
        sys.stdout.write(json.dumps([{c: r.get(c) for c in columns} for r in rows], ensure_ascii=False, indent=1,
                                    default=str) + "\n")
    elif fmt == OutputFormat.csv:
        from meili.app.outputs import write_rows_csv

        buf = io.StringIO()
        write_rows_csv(rows, columns, buf)
        sys.stdout.write(buf.getvalue())
    else:
        table = Table(title=title, show_lines=False)
        for c in columns:
            table.add_column((headers or {}).get(c, c), overflow="fold")
        for r in rows:
            table.add_row(*("" if r.get(c) is None else escape(str(r.get(c))) for c in columns))
        console.print(table)


def for_display(rows: list[dict], app=None, digits: int = 2) -> list[dict]:
    """Rows as a terminal table shows them: floats rounded to ``digits``, a region's name beside its code."""
    shown = []
    for r in rows:
        r = {k: round(v, digits) if isinstance(v, float) else v for k, v in r.items()}
        if app is not None and "region" in r and "region_name" not in r:
            r["region_name"] = app.region_name(r["region"])
        shown.append(r)
    return shown


def column_labels() -> dict[str, str]:
    """Terminal table headers in Chinese, from the label catalog (CSV and JSON keep the English column names;
    both languages side by side would wrap every header of a wide table)."""
    from meili.i18n import labels

    return labels("columns", "zh")


def output_file_callback(value: Path | None) -> Path | None:
    """Typer callback: a bad output suffix is refused while parsing, before anything is read or computed."""
    from meili.app.outputs import check_output

    if value is not None:
        try:
            check_output(value)
        except MeiliError as e:  # shown in click's usage box: the short form, file and what is wrong
            raise typer.BadParameter(f"{value}: {e.problems[0].detail}") from None
    return value


def _progress_bar(count_column):
    """A transient rich progress display on standard error: spinner, label, bar, ``count_column``, elapsed time."""
    from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    return Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), count_column, TimeElapsedColumn(),
                    console=err_console, transient=True)


def with_progress(label: str, work, backend=None):
    """Run ``work()`` (DuckDB queries on ``backend``) and show the running query's progress as a bar with the
    elapsed time; return what ``work`` returns.

    DuckDB reports the running query's progress (``query_progress``) to another thread; the work runs in a worker
    thread while this one draws the bar. Without a DuckDB backend a spinner is shown. Ctrl-C interrupts the query.
    """
    import threading

    from rich.progress import TaskProgressColumn

    raw = getattr(backend, "con", None)
    if raw is None or not hasattr(raw, "query_progress"):
        with err_console.status(label):
            return work()
    raw.execute("SET enable_progress_bar = true; SET enable_progress_bar_print = false")
    outcome: dict = {}

    def run() -> None:
        try:
            outcome["value"] = work()
        except BaseException as e:  # re-raised in the calling thread
            outcome["error"] = e

    worker = threading.Thread(target=run, daemon=True)
    with _progress_bar(TaskProgressColumn()) as progress:
        # a pulsing bar until DuckDB reports a percentage (some operators report only when they finish)
        task = progress.add_task(label, total=None)
        worker.start()
        try:
            while worker.is_alive():
                worker.join(0.2)
                done = raw.query_progress()
                if done >= 1:
                    progress.update(task, total=100, completed=done)
        except KeyboardInterrupt:
            raw.interrupt()
            worker.join()
            raise
    if "error" in outcome:
        raise outcome["error"]
    return outcome.get("value")


@contextmanager
def counted(label: str, total: int) -> Iterator:
    """A bar counting ``total`` items (e.g. files read); yields the callback that advances it by one."""
    from rich.progress import MofNCompleteColumn

    with _progress_bar(MofNCompleteColumn()) as progress:
        task = progress.add_task(label, total=total)
        yield lambda *_: progress.advance(task)


def print_indicator_run(run, root: Path) -> None:
    """What ``meili air|water indicators`` recorded: each row, what was not computed, the store's counts."""
    for row in run.rows.to_pylist():
        value = "—" if row["value"] is None else f"{row['value']:g}"
        console.print(f"{row['measure']:>5} {row['region']:<20} {row['year']} {value} {row['unit']} "
                      f"({row['state']}) {row['note'] or ''}", highlight=False)
    if run.missing.num_rows:
        console.print(f"未能计算、未写入 {run.missing.num_rows} 行 / not computed, not written: "
                      f"{count(run.missing.num_rows, 'row')}")
    console.print(f"{root}: {run.result.summary()}", highlight=False)


def print_record_result(run, root: Path) -> None:
    """What ``meili air|water record`` recorded: rows per scope and period, notes, the store's counts."""
    import pyarrow.compute as pc

    rows = run.rows
    for scope in dict.fromkeys(rows["scope"].to_pylist()):
        part = rows.filter(pc.equal(rows["scope"], scope))
        codes = len(set(part["code"].to_pylist()))
        monthly = part["month"].length() - part["month"].null_count
        console.print(f"  {scope:<8} {codes:>4} 个 / keys, {part.num_rows:>6} 个结果 / results "
                      f"({monthly} 月度 / monthly)", highlight=False)
    for note in run.notes:
        console.print(f"  {note}", highlight=False)
    console.print(f"{root}: {run.summary()}", highlight=False)
