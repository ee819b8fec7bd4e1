"""Writing result tables to files: the one place that decides formats, encodings, what text is made safe and what
may not be overwritten.

Every front door writes tables through :func:`write_table` (or :func:`write_rows_csv` for a stream); it refuses an
output it cannot write before any work is done (:func:`check_output`):

- the suffix names the format (``.csv``, ``.parquet``, ``.xlsx``); any other suffix is refused;
- never over an input of the same command, the store, its configuration, or a file inside a workspace that Meili
  did not write there as an output (``outputs.log`` in the workspace lists those);
- a file is written to ``NAME.part`` and renamed when complete, so a crash never leaves half a file under the name.

Text that a spreadsheet would run as a formula (a cell beginning with ``=``, ``+``, ``-``, ``@``, tab or carriage
return: OWASP's "CSV injection" rule) is prefixed with ``'`` in every CSV and XLSX Meili writes; numbers stay
numbers. CSV files are UTF-8 with a byte-order mark by default, so Excel in a Chinese locale opens them correctly.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from pathlib import Path

from meili.errors import OutputError, Problem, RequestError, Text

#: Suffixes of the tables Meili writes, and the format each means.
TABLE_SUFFIXES = {".csv": "csv", ".parquet": "parquet", ".xlsx": "xlsx"}
#: Encodings a CSV output may have: UTF-8 with BOM (Excel), plain UTF-8, GB18030 (older Chinese software).
CSV_ENCODINGS = ("utf-8-sig", "utf-8", "gb18030")
#: The first characters that make a spreadsheet cell a formula (OWASP CSV injection).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_FORMULA_REGEX = "^[=+\\-@\t\r]"
#: The list of outputs Meili wrote inside a workspace (one path per line, relative to the workspace).
OUTPUTS_LOG = "outputs.log"
#: Excel's row limit (header included).
XLSX_MAX_ROWS = 1_048_576


def _refuse(path: Path | str, zh: str, en: str) -> OutputError:
    return OutputError(Problem("invalid_output", file=str(path), detail=Text(zh, en)))


def check_output(path: Path | str, suffixes: dict[str, str] = TABLE_SUFFIXES, *,
                 inputs: Iterable[Path | str] = ()) -> str:
    """The format ``path``'s suffix names; refuses (:class:`OutputError`) any other suffix, an input of the same
    command, and protected files of a workspace (see the module docstring)."""
    path = Path(path)
    fmt = suffixes.get(path.suffix.lower())
    if fmt is None:
        wanted, found = " 或 ".join(suffixes), path.suffix or "(none)"
        raise _refuse(path, f"输出文件后缀应为 {wanted}，而不是 {found!r}",
                      f"the output file must end in {' or '.join(suffixes)}, not {found!r}")
    target = _resolved(path)
    for given in inputs:
        if _resolved(Path(given)) == target:
            raise _refuse(path, "输出文件不能覆盖本命令的输入文件", "the output would overwrite an input of this command")
    root = workspace_of(target)
    if root is not None:
        _check_workspace_file(root, target)
    return fmt


def _resolved(path: Path) -> Path:
    return Path(os.path.realpath(path.expanduser()))


def workspace_of(path: Path) -> Path | None:
    """The workspace folder ``path`` lies in (a folder holding ``meili.toml``), or None."""
    from meili.store.workspace import CONFIG_FILE

    for folder in path.parents:
        if (folder / CONFIG_FILE).is_file():
            return folder
    return None


def _protected_names(root: Path) -> set[str]:
    from meili.store.workspace import CONFIG_FILE, DEFAULT_DB

    store = DEFAULT_DB
    try:
        import tomllib

        store = tomllib.loads((root / CONFIG_FILE).read_text(encoding="utf-8")).get("store", {}).get("path", store)
    except (OSError, ValueError):  # an unreadable configuration protects the default names
        pass
    return {CONFIG_FILE, OUTPUTS_LOG, store, f"{store}.wal", f"{store}.lock", DEFAULT_DB, f"{DEFAULT_DB}.wal",
            f"{DEFAULT_DB}.lock"}


def _check_workspace_file(root: Path, target: Path) -> None:
    relative = target.relative_to(root).as_posix()
    if relative in _protected_names(root):
        raise _refuse(target, "不能覆盖工作区的存储或配置文件", "the output would overwrite the workspace's store or configuration")
    if target.exists() and relative not in _written_outputs(root):
        raise _refuse(target, "工作区中已有此文件且不是 Meili 写出的输出，拒绝覆盖",
                      "a file of the workspace that Meili did not write as an output: not overwritten")


def _written_outputs(root: Path) -> set[str]:
    try:
        return set((root / OUTPUTS_LOG).read_text(encoding="utf-8").splitlines())
    except OSError:
        return set()


def record_output(path: Path) -> None:
    """Note an output written inside a workspace, so that Meili may write it again later."""
    target = _resolved(path)
    root = workspace_of(target)
    if root is None:
        return
    relative = target.relative_to(root).as_posix()
    if relative not in _written_outputs(root):
        with (root / OUTPUTS_LOG).open("a", encoding="utf-8") as f:
            f.write(relative + "\n")


# --- making text safe ------------------------------------------------------------------------------------------
def safe_text(value: str) -> str:
    """``value`` with a leading ``'`` if a spreadsheet would read it as a formula."""
    return "'" + value if value.startswith(FORMULA_START) else value


