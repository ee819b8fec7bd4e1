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

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

from meili.errors import Problem, RequestError, Text
from meili.ingest.issues import ObservationIssue
from meili.ingest.text import ENCODINGS, UndecodableText, decode_csv
from meili.observation import OBSERVATION_COLUMNS

#: The long format's columns, in order: the observation columns (:mod:`meili.observation`), then ``provisional``.
FIELDS = [*OBSERVATION_COLUMNS, "provisional"]
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
    columns, chinese = ", ".join(LONG_FORMAT), ", ".join(COLUMN_ZH[k] for k in LONG_FORMAT)
    return [ObservationIssue(
        "missing_column", file=file, sheet=sheet, row=row, column=c,
        detail=Text(f"表头缺少“{COLUMN_ZH[c]}”列", f"the header has no column {c!r}"),
        expected=Text(f"列 {columns}（也可用中文列名：{chinese}）",
                      f"the columns {columns} (names in Chinese accepted: {chinese})"))
        for c in need]


def _columns_table(columns: dict[str, list | pa.Array], rows: pa.Array | list, sheet: str | None) -> pa.Table:
    n = len(rows)
    arrays, names = [], []
    for key in FIELDS:
        col = columns.get(key)
        if col is None:
            col = pa.nulls(n, pa.string())
        elif isinstance(col, pa.ChunkedArray | pa.Array):  # from pyarrow's CSV reader: no Python objects
            col = col.cast(pa.string())
        else:
            col = pa.array(col, pa.string())
        arrays.append(col)
        names.append(key)
    rows = rows if isinstance(rows, pa.Array) else pa.array(rows, pa.int64())
    arrays += [rows, pa.nulls(n, pa.string()) if sheet is None else pa.array([sheet] * n, pa.string())]
    names += ["_row", "_sheet"]
    return pa.table(arrays, names=names)


# --- CSV -----------------------------------------------------------------------------------------------------

def read_csv(path: Path, data: bytes, sha256: str) -> RawFile:
    file = str(path)
    try:
        data, text = decode_csv(data)
    except UndecodableText as e:
        return RawFile(path, sha256, None, [_unreadable(file, e.why)])
    try:
        header = next(csv.reader(io.StringIO(text, newline="")), [])
    except csv.Error as e:
        return RawFile(path, sha256, None, [_unreadable(file, Text(f"表头无法解析：{e}", f"cannot parse the header row: {e}"))])
    if not any(h.strip() for h in header):
        return RawFile(path, sha256, None, [_unreadable(file, Text("文件为空或首行为空", "the file or its header row is empty"))])
    found = map_header(header)
    missing = missing_columns(found, file, None, 1)
    if missing:
        sep = _separator(file, text, header)
        return RawFile(path, sha256, None, [sep] if sep else missing)

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
        return RawFile(path, sha256, None, [_unreadable(file, Text(f"CSV 解析失败：{e}", f"CSV parse error: {e}"))])
    lines = data.count(b"\n") + (0 if data.endswith(b"\n") else 1)
    if bad_rows or lines != t.num_rows + 1 or b"\r" in data.replace(b"\r\n", b""):
        return _read_csv_slow(path, text, sha256, found, width)
    cols = {k: t.column(names[i]) for k, i in found.items()}
    rows = pa.array(np.arange(2, t.num_rows + 2, dtype=np.int64))
    return RawFile(path, sha256, _columns_table(cols, rows, None))


#: Separators a CSV saved by another program (or another locale of Excel) may use instead of the comma.
OTHER_SEPARATORS = {";": "分号 ';' / semicolon ';'", "\t": "制表符 / tab", "|": "竖线 '|' / bar '|'",
                    "，": "全角逗号 '，' / full-width comma '，'"}


