"""Reporting files: the CSV long format and Excel workbooks (read), and the Chinese reporting template (write).

Every reader returns the file's cells as strings, one row per data row, in the columns of :data:`FIELDS`, with
``_row`` (the row number a spreadsheet shows, header = 1) and ``_sheet``; checking them is
:mod:`meili.ingest.observations`' job. The CSV reader is vectorised (pyarrow); Excel workbooks are read cell by
cell with openpyxl (they are small: one county's report), which keeps formula error cells (#DIV/0!) visible.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv

from meili.ingest.issues import ObservationIssue

#: The long format's columns, in order: ``plan,region,measure,year,value,state,unit,source,note`` (+ provisional).
FIELDS = ["plan", "region", "measure", "year", "value", "state", "unit", "source", "note", "provisional"]
LONG_FORMAT = FIELDS[:9]
#: Columns a file must have (``value`` or ``state``: at least one of the two).
REQUIRED_COLUMNS = ["plan", "region", "measure", "year", "source"]

#: Header texts accepted for each column (compared case-insensitively, after splitting on '/' and new lines).
ALIASES: dict[str, tuple[str, ...]] = {
    "plan": ("plan", "规划", "规划编号"),
    "region": ("region", "区域", "区域代码", "地区", "区划代码", "行政区划代码"),
    "measure": ("measure", "测度", "测度编号", "指标编号"),
    "year": ("year", "年份", "年度"),
    "value": ("value", "填报值", "数值", "值"),
    "state": ("state", "状态"),
    "unit": ("unit", "单位", "计量单位"),
    "source": ("source", "数据来源", "来源", "填报单位"),
    "note": ("note", "备注", "说明"),
    "provisional": ("provisional", "初步数据", "是否初步数据"),
}
_ALIAS_INDEX = {a.casefold(): k for k, names in ALIASES.items() for a in names}
COLUMN_ZH = {k: v[1] for k, v in ALIASES.items()}

TEMPLATE_KEYWORD = "meili-template"
DATA_SHEET = "填报数据"
INSTRUCTIONS_SHEET = "填报说明"


@dataclass
class RawFile:
    """One file as read: its cells as strings (or None when unreadable) and the file-level issues."""

    path: Path
    sha256: str
    table: pa.Table | None
    issues: list[ObservationIssue] = field(default_factory=list)
    #: Template rows whose value cell is empty are "not reported", skipped rather than errors.
    template: bool = False


def header_key(text: object) -> str | None:
    """The column key of a header cell: ``'年份 / year'`` → ``'year'``; None when it names no known column."""
    if text is None:
        return None
    for part in re.split(r"[/\n]", str(text)):
        key = _ALIAS_INDEX.get(part.strip().casefold())
        if key:
            return key
    return None


def map_header(cells: Iterable[object]) -> dict[str, int]:
    """Column key → index of the first header cell naming it."""
    found: dict[str, int] = {}
    for i, cell in enumerate(cells):
        key = header_key(cell)
        if key and key not in found:
            found[key] = i
    return found


def missing_columns(found: dict[str, int], file: str, sheet: str | None, row: int | None) -> list[ObservationIssue]:
    need = [c for c in REQUIRED_COLUMNS if c not in found]
    if "value" not in found and "state" not in found:
        need.append("value")
    return [ObservationIssue(
        "missing_column", file, sheet, row, c, None,
        f"表头缺少“{COLUMN_ZH[c]}”列 / the header has no column {c!r}; expected the columns "
        f"{', '.join(LONG_FORMAT)} (names in Chinese accepted: {', '.join(COLUMN_ZH[k] for k in LONG_FORMAT)})")
        for c in need]


def _columns_table(columns: dict[str, list | pa.Array], rows: pa.Array | list, sheet: str | None) -> pa.Table:
    n = len(rows)
    arrays, names = [], []
    for key in FIELDS:
        col = columns.get(key)
        arrays.append(pa.nulls(n, pa.string()) if col is None else pa.array(col, pa.string()))
        names.append(key)
    arrays += [pa.array(rows, pa.int64()), pa.array([sheet] * n, pa.string())]
    names += ["_row", "_sheet"]
    return pa.Table.from_arrays(arrays, names=names)


# --- CSV -----------------------------------------------------------------------------------------------------

def _decode(data: bytes) -> tuple[bytes, str]:
    """UTF-8 bytes of a CSV in UTF-8 (with or without BOM) or GB18030 (what Excel on Chinese Windows saves)."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data, data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    text = data.decode("gb18030")  # raises UnicodeDecodeError when it is neither
    return text.encode("utf-8"), text


