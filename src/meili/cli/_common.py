"""Shared pieces of the CLI: output formats, printing tables, turning library errors into exit code 1."""

from __future__ import annotations

import csv
import io
import json
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

# Piped output gets 160 columns rather than rich's 80, so Chinese tables stay readable in logs and files.
console = Console(width=None if sys.stdout.isatty() else 160)
err_console = Console(stderr=True, width=None if sys.stderr.isatty() else 160)


#: ``--workspace DIR`` on every command that uses a workspace; default: $MEILI_WORKSPACE, else the current folder.
WorkspaceOption = Annotated[
    Path | None,
    typer.Option("--workspace", "-w", envvar="MEILI_WORKSPACE",
                 help="工作区目录 / workspace folder (default: $MEILI_WORKSPACE or the current folder)."),
]


class OutputFormat(StrEnum):
    table = "table"
    csv = "csv"
    json = "json"


def write_rows(rows: Sequence[dict], fmt: OutputFormat | str, title: str | None = None,
               columns: Sequence[str] | None = None) -> None:
    """Print rows as a rich table, CSV or JSON on standard output."""
    columns = list(columns or (rows[0].keys() if rows else []))
    fmt = OutputFormat(fmt)
    if fmt == OutputFormat.json:
        sys.stdout.write(json.dumps([{c: r.get(c) for c in columns} for r in rows], ensure_ascii=False, indent=1,
                                    default=str) + "\n")
    elif fmt == OutputFormat.csv:
        buf = io.StringIO()
        w = csv.DictWriter(buf, fieldnames=columns, extrasaction="ignore", lineterminator="\n")
        w.writeheader()
        w.writerows({c: ("" if r.get(c) is None else r.get(c)) for c in columns} for r in rows)
        sys.stdout.write(buf.getvalue())
    else:
        table = Table(title=title, show_lines=False)
        for c in columns:
            table.add_column(c, overflow="fold")
        for r in rows:
            table.add_row(*("" if r.get(c) is None else str(r.get(c)) for c in columns))
        console.print(table)


@contextmanager
def user_errors(*kinds: type[Exception]) -> Iterator[None]:
    """Print the library's validation errors (already bilingual, naming file/row/column) and exit 1."""
    try:
        yield
    except kinds as e:
        # Escaped: messages quote user input and plan texts such as "[22.01]", which rich would read as markup.
        err_console.print(f"[bold red]错误 / error[/]\n{escape(str(e))}", highlight=False, markup=True, soft_wrap=True)
        raise typer.Exit(1) from None


class OutputPathError(ValueError):
    """An output file Meili cannot write (named with what was expected)."""


def check_output(path: Path) -> None:
    """Refuse an output suffix other than .csv / .parquet before any work is done."""
    if path.suffix.lower() not in (".csv", ".parquet"):
        raise OutputPathError(f"{path}: 输出文件后缀应为 .csv 或 .parquet / the output file must end in .csv or "
                              f".parquet, not {path.suffix or '(none)'!r}")


def output_file_callback(value: Path | None) -> Path | None:
    """Typer callback: a bad output suffix is refused while parsing, before anything is read or computed."""
    if value is not None:
        try:
            check_output(value)
        except OutputPathError as e:
            raise typer.BadParameter(str(e)) from None
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


def write_table(table, output: Path) -> int:
    """Write a pyarrow or Ibis table to ``output`` (.csv or .parquet); returns the rows written.

    An Ibis table is written by its engine (DuckDB streams it to the file: a national year is never held in memory).
    """
    import pyarrow as pa
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    check_output(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    parquet = output.suffix.lower() == ".parquet"
    if isinstance(table, pa.Table):
        (pq.write_table if parquet else pacsv.write_csv)(table, output)
        return table.num_rows
    with_progress(f"计算并写出 / computing and writing {output}", lambda: (table.to_parquet if parquet else
                                                                          table.to_csv)(output),
                  backend=_backend_of(table))
    if parquet:
        return pq.read_metadata(output).num_rows
    with output.open(encoding="utf-8") as f:  # counting lines is cheaper than running the query again
        return sum(1 for _ in f) - 1


@contextmanager
def counted(label: str, total: int) -> Iterator:
    """A bar counting ``total`` items (e.g. files read); yields the callback that advances it by one."""
    from rich.progress import MofNCompleteColumn

    with _progress_bar(MofNCompleteColumn()) as progress:
        task = progress.add_task(label, total=total)
        yield lambda *_: progress.advance(task)


def _backend_of(table):
    import ibis

    try:
        return ibis.get_backend(table)
    except Exception:  # no backend to read progress from: a spinner is shown
        return None


def record_indicators(table, inputs: list[Path], producer: str, workspace: Path | None,
                      output: Path | None = None, dry_run: bool = False) -> None:
    """Record computed plan indicators in the workspace (validated, one transaction) and print what was written.

    Rows that could not be computed (no valid data) are listed, not written. ``output`` also saves the rows.
    """
    from meili.ingest.computed import record_computed
    from meili.ingest.issues import ObservationError
    from meili.store import StoreError, open_workspace

    if output is not None:
        with user_errors(OutputPathError):
            write_table(table, output)
    with user_errors(StoreError, ObservationError):
        ws = open_workspace(workspace)
        result, missing = record_computed(ws, table, inputs, producer, dry_run=dry_run)
    for row in table.to_pylist():
        value = "—" if row["value"] is None else f"{row['value']:g}"
        console.print(f"{row['measure']:>5} {row['region']:<20} {row['year']} {value} {row['unit']} "
                      f"({row['state']}) {row['note'] or ''}", highlight=False)
    if missing.num_rows:
        console.print(f"未能计算、未写入 / not computed, not written: {missing.num_rows} 行 rows")
    console.print(f"{ws.root}: {result.summary()}", highlight=False)