def _separator(file: str, text: str, header: list[str]) -> ObservationIssue | None:
    """One issue when the header line splits into known columns on another separator (Excel in a locale with a
    decimal comma saves ';'; some systems export tab-separated text): not one "missing column" per column."""
    line = text.split("\n", 1)[0].rstrip("\r")
    for sep, name in OTHER_SEPARATORS.items():
        if sep in line and len(map_header(line.split(sep)).keys() & {*REQUIRED_COLUMNS, "value", "state"}) >= 3:
            zh, en = name.split(" / ") if " / " in name else (name, name)
            return ObservationIssue(
                "csv_separator", file=file, row=1, value=line[:80],
                detail=Text(f"文件似乎以{zh}分隔，请另存为逗号分隔的 CSV（Excel：另存为“CSV UTF-8（逗号分隔）”）",
                            f"the file seems separated by {en}; save it as comma-separated CSV "
                            "(Excel: Save As 'CSV UTF-8 (Comma delimited)')"),
                expected=Text("以逗号分隔的 CSV", "comma-separated CSV"))
    return None


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
                    "malformed_row", file=file, row=line, value=",".join(rec)[:80],
                    detail=Text(f"该行有 {len(rec)} 个字段，表头有 {width} 个",
                                f"the row has {len(rec)} fields, the header {width}")))
                continue
            rows.append(line)
            for k, j in found.items():
                cols[k].append(rec[j])
    except csv.Error as e:
        return RawFile(path, sha256, None, [_unreadable(file, Text(f"第 {start} 行 CSV 解析失败：{e}", f"CSV parse error at line {start}: {e}"))])
    return RawFile(path, sha256, _columns_table(cols, rows, None), issues)


def _unreadable(file: str, why: Text) -> ObservationIssue:
    return ObservationIssue("unreadable_file", file=file, detail=why,
                            expected=Text(f".csv（{ENCODINGS.zh}）、.xlsx 或 .parquet 文件",
                                          f"a .csv ({ENCODINGS.en}), .xlsx or .parquet file"))


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


#: The most a workbook may unpack to, and the most cells a sheet's used range may span: a county's report is far
#: smaller; beyond these a file is refused before (or instead of) being expanded in memory (a zip bomb).
MAX_XLSX_UNPACKED = 256 * 1024 * 1024
MAX_SHEET_CELLS = 2_000_000
_DTD = re.compile(rb"<!(DOCTYPE|ENTITY)", re.IGNORECASE)
_FORMULA_TAG = re.compile(rb"<(\w+:)?f[\s>/]")


class _Refused(Exception):
    """A workbook refused before or while openpyxl reads it (the reason in both languages)."""

    def __init__(self, why: Text):
        super().__init__(why.en)
        self.why = why


@dataclass
class _Sheet:
    """What Meili reads of one worksheet: its state, the texts of its rows, the hidden rows, and the formula cells
    that have no computed value (row, 0-based column → formula)."""

    title: str
    state: str
    rows: list[tuple[int, list[str | None]]]
    hidden: set[int]
    formulas: dict[tuple[int, int], str] = field(default_factory=dict)


def _check_package(data: bytes) -> bool:
    """Refuse a package that would unpack to more than :data:`MAX_XLSX_UNPACKED` or whose XML declares a DTD.

    OOXML parts never carry a DTD; refusing ``<!DOCTYPE``/``<!ENTITY`` closes entity expansion ("billion laughs")
    and external entities whatever XML parser openpyxl uses (without lxml or defusedxml it is the standard
    library's expat, which does not fetch external entities and, from expat 2.4.1, limits amplification).
    Returns whether any worksheet holds a formula.
    """
    import zipfile

    with zipfile.ZipFile(io.BytesIO(data)) as z:
        infos = z.infolist()
        if sum(i.file_size for i in infos) > MAX_XLSX_UNPACKED:
            raise _Refused(Text(f"解压后超过 {MAX_XLSX_UNPACKED >> 20} MB", f"it unpacks to more than "
                                f"{MAX_XLSX_UNPACKED >> 20} MB"))
        formulas = False
        for info in infos:
            if info.filename.endswith((".xml", ".rels", ".vml")):
                part = z.read(info)
                if _DTD.search(part):
                    raise _Refused(Text(f"{info.filename} 含 DTD 声明（<!DOCTYPE/<!ENTITY），工作簿中不应出现",
                                        f"{info.filename} declares a DTD (<!DOCTYPE/<!ENTITY), which no workbook has"))
                formulas = formulas or (info.filename.startswith("xl/worksheets/") and bool(_FORMULA_TAG.search(part)))
    return formulas


