"""Writing result tables to files: the one place that decides formats, suffixes and what may not be overwritten.

Every front door (CLI, web, reports) writes tables through :func:`write_table`; it refuses an output it cannot
write before any work is done (:func:`check_output`).
"""

from __future__ import annotations

from pathlib import Path

from meili.errors import OutputError, Problem, Text

#: Suffixes of the tables Meili writes, and the format each means.
TABLE_SUFFIXES = {".csv": "csv", ".parquet": "parquet"}


def check_output(path: Path, suffixes: dict[str, str] = TABLE_SUFFIXES) -> str:
    """The format ``path``'s suffix names; refuses any other suffix with an :class:`OutputError`."""
    fmt = suffixes.get(Path(path).suffix.lower())
    if fmt is None:
        wanted, found = " 或 ".join(suffixes), Path(path).suffix or "(none)"
        raise OutputError(Problem("invalid_output", file=str(path), detail=Text(
            f"输出文件后缀应为 {wanted}，而不是 {found!r}", f"the output file must end in {' or '.join(suffixes)}, not {found!r}")))
    return fmt


def write_table(table, output: Path, run=None) -> int:
    """Write a pyarrow or Ibis table to ``output`` (.csv or .parquet); returns the rows written.

    An Ibis table is written by its engine (DuckDB streams it to the file: a national year is never held in
    memory). ``run(label, work, backend)`` runs the write (a front door passes one that shows progress).
    """
    import pyarrow as pa
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    fmt = check_output(output)
    output = Path(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    parquet = fmt == "parquet"
    if isinstance(table, pa.Table):
        (pq.write_table if parquet else pacsv.write_csv)(table, output)
        return table.num_rows
    run = run or (lambda _label, work, backend=None: work())
    run(f"计算并写出 / computing and writing {output}",
        lambda: (table.to_parquet if parquet else table.to_csv)(output), backend_of(table))
    if parquet:
        return pq.read_metadata(output).num_rows
    with output.open(encoding="utf-8") as f:  # counting lines is cheaper than running the query again
        return sum(1 for _ in f) - 1


def backend_of(table):
    """The Ibis backend ``table`` runs on, or None (a front door then shows a spinner, not a progress bar)."""
    import ibis

    try:
        return ibis.get_backend(table)
    except Exception:  # an expression bound to no backend: nothing to read progress from
        return None


def export_table(table, fmt: str, output: Path | None, stdout=None) -> int:
    """Write an observations export as ``fmt`` (csv or parquet) to ``output``, or CSV to ``stdout`` (a binary
    stream) when no file is given; returns the rows written."""
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    from meili.errors import RequestError

    if fmt == "parquet":
        if output is None:
            raise RequestError(Problem("invalid_request", column="output",
                                       detail=Text("Parquet 需要输出文件", "Parquet needs an output file")))
        pq.write_table(table, output)
    elif output is None:
        pacsv.write_csv(table, stdout)
    else:
        pacsv.write_csv(table, output)
    return table.num_rows