def neutralise_arrow(table):
    """A pyarrow table whose text columns are made safe (:func:`safe_text`, vectorised); other columns as they are."""
    import pyarrow as pa
    import pyarrow.compute as pc

    columns = []
    for column in table.columns:
        if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
            risky = pc.fill_null(pc.match_substring_regex(column, _FORMULA_REGEX), False)
            column = pc.if_else(risky, pc.binary_join_element_wise("'", column, ""), column)
        columns.append(column)
    return pa.Table.from_arrays(columns, names=table.column_names)


def neutralise_ibis(table):
    """The same for an Ibis table: the rule becomes part of the query, so the engine applies it while writing."""
    import ibis

    return table.mutate(**{
        name: ibis.ifelse(table[name].re_search(_FORMULA_REGEX), "'" + table[name], table[name])
        for name, dtype in table.schema().items() if dtype.is_string()
    })


# --- writing ---------------------------------------------------------------------------------------------------
def write_table(table, output: Path | str, run=None, *, inputs: Iterable[Path | str] = (),
                encoding: str = "utf-8-sig", headers: dict[str, str] | None = None) -> int:
    """Write a pyarrow or Ibis table to ``output`` (.csv, .parquet or .xlsx); returns the rows written.

    An Ibis table is written by its engine (DuckDB streams it to the file: a national year is never held in
    memory), except to .xlsx, which holds at most 1,048,575 rows. ``run(label, work, backend)`` runs the write (a
    front door passes one that shows progress). ``headers``: column titles for .xlsx (default: the catalog's
    "区域 region" for known columns).
    """
    import pyarrow as pa

    output = Path(output)
    fmt = check_output(output, inputs=inputs)
    if encoding not in CSV_ENCODINGS:
        raise RequestError(Problem("invalid_choice", column="encoding", value=encoding,
                                   expected=" | ".join(CSV_ENCODINGS)))
    output.parent.mkdir(parents=True, exist_ok=True)
    part = output.with_name(output.name + ".part")
    run = run or (lambda _label, work, backend=None: work())
    try:
        if isinstance(table, pa.Table):
            rows = _write_arrow(table, part, fmt, encoding, headers)
        elif fmt == "xlsx":
            rows = _write_arrow(run(f"计算 / computing {output}", table.to_pyarrow, backend_of(table)), part, fmt,
                                encoding, headers)
        else:
            rows = run(f"计算并写出 / computing and writing {output}",
                       lambda: _write_ibis(table, part, fmt, encoding), backend_of(table))
        os.replace(part, output)
    finally:
        part.unlink(missing_ok=True)
    record_output(output)
    return rows


def _write_arrow(table, path: Path, fmt: str, encoding: str, headers: dict[str, str] | None) -> int:
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    if fmt == "parquet":
        pq.write_table(table, path)
    elif fmt == "xlsx":
        _write_xlsx(table, path, headers)
    elif encoding == "utf-8":
        pacsv.write_csv(neutralise_arrow(table), path)
    else:
        _reencode(lambda tmp: pacsv.write_csv(neutralise_arrow(table), tmp), path, encoding)
    return table.num_rows


def _write_ibis(table, path: Path, fmt: str, encoding: str) -> int:
    import pyarrow.parquet as pq

    if fmt == "parquet":
        table.to_parquet(path)
        return pq.read_metadata(path).num_rows
    safe = neutralise_ibis(table)
    if encoding == "utf-8":
        safe.to_csv(path)
    else:
        _reencode(safe.to_csv, path, encoding)
    with path.open(encoding=encoding) as f:  # counting lines is cheaper than running the query again
        return sum(1 for _ in f) - 1