def _load_xlsx(data: bytes) -> tuple[bool, list[_Sheet]]:
    """Every sheet as Meili reads it: the one place that parses a workbook (anything it raises means the file
    cannot be read). Returns (is it a Meili template, sheets)."""
    import openpyxl

    has_formulas = _check_package(data)
    wb = openpyxl.load_workbook(io.BytesIO(data), read_only=False, data_only=True)
    try:
        template = (wb.properties.keywords or "") == TEMPLATE_KEYWORD
        sheets = []
        for ws in wb.worksheets:
            if ws.max_row * ws.max_column > MAX_SHEET_CELLS:
                raise _Refused(Text(f"工作表 {ws.title} 的使用范围 {ws.dimensions} 过大（超过 {MAX_SHEET_CELLS:,} 个单元格）",
                                    f"sheet {ws.title}'s used range {ws.dimensions} is too large (over "
                                    f"{MAX_SHEET_CELLS:,} cells)"))
            rows = [(r, [_cell_text(c.value, c.number_format) for c in cells])
                    for r, cells in enumerate(ws.iter_rows(), start=1)]
            hidden = {int(k) for k, d in ws.row_dimensions.items() if d.hidden}
            sheets.append(_Sheet(ws.title, ws.sheet_state or "visible", rows, hidden))
    finally:
        wb.close()
    if has_formulas:  # the formulas themselves: a second, streaming pass
        wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=False)
        try:
            for sheet, ws in zip(sheets, wb.worksheets, strict=True):
                values = {(r, j) for r, texts in sheet.rows for j, t in enumerate(texts) if t is not None}
                ws.reset_dimensions()  # a wrong <dimension> must not cut rows off
                for r, cells in enumerate(ws.iter_rows(values_only=True), start=1):
                    for j, v in enumerate(cells):
                        text = v if isinstance(v, str) else getattr(v, "text", None)
                        if isinstance(text, str) and text.startswith("=") and (r, j) not in values:
                            sheet.formulas[(r, j)] = text
        finally:
            wb.close()
    return template, sheets