def read_csv(path: Path, data: bytes, sha256: str) -> RawFile:
    file = str(path)
    if b"\x00" in data[:65536]:
        return RawFile(path, sha256, None, [_unreadable(file, "二进制文件，不是 CSV / a binary file, not CSV text")])
    try:
        data, text = _decode(data)
    except UnicodeDecodeError as e:
        return RawFile(path, sha256, None, [_unreadable(
            file, f"编码既不是 UTF-8 也不是 GB18030 / encoding is neither UTF-8 nor GB18030 ({e.reason} at byte {e.start})")])
    first = text.split("\n", 1)[0].rstrip("\r")
    if not first.strip():
        return RawFile(path, sha256, None, [_unreadable(file, "文件为空或首行为空 / the file or its header row is empty")])
    header = next(csv.reader([first]))
    found = map_header(header)
    missing = missing_columns(found, file, None, 1)
    if missing:
        return RawFile(path, sha256, None, missing)

    bad_rows: list[int | None] = []

    def on_invalid(row) -> str:
        bad_rows.append(row.number)
        return "skip"

    width = len(header)
    names = [f"c{i}" for i in range(width)]
    try:
        t = pacsv.read_csv(
            io.BytesIO(data),
            read_options=pacsv.ReadOptions(column_names=names, skip_rows=1, block_size=1 << 24),
            parse_options=pacsv.ParseOptions(invalid_row_handler=on_invalid),
            convert_options=pacsv.ConvertOptions(
                column_types=dict.fromkeys(names, pa.string()), include_columns=[names[i] for i in found.values()],
                strings_can_be_null=False, quoted_strings_can_be_null=False),
        )
    except (pa.ArrowInvalid, pa.ArrowException) as e:
        return RawFile(path, sha256, None, [_unreadable(file, f"CSV 解析失败 / CSV parse error: {e}")])
    lines = data.count(b"\n") + (0 if data.endswith(b"\n") else 1)
    if bad_rows or lines != t.num_rows + 1 or b"\r" in data.replace(b"\r\n", b""):
        return _read_csv_slow(path, text, sha256, found, width)
    cols = {k: t.column(names[i]) for k, i in found.items()}
    rows = pa.array(range(2, t.num_rows + 2), pa.int64())
    return RawFile(path, sha256, _columns_table(cols, rows, None))


def _read_csv_slow(path: Path, text: str, sha256: str, found: dict[str, int], width: int) -> RawFile:
    """Row by row, for files with blank lines, line breaks inside cells or rows of the wrong width: exact row numbers."""
    file = str(path)
    issues = []
    cols: dict[str, list] = {k: [] for k in found}
    rows: list[int] = []
    reader = csv.reader(io.StringIO(text, newline=""))
    start = 1
    try:
        for i, rec in enumerate(reader):
            line, start = start, reader.line_num + 1
            if i == 0 or not any(c.strip() for c in rec):
                continue
            if len(rec) != width:
                issues.append(ObservationIssue(
                    "malformed_row", file, None, line, None, ",".join(rec)[:80],
                    f"该行有 {len(rec)} 个字段，表头有 {width} 个 / the row has {len(rec)} fields, the header {width}"))
                continue
            rows.append(line)
            for k, j in found.items():
                cols[k].append(rec[j])
    except csv.Error as e:
        return RawFile(path, sha256, None, [_unreadable(file, f"CSV 解析失败 / CSV parse error at line {start}: {e}")])
    return RawFile(path, sha256, _columns_table(cols, rows, None), issues)


def _unreadable(file: str, why: str) -> ObservationIssue:
    return ObservationIssue("unreadable_file", file, None, None, None, None,
                            f"{why}; 应为 .csv（UTF-8 或 GB18030）或 .xlsx / expected a .csv (UTF-8 or GB18030) or .xlsx file")


# --- Excel ---------------------------------------------------------------------------------------------------

def _cell_text(value: object, number_format: str | None) -> str | None:
    """A cell as text: 2023.0 → '2023'; a number shown as a percentage (0.926 as 92.6%) → '92.6'."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        if number_format and "%" in number_format:
            value = round(value * 100, 10)
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
        return repr(value) if isinstance(value, float) else str(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def read_xlsx(path: Path, data: bytes, sha256: str) -> RawFile:
    import zipfile

    import openpyxl

    file = str(path)
    try:
        wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError) as e:
        return RawFile(path, sha256, None, [_unreadable(file, f"无法打开工作簿 / cannot open the workbook: {e}")])
    try:
        template = (wb.properties.keywords or "") == TEMPLATE_KEYWORD
        tables, issues, header_seen = [], [], False
        for ws in wb.worksheets:
            cols: dict[str, list] = {}
            rows: list[int] = []
            found: dict[str, int] | None = None
            for r, cells in enumerate(ws.iter_rows(), start=1):
                texts = [_cell_text(c.value, getattr(c, "number_format", None)) for c in cells]
                if found is None:
                    if r > 10:
                        break
                    m = map_header(texts)
                    if {"plan", "region", "measure", "year"} <= m.keys():
                        found, header_seen = m, True
                        missing = missing_columns(m, file, ws.title, r)
                        if missing:
                            issues += missing
                            break
                        cols = {k: [] for k in m}
                    continue
                if not any(t is not None and t.strip() for t in texts):
                    continue
                rows.append(r)
                for k, j in found.items():
                    cols[k].append(texts[j] if j < len(texts) else None)
            if found is not None and rows and not any(i.sheet == ws.title for i in issues):
                tables.append(_columns_table(cols, rows, ws.title))
    except Exception as e:  # a corrupt part of the zip shows up only while reading rows
        return RawFile(path, sha256, None, [_unreadable(file, f"工作簿损坏 / the workbook is damaged: {e}")])
    finally:
        wb.close()
    if not header_seen:
        return RawFile(path, sha256, None, [_unreadable(
            file, "没有找到含“规划、区域、测度、年份”表头的工作表 / no sheet has a header row with plan, region, "
                  "measure, year in its first 10 rows")])
    table = pa.concat_tables(tables) if tables else _columns_table({}, [], None)
    return RawFile(path, sha256, table, issues, template=template)


def read_file(path: str | Path) -> RawFile:
    """Read a reporting file: .xlsx/.xlsm by content (a zip), anything else as CSV text."""
    import hashlib

    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as e:
        return RawFile(path, "", None, [_unreadable(str(path), f"无法打开 / cannot open: {e.strerror or e}")])
    sha = hashlib.sha256(data).hexdigest()
    if data.startswith(b"PK\x03\x04"):
        return read_xlsx(path, data, sha)
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        return RawFile(path, sha, None, [_unreadable(
            str(path), "旧版 .xls 格式不受支持，请另存为 .xlsx / the old .xls format is not supported; save as .xlsx")])
    return read_csv(path, data, sha)