def _reencode(write_utf8, path: Path, encoding: str) -> None:
    """Write UTF-8 to a temporary file with ``write_utf8(tmp)``, then copy it to ``path`` in ``encoding`` (streamed)."""
    import codecs

    tmp = path.with_name(path.name + ".utf8")
    try:
        write_utf8(tmp)
        with tmp.open("rb") as src, path.open("wb") as dst:
            if encoding == "utf-8-sig":
                dst.write(codecs.BOM_UTF8)
                while chunk := src.read(1 << 20):
                    dst.write(chunk)
            else:
                decoder = codecs.getincrementaldecoder("utf-8")()
                while chunk := src.read(1 << 20):
                    dst.write(decoder.decode(chunk).encode(encoding, errors="strict"))
                dst.write(decoder.decode(b"", final=True).encode(encoding))
    except UnicodeEncodeError as e:
        raise OutputError(Problem("invalid_output", file=str(path), value=e.object[e.start:e.end], detail=Text(
            f"该字符无法用 {encoding} 编码", f"the character cannot be written in {encoding}"),
            expected=Text("UTF-8 编码", "a UTF-8 encoding"))) from None
    finally:
        tmp.unlink(missing_ok=True)


def _write_xlsx(table, path: Path, headers: dict[str, str] | None) -> None:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    if table.num_rows >= XLSX_MAX_ROWS:
        raise OutputError(Problem("invalid_output", file=str(path), value=str(table.num_rows), detail=Text(
            "行数超过 Excel 上限", "more rows than Excel holds"), expected=Text(
            f"少于 {XLSX_MAX_ROWS:,} 行（请改用 .csv 或 .parquet）", f"fewer than {XLSX_MAX_ROWS:,} rows (write .csv or .parquet)")))
    from meili.i18n import label

    book = Workbook(write_only=True)
    sheet = book.create_sheet("data")
    # Chinese first: a known column's header is "区域 region"; any other keeps its name.
    sheet.append([(headers or {}).get(c) or label("columns", c, "both") for c in table.column_names])
    safe = neutralise_arrow(table)
    for batch in safe.to_batches(10_000):
        for row in zip(*(col.to_pylist() for col in batch.columns), strict=True):
            sheet.append([_xlsx_cell(sheet, v, WriteOnlyCell) for v in row])
    book.save(path)


def _xlsx_cell(sheet, value, cell_type):
    if isinstance(value, str):
        cell = cell_type(sheet, value=value)
        cell.data_type = "s"  # text, never a formula, whatever it begins with
        return cell
    if hasattr(value, "tzinfo") and value.tzinfo is not None:  # Excel has no time zones: local wall time
        return value.replace(tzinfo=None)
    return value


def write_bytes(path: Path | str, data: bytes) -> Path:
    """``data`` to ``path`` through ``NAME.part`` and a rename (a crash never leaves half a file under the name);
    the folder is created. The caller has checked the output (:func:`check_output`)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    part = path.with_name(path.name + ".part")
    try:
        part.write_bytes(data)
        os.replace(part, path)
    finally:
        part.unlink(missing_ok=True)
    return path


def write_rows_csv(rows: Sequence[dict], columns: Sequence[str], stream) -> None:
    """Rows as CSV on a text stream (standard output), text made safe; None as an empty cell."""
    import csv

    # RFC 4180 line ends: the csv module then quotes a field holding a carriage return, which it would not with "\n"
    w = csv.DictWriter(stream, fieldnames=list(columns), extrasaction="ignore", lineterminator="\r\n")
    w.writeheader()
    w.writerows({c: _csv_cell(r.get(c)) for c in columns} for r in rows)


def _csv_cell(value):
    if value is None:
        return ""
    return safe_text(value) if isinstance(value, str) else value


def export_table(table, fmt: str | None, output: Path | str | None, stdout=None, *,
                 encoding: str = "utf-8-sig") -> int:
    """Write an observations export: to ``output`` in the format of its suffix (``fmt``, if given, must agree), or
    as CSV to ``stdout`` (a binary stream) when no file is given; returns the rows written."""
    import pyarrow.csv as pacsv

    if output is None:
        if fmt not in (None, "csv"):
            raise RequestError(Problem("invalid_request", column="output", detail=Text(
                f"{fmt} 格式需要输出文件", f"the {fmt} format needs an output file")))
        pacsv.write_csv(neutralise_arrow(table), stdout)
        return table.num_rows
    named = TABLE_SUFFIXES.get(Path(output).suffix.lower())  # write_table refuses an unknown suffix
    if fmt is not None and named is not None and fmt != named:
        raise OutputError(Problem("invalid_output", file=str(output), value=fmt, detail=Text(
            f"格式与文件后缀 {Path(output).suffix} 不符", f"the format differs from the file's suffix {Path(output).suffix}")))
    return write_table(table, output, encoding=encoding)


def backend_of(table):
    """The Ibis backend ``table`` runs on, or None (a front door then shows a spinner, not a progress bar)."""
    import ibis

    try:
        return ibis.get_backend(table)
    except Exception:  # an expression bound to no backend: nothing to read progress from
        return None