def read_xlsx(path: Path, data: bytes, sha256: str) -> RawFile:
    """A workbook: every sheet with a report header (plan, region, measure, year) in its first 10 rows.

    Refused with a problem naming the file, sheet and rows: a workbook that cannot be parsed (``unreadable_file``
    — one guard here, whatever openpyxl, zipfile, zlib or expat raise), a hidden or very hidden sheet with a
    report header (``hidden_sheet``), hidden rows with content below a header (``hidden_rows``: a filter hides
    rows too), and formula cells without a computed value (``formula_without_value``: a workbook written by a
    program and never opened in Excel).
    """
    file = str(path)
    try:
        template, sheets = _load_xlsx(data)
    except _Refused as e:
        return RawFile(path, sha256, None, [_unreadable(file, e.why)])
    except Exception as e:  # the one guard of the format: no parse error may become a traceback
        why = f"{type(e).__name__}: {e}"[:200]
        return RawFile(path, sha256, None, [_unreadable(file, Text(f"无法解析工作簿（{why}）",
                                                                   f"cannot parse the workbook ({why})"))])
    tables, issues, header_seen = [], [], False
    for sh in sheets:
        found: dict[str, int] | None = None
        for r, texts in sh.rows[:10]:
            m = map_header(texts)
            if {"plan", "region", "measure", "year"} <= m.keys():
                found, header = m, r
                break
        if found is None:
            continue
        header_seen = True
        if sh.state != "visible":
            issues.append(ObservationIssue(
                "hidden_sheet", file=file, sheet=sh.title, value=sh.state,
                detail=Text("该工作表被隐藏，但含填报表头；隐藏的数据不会被导入",
                            "the sheet is hidden but holds a report header; hidden data are not imported"),
                expected=Text("取消隐藏该工作表，或删除它", "unhide the sheet, or delete it")))
            continue
        missing = missing_columns(found, file, sh.title, header)
        if missing:
            issues += missing
            continue
        cols: dict[str, list] = {k: [] for k in found}
        rows: list[int] = []
        hidden: list[int] = []
        for r, texts in sh.rows[header:]:
            cells = [(k, j, texts[j] if j < len(texts) else None) for k, j in found.items()]
            formulas = [(k, j) for k, j, _ in cells if (r, j) in sh.formulas]
            if not formulas and not any(t is not None and t.strip() for t in texts):
                continue
            if r in sh.hidden:
                hidden.append(r)
                continue
            if formulas:
                from openpyxl.utils import get_column_letter

                issues += [ObservationIssue(
                    "formula_without_value", file=file, sheet=sh.title, row=r, column=k,
                    value=sh.formulas[(r, j)][:80],
                    detail=Text(f"单元格 {get_column_letter(j + 1)}{r} 是公式，但文件中没有计算结果（未在 Excel 中打开并保存过）",
                                f"cell {get_column_letter(j + 1)}{r} is a formula without a computed value (the "
                                "workbook was never opened and saved in Excel)"),
                    expected=Text("在 Excel 中打开并保存，或填写数值", "open and save it in Excel, or enter the value"))
                    for k, j in formulas]
                continue
            rows.append(r)
            for k, _, t in cells:
                cols[k].append(t)
        if hidden:
            issues.append(ObservationIssue(
                "hidden_rows", file=file, sheet=sh.title, row=hidden[0], value=_ranges(hidden),
                detail=Text(f"{len(hidden)} 行有内容但被隐藏（或被筛选隐藏）：第 {_ranges(hidden)} 行",
                            f"{len(hidden)} rows with content are hidden (or filtered out): rows {_ranges(hidden)}"),
                expected=Text("取消隐藏（清除筛选）这些行，或删除它们", "unhide the rows (clear the filter), or delete them")))
        if rows:
            tables.append(_columns_table(cols, rows, sh.title))
    if not header_seen:
        return RawFile(path, sha256, None, [_unreadable(
            file, Text("前 10 行中没有找到含“规划、区域、测度、年份”表头的工作表",
                       "no sheet has a header row with plan, region, measure, year in its first 10 rows"))])
    table = pa.concat_tables(tables) if tables else _columns_table({}, [], None)
    return RawFile(path, sha256, table, issues, template=template)


def _ranges(rows: list[int], most: int = 20) -> str:
    """Row numbers as ranges: [5, 6, 7, 9] → '5–7, 9' (the first ``most`` ranges, then '…')."""
    spans: list[list[int]] = []
    for r in rows:
        if spans and r == spans[-1][1] + 1:
            spans[-1][1] = r
        else:
            spans.append([r, r])
    text = ", ".join(f"{a}–{b}" if a != b else f"{a}" for a, b in spans[:most])
    return text + (", …" if len(spans) > most else "")


def read_parquet(path: Path, data: bytes, sha256: str) -> RawFile:
    """The long format from a Parquet file (e.g. exported by another system): the same columns as the CSV, any
    types (each cell is read as text and checked like a CSV cell). ``_row`` is the record's number, first = 1
    (Parquet has no header row)."""
    import pyarrow.parquet as pq

    file = str(path)
    try:
        table = pq.read_table(io.BytesIO(data))
        names = table.column_names
    except (pa.ArrowException, OSError, ValueError) as e:  # ValueError: a damaged file can hold non-UTF-8 names
        return RawFile(path, sha256, None, [_unreadable(file, Text(f"Parquet 无法读取：{e}", f"cannot read the Parquet file: {e}"))])
    found = map_header(names)
    missing = missing_columns(found, file, None, None)
    if missing:
        return RawFile(path, sha256, None, missing)
    columns = {}
    for key, i in found.items():
        col = table.column(i)
        try:
            columns[key] = col.cast(pa.string())
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            return RawFile(path, sha256, None, [_unreadable(
                file, Text(f"列 {names[i]!r} 的类型 {col.type} 无法作为文本读取，应为文本或数值",
                           f"column {names[i]!r} has type {col.type}; expected text or numbers"))])
    rows = pa.array(range(1, table.num_rows + 1), pa.int64())
    return RawFile(path, sha256, _columns_table(columns, rows, None), [])


def read_file(path: str | Path) -> RawFile:
    """Read a reporting file by its content: .xlsx/.xlsm (a zip), Parquet (``PAR1``), anything else as CSV text."""
    import hashlib

    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as e:
        return RawFile(path, "", None, [_unreadable(str(path), Text(f"无法打开：{e.strerror or e}", f"cannot open: {e.strerror or e}"))])
    sha = hashlib.sha256(data).hexdigest()
    if data.startswith(b"PK\x03\x04"):
        return read_xlsx(path, data, sha)
    if data.startswith(b"PAR1"):
        return read_parquet(path, data, sha)
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        return RawFile(path, sha, None, [_unreadable(
            str(path), Text("旧版 .xls 格式不受支持，请另存为 .xlsx",
                            "the old .xls format is not supported; save as .xlsx"))])
    return read_csv(path, data, sha)


# --- the reporting template (write) ----------------------------------------------------------------------------

#: Data sheet columns: (header, width, editable). Headers are "中文 / key"; only known keys are read back.
TEMPLATE_COLUMNS = [
    ("规划 / plan", 10, False), ("区域代码 / region", 12, False), ("区域名称 / region_name", 14, False),
    ("测度 / measure", 8, False), ("指标（测度） / measure_name", 36, False), ("年份 / year", 8, False),
    ("单位 / unit", 10, False), ("基准值 / baseline", 14, False), ("{m1} 目标 / target_{m1}", 16, False),
    ("{m2} 目标 / target_{m2}", 16, False), ("填报值 / value", 14, True), ("是否初步数据 / provisional", 12, True),
    ("数据来源 / source", 22, True), ("备注 / note", 24, True),
]


def template_rows(plan, regions: list[str] | None = None) -> list[tuple[str, object]]:
    """(region code or group id, measure) pairs of a template, in region then table order.

    Default regions: the plan's region and the regions directly under it. The plan's region gets every measure,
    a measure with a scope group (16.1 中心城区) on that group; a county (or zone) gets the measures with
    ``county: true``; a group asked for gets the measures scoped to it (all county measures if none is).
    """
    from meili.plan import load_regions

    reg = load_regions()
    codes = [reg.resolve(r) for r in regions] if regions else [plan.region] + [r.code for r in reg.children(plan.region)]
    pairs: list[tuple[str, object]] = []
    for code in dict.fromkeys(codes):
        if code == plan.region:
            pairs += [(m.scope_group or code, m) for m in plan.measures]
        elif reg.is_group(code):
            scoped = [m for m in plan.measures if m.scope_group == code]
            pairs += [(code, m) for m in (scoped or [m for m in plan.measures if m.county])]
        else:
            pairs += [(code, m) for m in plan.measures if m.county]
    seen, unique = set(), []
    for code, m in pairs:
        if (code, m.id) not in seen:
            seen.add((code, m.id))
            unique.append((code, m))
    return unique


def write_template(path: str | Path, plan, year: int, regions: list[str] | None = None) -> int:
    """Write a Chinese reporting workbook for ``plan`` and ``year``; return the number of rows to fill.

    Sheets: 填报说明 (instructions) and 填报数据 (one row per region × measure; unit, baseline and targets beside
    the value cell; drop-downs for states and 是/否; reference columns grey and locked).
    """
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill, Protection
    from openpyxl.worksheet.datavalidation import DataValidation

    from meili.plan import load_regions

    first, last = plan.base_year - 5, max(plan.milestones)
    if not first <= year <= last:
        raise RequestError(Problem("year_outside_plan", column="year", value=str(year),
                                   expected=Text(f"{first}–{last} 之间的年份（规划 {plan.id}）",
                                                 f"a year from {first} to {last} (plan {plan.id})")))
    reg = load_regions()
    pairs = template_rows(plan, regions)
    m1, m2 = (plan.milestones + plan.milestones)[:2]
    wb = Workbook()
    wb.properties.keywords = TEMPLATE_KEYWORD
    wb.properties.title = f"{plan.title} · {year} 年度填报"
    _instructions(wb.active, plan, year)
    ws = wb.create_sheet(DATA_SHEET)
    grey, yellow = PatternFill("solid", fgColor="EDEDED"), PatternFill("solid", fgColor="FFF2CC")
    head = PatternFill("solid", fgColor="C6E0B4")
    headers = [h.format(m1=m1, m2=m2) for h, _, _ in TEMPLATE_COLUMNS]
    ws.append(headers)
    for i, (_, width, _) in enumerate(TEMPLATE_COLUMNS, start=1):
        cell = ws.cell(1, i)
        cell.font, cell.fill = Font(bold=True), head
        cell.alignment = Alignment(wrap_text=True, vertical="center")
        ws.column_dimensions[cell.column_letter].width = width
    ws.row_dimensions[1].height = 32

    def hard(m) -> tuple[float, float]:
        """The measure's hard plausible limits (the plan's ``plausible``; 0–100 for a % share), open sides ±1e12."""
        rng = m.plausible_range
        low, high = rng.hard if rng is not None else (None, None)
        return (-1e12 if low is None else low, 1e12 if high is None else high)

    def number(m) -> DataValidation:
        low, high = hard(m)
        bounded = (low, high) != (-1e12, 1e12)
        zh, en = ((f"{low:g} 到 {high:g} 之间", f"between {low:g} and {high:g}") if -1e12 < low and high < 1e12
                  else (f"≥ {low:g}", f"≥ {low:g}") if high == 1e12 else (f"≤ {high:g}", f"≤ {high:g}"))
        def text(x: float) -> str:
            return str(int(x)) if float(x).is_integer() else repr(float(x))

        dv = DataValidation(type="decimal", operator="between", formula1=text(low), formula2=text(high),
                            allow_blank=True, showErrorMessage=True, errorTitle="数值 / number",
                            error=f"请填写 {zh} 的数值（单位见“单位”列）/ enter a number {en} in the unit shown"
                            if bounded else "请填写数值，单位见“单位”列 / enter a number in the unit of the unit column")
        return dv

    validations: dict[tuple, DataValidation] = {}
    for r, (code, m) in enumerate(pairs, start=2):
        name = reg.name(code)
        targets = [m.targets[y].text if y in m.targets else "" for y in (m1, m2)]
        baseline = m.baseline.text if m.baseline.kind == "none" else f"{m.baseline.text}（{m.baseline.year}）"
        title = m.indicator if m.name in (None, m.indicator) else f"{m.indicator} — {m.name}"
        if m.scope:
            title += f"（{m.scope}）"
        ws.append([plan.id, code, name, m.id, title, year, m.unit or "", baseline, *targets, None, "否", None, None])
        for i, (_, _, editable) in enumerate(TEMPLATE_COLUMNS, start=1):
            cell = ws.cell(r, i)
            cell.fill = yellow if editable else grey
            cell.protection = Protection(locked=not editable)
        if m.is_state:
            key = ("list", tuple(m.vocabulary))
            if key not in validations:
                validations[key] = DataValidation(
                    type="list", formula1='"' + ",".join(m.vocabulary) + '"', allow_blank=True,
                    showErrorMessage=True, errorTitle="状态 / state",
                    error="请从下拉列表中选择 / choose a state from the list")
        elif not m.vocabulary:
            key = ("number", hard(m))
            if key not in validations:
                validations[key] = number(m)
        else:
            key = None  # a number or one of the states (e.g. 基本消除): no Excel rule, the importer checks
        if key:
            validations[key].add(f"K{r}")
    flag = DataValidation(type="list", formula1='"是,否"', allow_blank=True, showErrorMessage=True,
                          error="请选择 是 或 否 / choose 是 (yes) or 否 (no)")
    if pairs:
        flag.add(f"L2:L{len(pairs) + 1}")
    for dv in [*validations.values(), flag]:
        ws.add_data_validation(dv)
    ws.freeze_panes = "F2"
    ws.auto_filter.ref = f"A1:N{len(pairs) + 1}"
    ws.protection.sheet = True  # no password: it guards against slips, not people
    ws.protection.autoFilter = False
    ws.protection.sort = False
    ws.protection.formatColumns = False
    wb.active = 1
    for sheet in wb.worksheets:  # plan texts are text: one beginning with "=" must not become a live formula
        for row in sheet.iter_rows():
            for cell in row:
                if cell.data_type == "f":
                    cell.data_type = "s"
    wb.save(path)
    return len(pairs)


def _instructions(ws, plan, year: int) -> None:
    from openpyxl.styles import Alignment, Font

    ws.title = INSTRUCTIONS_SHEET
    lines = [
        (f"{plan.title} · {year} 年度数据填报", True),
        (f"{plan.title_en} · data report for {year}", False),
        ("", False),
        ("填报步骤 / How to fill", True),
        (f"1. 在“{DATA_SHEET}”工作表的黄色列填写：填报值、是否初步数据、数据来源（填报单位）、备注。", False),
        ("   Fill the yellow columns of the data sheet: value, provisional (是/否), source (your unit), note.", False),
        ("2. 灰色列（规划、区域、测度、年份、单位、基准值、目标值）为参考信息，已锁定，请勿修改。", False),
        ("   Grey columns are reference information and are locked; do not change them.", False),
        ("3. 数值型测度填数字，单位见“单位”列；百分比填 0–100 之间的数（如 92.6，而不是 0.926）。", False),
        ("   Numeric measures take a number in the unit shown; percentages as 0–100 (92.6, not 0.926).", False),
        ("4. 定性测度从下拉列表选择状态（如 不明显、有效保障）；21.2 等可填数值或“基本消除”。", False),
        ("   Qualitative measures: choose a state from the drop-down; some numeric measures also accept a state.", False),
        ("5. 没有数据的行请留空“填报值”，导入时跳过；不要填 0 代替缺失。", False),
        ("   Leave the value empty where there are no data (the row is skipped); never write 0 for missing.", False),
        ("6. “数据来源”必填：填写提供数据的单位或文件，如“信丰县生态环境局”。", False),
        ("   The source is required: the unit or document the value comes from.", False),
        ("7. 不要插入或删除列、不要改表头；公式错误（#DIV/0!、#REF! 等）会被拒绝。", False),
        ("   Do not add or remove columns or change headers; formula errors (#DIV/0!, #REF!…) are rejected.", False),
        ("", False),
        ("导入 / Import", True),
        ("meili data import 本文件.xlsx --dry-run    （先校验 / check first）", False),
        ("meili data import 本文件.xlsx              （校验通过后写入 / then import）", False),
        ("任何错误都会逐条列出（文件、工作表、行、列、填写值、应填内容），且不写入任何数据。", False),
        ("Every problem is listed (file, sheet, row, column, value found, what was expected); nothing is written.", False),
    ]
    for text, bold in lines:
        ws.append([text])
        if bold:
            ws.cell(ws.max_row, 1).font = Font(bold=True, size=12)
    ws.column_dimensions["A"].width = 110
    for row in ws.iter_rows():
        row[0].alignment = Alignment(wrap_text=False)
