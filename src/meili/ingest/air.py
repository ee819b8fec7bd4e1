"""Readers for hourly air-quality data and station registries, with strict, bilingual errors.

Formats (detected from the header, or forced):

- ``cnemc``: the national platform's daily files ``china_sites_YYYYMMDD.csv`` (``date,hour,type,<station>…``,
  15 ``type`` rows an hour); a row's time is its own label, file date + ``hour`` (the hour's end label).
- ``wide``: ``station,time,so2,no2,co,o3,pm10,pm25`` (CSV or Parquet; μg/m³, CO mg/m³; local time UTC+8).
- ``long``: ``station,time,pollutant,value``.

Every reader returns the canonical hourly table as an Ibis expression on one DuckDB connection:
``station`` (string), ``time`` (timestamp, the hour's END label), ``label`` (the input's own label) and
``so2,no2,co,o3,pm10,pm25`` (float64), ``published_aqi`` (the CNEMC files' AQI row, else NULL). Empty, negative, non-numeric or flagged values become NULL (invalid data,
never zero). Structure errors (missing/unknown columns, unparsable time, unknown station) raise one
:class:`AirInputError` (a :class:`meili.errors.MeiliError`) after every file has been checked: its problems name the
file, row, column and value; per file and kind of problem the first rows are listed and the rest counted. The rows
are checked by DuckDB queries, never by a Python loop over rows.
"""

from __future__ import annotations

import csv
import glob
from dataclasses import dataclass
from functools import partial
from importlib import resources
from pathlib import Path

import duckdb
import ibis
import ibis.expr.types as ir
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from meili.errors import Collector, InputError, Problem, Text
from meili.ingest.text import UNSIGNED_DECIMAL

POLLUTANTS = ("so2", "no2", "co", "o3", "pm10", "pm25")
CNEMC_TYPES = {"SO2": "so2", "NO2": "no2", "CO": "co", "O3": "o3", "PM10": "pm10", "PM2.5": "pm25"}
CNEMC_ALL_TYPES = frozenset(
    "AQI PM2.5 PM2.5_24h PM10 PM10_24h SO2 SO2_24h NO2 NO2_24h O3 O3_24h O3_8h O3_8h_24h CO CO_24h".split()
)
WIDE_COLUMNS = ("station", "time", *POLLUTANTS)
LONG_COLUMNS = ("station", "time", "pollutant", "value")
POLLUTANT_ALIASES = {"so2": "so2", "no2": "no2", "co": "co", "o3": "o3", "pm10": "pm10", "pm25": "pm25",
                     "pm2.5": "pm25", "pm2_5": "pm25"}
TIME_FORMATS = ["%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y/%m/%d %H:%M"]
MEILI_REGISTRY = ("station", "name", "city_code", "region_code", "lon", "lat")
REGISTRY_OPTIONAL = ("kind", "groups", "city", "not_measured")
NATIONAL_REGISTRY = ("监测点编码", "监测点名称", "城市", "经度", "纬度", "对照点")


#: Offending rows listed per file and kind of problem; the others are counted ("… 另有 N 个问题 / and N more").
ROWS_PER_KIND = 5
_IN_REGISTRY = Text("站点名录中的站点（名录外的站点也可以选择略去）",
                    "a station listed in the station registry (or choose to drop the stations it does not list)")
_READABLE = Text("UTF-8 CSV 或 Parquet 文件", "a UTF-8 CSV or Parquet file")
_HEADERS = Text("表头 date,hour,type,… 或 station,time,so2,… 或 station,time,pollutant,value",
                "a header date,hour,type,… or station,time,so2,… or station,time,pollutant,value")


class AirInputError(InputError, ValueError):
    """Bad air-quality input: every problem found in every file, each naming the file, row, column, the value and
    what was expected (:class:`meili.errors.Problem`). ``file``, ``row``, ``column`` and ``value`` are those of the
    first problem."""

    kind = "air_input"


def _first_problems(name: str) -> property:
    return property(lambda self: getattr(self.problems[0], name) if self.problems else None,
                    doc=f"The first problem's ``{name}``.")


for _name in ("file", "row", "column", "value"):
    setattr(AirInputError, _name, _first_problems(_name))


def _problem(kind: str, file: str | Path | None, row: int | None = None, column: str | None = None,
             value: object = None, expected: Text | None = None, detail: Text | None = None) -> Problem:
    return Problem(kind, file=None if file is None else str(file), row=row, column=column,
                   value=None if value is None else str(value), expected=expected, detail=detail)


def _add_grouped(collector: Collector, problems: list[Problem]) -> None:
    """Problems of one file: the first :data:`ROWS_PER_KIND` of each kind kept, all counted."""
    kinds: dict[str, list[Problem]] = {}
    for p in problems:
        kinds.setdefault(p.kind, []).append(p)
    for kind, group in kinds.items():
        collector.add_counted(group[:ROWS_PER_KIND], len(group), kind)


# --- inputs ----------------------------------------------------------------------------------------------------
def expand_inputs(inputs: list[str | Path]) -> list[Path]:
    """Files from paths, folders (their *.csv and *.parquet) and globs, sorted, duplicates removed.

    Every input that names nothing is reported (one :class:`AirInputError` listing them all)."""
    problems = Collector()
    files = _expand(inputs, problems)
    problems.raise_if_any(AirInputError)
    return files


def _expand(inputs: list[str | Path], problems: Collector) -> list[Path]:
    files: list[Path] = []
    for item in inputs:
        path = Path(item)
        if path.is_dir():
            found = sorted(p for p in path.iterdir() if p.is_file() and p.suffix.lower() in {".csv", ".parquet"})
            if not found:
                problems.add(_problem("file_not_found", path, detail=Text(f"目录 {path} 中没有输入文件",
                                                                         f"no input files in {path}"),
                                      expected=Text("含 .csv 或 .parquet 文件的目录", "a folder of .csv or .parquet files")))
            files += found
        elif path.is_file():
            files.append(path)
        else:
            matches = sorted(Path(p) for p in glob.glob(str(item)))
            if not matches:
                problems.add(_problem("file_not_found", item, expected=Text("存在的文件、目录或通配符",
                                                                             "an existing file, folder or glob")))
            files += [p for p in matches if p.is_file()]
    seen: dict[Path, None] = {}
    for f in files:
        seen.setdefault(f.resolve(), None)
    return list(seen)


def _header(path: Path) -> list[str]:
    if path.suffix.lower() == ".parquet":
        return list(pq.read_schema(path).names)
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return [c.strip() for c in next(csv.reader(fh), [])]


def _readable_header(path: Path, problems: Collector) -> list[str] | None:
    """The header, or None with an ``unreadable_file`` problem (binary, not UTF-8, a damaged Parquet file…)."""
    try:
        return _header(path)
    except (OSError, UnicodeDecodeError, csv.Error, pa.ArrowException) as e:
        problems.add(_problem("unreadable_file", path, detail=Text(f"无法读取表头：{e}", f"cannot read the header: {e}"),
                              expected=_READABLE))
        return None


def _format_of(header: list[str]) -> str | None:
    lower = [c.lower() for c in header]
    if lower[:3] == ["date", "hour", "type"]:
        return "cnemc"
    if "pollutant" in lower and "value" in lower:
        return "long"
    if "station" in lower and "time" in lower:
        return "wide"
    return None


def detect_format(path: Path) -> str:
    """``cnemc``, ``wide`` or ``long`` from the header; an AirInputError when none fits."""
    header = _header(path)
    fmt = _format_of(header)
    if fmt is None:
        raise AirInputError(_problem("unrecognised_header", path, 1, value=",".join(header[:8]), expected=_HEADERS))
    return fmt


def _header_problems(path: Path, header: list[str], fmt: str, listed: set[str] | None) -> list[Problem]:
    """What is wrong with a file's header for its format (and, for CNEMC files, stations not in the registry)."""
    if fmt == "cnemc":
        if header[:3] != ["date", "hour", "type"]:
            return [_problem("missing_column", path, 1, "date,hour,type", ",".join(header[:3]),
                             Text("表头以 date,hour,type 开头", "a header starting date,hour,type"))]
        problems = [_problem("empty_cell", path, 1, f"#{i}", "", Text("站点编码", "a station code"))
                    for i, name in enumerate(header[3:], start=4) if not name]
        if listed is not None:
            problems += [_problem("unknown_station", path, 1, code, code, _IN_REGISTRY)
                         for code in header[3:] if code and code not in listed]
        return problems
    columns = WIDE_COLUMNS if fmt == "wide" else LONG_COLUMNS
    lower = [c.lower() for c in header]
    expected = Text(f"{fmt} 格式的列 " + ",".join(columns), f"the {fmt} columns " + ",".join(columns))
    return [*(_problem("missing_column", path, 1, c, expected=expected) for c in columns if c not in lower),
            *(_problem("unknown_column", path, 1, c, expected=expected) for c in header if c.lower() not in columns)]


def _sql_list(paths: list[Path]) -> str:
    return "[" + ", ".join(_sql_text(p) for p in paths) + "]"


def _sql_text(value: object) -> str:
    return "'" + str(value).replace("'", "''") + "'"


#: A plain decimal number, unsigned (``12``, ``12.5``, ``.5``): the only text read as a concentration. DuckDB's
#: ``TRY_CAST`` alone would also take ``1_000``, ``9_7.5``, ``1e3`` or ``  +5``.
_DECIMAL = UNSIGNED_DECIMAL


def _numeric(column: str) -> str:
    """SQL: a raw text value as a valid concentration, or NULL (empty, negative, non-numeric, flagged)."""
    return f"CASE WHEN regexp_full_match(trim({column}), '{_DECIMAL}') THEN CAST(trim({column}) AS DOUBLE) END"


def _invalid_reason(column: str) -> str:
    """SQL: why a non-empty cell is not a concentration (``negative`` or ``non_numeric``), NULL when it is one."""
    return (f"CASE WHEN {column} IS NULL OR trim({column}) = '' OR regexp_full_match(trim({column}), '{_DECIMAL}') "
            f"THEN NULL WHEN regexp_full_match(trim({column}), '-{_DECIMAL}') THEN 'negative' ELSE 'non_numeric' END")


_REASONS = {"negative": ("负值", "negative"), "non_numeric": ("非数值", "not a number")}


def _note_invalid(con, cells: str, on_note) -> None:
    """One note per file: how many concentrations were invalid and why (read as missing, HJ 663 / GB 3095: an
    invalid value is never zero). ``cells`` is a query of ``filename, reason``."""
    if on_note is None:
        return
    found = con.con.execute(f"SELECT filename, reason, count(*) FROM ({cells}) WHERE reason IS NOT NULL "
                            "GROUP BY ALL ORDER BY filename, reason").fetchall()
    per_file: dict[str, list[tuple[str, int]]] = {}
    for filename, reason, n in found:
        per_file.setdefault(filename, []).append((reason, n))
    for filename, reasons in per_file.items():
        total = sum(n for _, n in reasons)
        zh = "，".join(f"{_REASONS[r][0]} {n}" for r, n in reasons)
        en = ", ".join(f"{_REASONS[r][1]} {n}" for r, n in reasons)
        on_note(f"{filename}: {total} 个无效浓度按缺测处理（{zh}）/ {total} invalid concentrations read as missing ({en})")


# --- problems in rows, found by one query ----------------------------------------------------------------------
#: A check of the rows: (problem kind, column, SQL condition true on a bad row, what was expected).
Check = tuple[str, str, str, Text]


def _offending(con, relation: str, checks: list[Check], row: str | None) -> list[tuple]:
    """(filename, check number, count, first rows [{r, v}]) for each check failing in some file of ``relation``:
    one query, one scan; only the first :data:`ROWS_PER_KIND` rows of each file and check leave DuckDB."""
    parts = [f"SELECT filename, {i} AS check_no, {row or 'NULL::BIGINT'} AS r, CAST({column} AS VARCHAR) AS v "
             f"FROM {relation} WHERE {condition}" for i, (_, column, condition, _) in enumerate(checks)]
    return con.con.execute(
        f"SELECT filename, check_no, count(*), min_by(struct_pack(r := r, v := v), r, {ROWS_PER_KIND}) "
        f"FROM ({' UNION ALL '.join(parts)}) GROUP BY filename, check_no ORDER BY filename, check_no").fetchall()


def _add_offending(problems: Collector, found: list[tuple], checks: list[Check]) -> None:
    for filename, check_no, n, first in found:
        kind, column, _, expected = checks[check_no]
        problems.add_counted([_problem(kind, filename, x["r"], column, x["v"], expected) for x in first], n, kind)


def _csv_strings(path: Path, problems: Collector, on_note=None, *, lower: bool = False) -> pa.Table | None:
    """The one entry point for an air CSV: every cell as text, header cells stripped (``lower``: lower-cased),
    ``_row`` (the row a spreadsheet shows, header = 1) and ``filename``; None with a problem naming the file (and the
    row, when there is one) for a file that cannot be parsed: a row with too few or too many cells (a truncated last
    line), a stray quote, a station or column given twice with different values.

    A column given twice with identical values (the national files carry some: 3207A in 2019) is kept once, with a
    note naming the file and the column (``on_note``)."""
    try:
        header = _header(path)
    except (OSError, UnicodeDecodeError, csv.Error) as e:
        problems.add(_problem("unreadable_file", path, detail=Text(f"无法读取表头：{e}", f"cannot read the header: {e}"),
                              expected=_READABLE))
        return None
    names = [h.lower() if lower else h for h in header]
    cols = [f"c{i}" for i in range(len(names))]

    def read(threads: bool, bad: list) -> pa.Table:
        def on_invalid(row) -> str:
            bad.append(row)
            return "skip"
        return pacsv.read_csv(path, read_options=pacsv.ReadOptions(column_names=cols, skip_rows=1, use_threads=threads),
                              parse_options=pacsv.ParseOptions(invalid_row_handler=on_invalid),
                              convert_options=pacsv.ConvertOptions(column_types={c: pa.string() for c in cols}))

    bad: list = []
    try:
        table = read(True, bad)
        if bad:  # error path: again on one thread, which numbers the rows
            bad = []
            read(False, bad)
    except (pa.ArrowInvalid, OSError) as e:
        problems.add(_problem("malformed_row", path, detail=Text(f"CSV 解析失败：{e}", f"CSV parse error: {e}")))
        return None
    if bad:
        width = len(cols)
        _add_grouped(problems, [_problem("malformed_row", path, r.number, value=r.text[:80], expected=Text(
            f"{width} 个单元格（与表头相同）", f"{width} cells, as many as the header"), detail=Text(
            f"该行有 {r.actual_columns} 个单元格（行被截断或多出分隔符）",
            f"the row has {r.actual_columns} cells (a truncated line or a stray separator)")) for r in bad])
        return None
    keep: list[int] = []
    first: dict[str, int] = {}
    for i, name in enumerate(names):
        if not name or name not in first:
            first.setdefault(name, i)
            keep.append(i)
            continue
        a, b = table.column(first[name]), table.column(i)
        differ = pc.fill_null(pc.not_equal(pc.fill_null(a, ""), pc.fill_null(b, "")), False)
        if pc.any(differ).as_py():
            at = pc.index(differ, True).as_py()
            problems.add(_problem("duplicate_key", path, at + 2, name, f"{a[at].as_py()} ≠ {b[at].as_py()}", Text(
                "每个站点或列只出现一次（或重复列的值完全相同）",
                "each station or column once (or a repeated column with identical values)"), Text(
                f"列 {name} 出现两次且值不同（第 {first[name] + 1} 与第 {i + 1} 列）",
                f"column {name} appears twice with different values (columns {first[name] + 1} and {i + 1})")))
            return None
        if on_note is not None:
            on_note(f"{path}: 列 {name} 重复且值相同，按一列读取 / column {name} appears twice with identical "
                    "values: read once")
    n = table.num_rows
    return (pa.table([table.column(i) for i in keep], names=[names[i] for i in keep])
            .append_column("_row", pa.array(np.arange(2, n + 2, dtype=np.int64)))
            .append_column("filename", pa.array([str(path)] * n, pa.string())))


# --- the three hourly formats ----------------------------------------------------------------------------------
_CNEMC_CHECKS: list[Check] = [
    ("invalid_time", "date", "date IS NULL OR NOT regexp_full_match(date, '\\d{8}') "
     "OR TRY_STRPTIME(date, '%Y%m%d') IS NULL",
     Text("日期 YYYYMMDD（八位数字，真实的日期）", "a date YYYYMMDD (eight digits, a real day)")),
    ("invalid_value", "hour", "hour IS NULL OR NOT regexp_full_match(trim(hour), '\\d{1,2}') "
     "OR CAST(trim(hour) AS INTEGER) NOT BETWEEN 0 AND 23",
     Text("0–23 的整数小时", "an integer hour 0–23")),
    ("invalid_choice", "type", f"type IS NULL OR type NOT IN ({', '.join(repr(t) for t in sorted(CNEMC_ALL_TYPES))})",
     Text("监测项目之一 " + ",".join(sorted(CNEMC_ALL_TYPES)), "one of the types " + ",".join(sorted(CNEMC_ALL_TYPES)))),
]


def _read_cnemc(con, files: list[Path], problems: Collector, on_file=None, on_note=None) -> ir.Table | None:
    # pyarrow parses these 1,600-column files ~15x faster than DuckDB's sniffer; all text, so flags survive
    parts = []
    for f in files:
        table = _csv_strings(f, problems, on_note)
        if table is not None:
            parts.append(table)
        if on_file is not None:
            on_file(f)
    if not parts:
        return None
    raw = pa.concat_tables(parts, promote_options="default")
    con.con.register("_cnemc_raw", raw)
    _add_offending(problems, _offending(con, "_cnemc_raw", _CNEMC_CHECKS, "_row"), _CNEMC_CHECKS)
    if problems:
        return None
    types = ", ".join(f"'{t}'" for t in [*CNEMC_TYPES, "AQI"])
    # UNPIVOT drops empty cells: a missing value is simply absent, never zero
    con.raw_sql(
        "CREATE OR REPLACE TEMP VIEW _cnemc_cells AS SELECT station, filename, "
        "CAST(strptime(date, '%Y%m%d') AS TIMESTAMP) + to_hours(CAST(trim(hour) AS INTEGER)) AS label, type, raw_value "
        f"FROM (UNPIVOT (SELECT * EXCLUDE (_row) FROM _cnemc_raw WHERE type IN ({types})) "
        "ON COLUMNS(* EXCLUDE (date, hour, type, filename)) INTO NAME station VALUE raw_value)"
    )
    _note_invalid(con, f"SELECT filename, {_invalid_reason('raw_value')} AS reason FROM _cnemc_cells", on_note)
    con.raw_sql("CREATE OR REPLACE TEMP VIEW _cnemc_long AS SELECT station, label, type, "
                f"{_numeric('raw_value')} AS value FROM _cnemc_cells WHERE {_numeric('raw_value')} IS NOT NULL")
    longer = con.table("_cnemc_long")
    return longer.group_by(["station", "label"]).aggregate(
        **{p: longer.value.max(where=longer.type == t) for t, p in CNEMC_TYPES.items()},
        published_aqi=longer.value.max(where=longer.type == "AQI"),
    )


def _table_checks(fmt: str, registry: bool) -> list[Check]:
    fmts = "[" + ", ".join(repr(x) for x in TIME_FORMATS) + "]"
    checks: list[Check] = [
        ("invalid_time", "time", f"time IS NULL OR TRY_STRPTIME(time, {fmts}) IS NULL",
         Text("时间 YYYY-MM-DD HH:MM（北京时间）", "a time YYYY-MM-DD HH:MM (UTC+8)")),
        ("empty_cell", "station", "station IS NULL OR trim(station) = ''", Text("站点编码", "a station code")),
    ]
    if fmt == "long":
        aliases = ", ".join(f"'{k}'" for k in POLLUTANT_ALIASES)
        checks.append(("invalid_choice", "pollutant", f"pollutant IS NULL OR lower(trim(pollutant)) NOT IN ({aliases})",
                       Text("污染物 so2,no2,co,o3,pm10,pm25", "a pollutant so2,no2,co,o3,pm10,pm25")))
    if registry:
        checks.append(("unknown_station", "station",
                       "trim(station) <> '' AND trim(station) NOT IN (SELECT station FROM _registry_stations)",
                       _IN_REGISTRY))
    return checks


def _read_table(con, files: list[Path], columns: tuple[str, ...], fmt: str, problems: Collector,
                registry: bool = False, on_note=None) -> ir.Table:
    parquet = [f for f in files if f.suffix.lower() == ".parquet"]
    text = [t for t in (_csv_strings(f, problems, on_note, lower=True)
                        for f in files if f.suffix.lower() != ".parquet") if t is not None]
    parts = []
    if text:
        con.con.register(f"_{fmt}_csv", pa.concat_tables(text, promote_options="default"))
        parts.append(f"SELECT {', '.join(columns)}, _row, filename FROM _{fmt}_csv")
    if parquet:
        cast = ", ".join(f"CAST({c} AS VARCHAR) AS {c}" for c in columns)
        parts.append(f"SELECT {cast}, file_row_number + 1 AS _row, filename FROM read_parquet({_sql_list(parquet)}, "
                     "filename=true, union_by_name=true, file_row_number=true)")
    view = f"_{fmt}_raw"
    if not parts:
        parts.append(f"SELECT {', '.join(f'NULL::VARCHAR AS {c}' for c in columns)}, NULL::BIGINT AS _row, "
                     "NULL::VARCHAR AS filename WHERE false")
    con.raw_sql(f"CREATE OR REPLACE TEMP VIEW {view} AS " + " UNION ALL ".join(parts))
    checks = _table_checks(fmt, registry)
    try:
        _add_offending(problems, _offending(con, view, checks, "_row"), checks)
    except duckdb.Error as e:  # a Parquet file DuckDB cannot read: its message names the file
        problems.add(_problem("malformed_row", ",".join(map(str, parquet)),
                              detail=Text(f"无法读取：{e}", f"cannot read: {e}")))
    if not problems:
        values = [c for c in columns if c in POLLUTANTS] or ["value"]
        _note_invalid(con, " UNION ALL ".join(f"SELECT filename, {_invalid_reason(c)} AS reason FROM {view}"
                                              for c in values), on_note)
    fmts = "[" + ", ".join(repr(x) for x in TIME_FORMATS) + "]"
    con.raw_sql(f"CREATE OR REPLACE TEMP VIEW {view}_t AS SELECT *, TRY_STRPTIME(time, {fmts}) AS label FROM {view}")
    return con.table(f"{view}_t")


def _read_wide(con, files: list[Path], problems: Collector, registry: bool = False, on_note=None) -> ir.Table:
    t = _read_table(con, files, WIDE_COLUMNS, "wide", problems, registry, on_note)
    return t.select(station=t.station.strip(), label=t.label, **{p: _valid_value(t[p]) for p in POLLUTANTS})


def _valid_value(raw: ir.StringValue) -> ir.FloatingValue:
    """A raw cell as a concentration: a plain unsigned decimal number, else NULL (see :data:`_DECIMAL`)."""
    text = raw.strip()
    return text.re_search(f"^{_DECIMAL}$").ifelse(text.try_cast("float64"), ibis.null("float64"))


def _read_long(con, files: list[Path], problems: Collector, registry: bool = False, on_note=None) -> ir.Table:
    t = _read_table(con, files, LONG_COLUMNS, "long", problems, registry, on_note)
    name = t.pollutant.strip().lower().substitute(POLLUTANT_ALIASES)
    t = t.mutate(p=name, v=_valid_value(t.value), station=t.station.strip())
    return t.group_by(["station", "label"]).aggregate(**{p: t.v.max(where=t.p == p) for p in POLLUTANTS})


def read_hourly(
    inputs: list[str | Path],
    *,
    con=None,
    format: str | None = None,
    time_label: str = "end",
    stations: Registry | None = None,
    unknown_stations: str = "error",
    on_file=None,
    on_note=None,
) -> ir.Table:
    """The canonical hourly table from one file, several, a folder or a glob.

    ``time_label``: ``end`` (default; CNEMC files are always end-labelled: hour 16 = 15:00–16:00) or ``start``
    (the input labels the hour by its start; ``time`` becomes label + 1 h). With ``stations`` (a registry from
    :func:`read_stations`), a station not in it is a problem (``unknown_stations="error"``) or is dropped
    (``"drop"``). ``on_file(path)``, if given, is called as each CNEMC file has been parsed (progress).
    ``on_note(text)``, if given, receives what the user should know that does not stop the work: per file, the count
    of invalid concentrations read as missing and why (negative, not a number), and columns given twice with
    identical values (kept once).

    Every file is checked before anything is computed: headers (format, missing and unknown columns, stations of a
    CNEMC file's header), then rows (times, hours, types, pollutants, stations) by one query per format. Any problem
    raises one :class:`AirInputError` listing, per file and kind, the first :data:`ROWS_PER_KIND` offending rows
    and the count of the others.
    """
    problems = Collector()
    for name, value, allowed in (("time_label", time_label, ("end", "start")),
                                 ("unknown_stations", unknown_stations, ("error", "drop")),
                                 ("format", format, (None, "cnemc", "wide", "long"))):
        if value not in allowed:
            choices = " / ".join(a for a in allowed if a)
            problems.add(_problem("invalid_choice", None, value=value, detail=Text(f"参数 {name}", f"parameter {name}"),
                                  expected=Text(choices, choices)))
    problems.raise_if_any(AirInputError)
    con = con or ibis.duckdb.connect()
    files = _expand(inputs, problems)
    if not files and not problems:
        where = ", ".join(map(str, inputs)) or None
        raise AirInputError(_problem("file_not_found", where, detail=Text(
            f"没有输入文件：{where or '（未给出）'}", f"no input files in {where or '(none given)'}"),
            expected=Text("至少一个输入文件", "at least one input file")))
    listed = set(stations.table.column("station").to_pylist()) if stations is not None else None
    check_listed = listed if unknown_stations == "error" else None
    formats: dict[Path, str] = {}
    for f in files:
        header = _readable_header(f, problems)
        if header is None:
            continue
        fmt = format or _format_of(header)
        if fmt is None:
            problems.add(_problem("unrecognised_header", f, 1, value=",".join(header[:8]), expected=_HEADERS))
            continue
        found = _header_problems(f, header, fmt, check_listed)
        _add_grouped(problems, found)
        if not found:
            formats[f] = fmt
    if check_listed is not None:
        con.con.register("_registry_stations", stations.table.select(["station"]))
    tables = []
    readers = (("cnemc", partial(_read_cnemc, on_file=on_file, on_note=on_note)),
               ("wide", partial(_read_wide, registry=check_listed is not None, on_note=on_note)),
               ("long", partial(_read_long, registry=check_listed is not None, on_note=on_note)))
    for fmt, reader in readers:
        group = [f for f in files if formats.get(f) == fmt]
        if group:
            t = reader(con, group, problems)
            if t is None:
                continue
            offset = 1 if (time_label == "start" and fmt != "cnemc") else 0
            published = t.published_aqi if fmt == "cnemc" else ibis.null("float64")
            tables.append(t.select("station", "label", time=t.label + ibis.interval(hours=offset),
                                   **{p: t[p] for p in POLLUTANTS}, published_aqi=published))
    order = {str(f): i for i, f in enumerate(files)}
    problems.problems.sort(key=lambda p: (order.get(p.file or "", -1), p.row or 0))
    problems.raise_if_any(AirInputError)
    hourly = tables[0] if len(tables) == 1 else ibis.union(*tables)
    if stations is not None and unknown_stations == "drop":
        hourly = hourly.semi_join(ibis.memtable(stations.table.select(["station"])), "station")
    return hourly


# --- station registries ----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Registry:
    """A station registry: ``table`` has station,name,city_code,city,region_code,lon,lat,kind,groups."""

    table: pa.Table
    source: str


def _city_codes() -> dict[str, str]:
    text = resources.files("meili.ingest").joinpath("tables", "cnemc_city_codes.csv").read_text(encoding="utf-8")
    return {r["city"]: r["city_code"] for r in csv.DictReader(text.splitlines())}


def _not_measured(text: str, path: Path, line: int, problems: Collector | None = None) -> str:
    """The ``not_measured`` cell: pollutants the station does not measure by design (HJ 633-2026 §5.3.2), ``;``-
    separated, any spelling of :data:`POLLUTANT_ALIASES` (PM2.5, pm25, CO …); returned ``;``-joined in the order of
    :data:`POLLUTANTS` ("" when none). An unknown name is a problem (raised at once without ``problems``)."""
    names = set()
    for part in text.replace("，", ";").replace(",", ";").split(";"):
        part = part.strip()
        if not part:
            continue
        name = POLLUTANT_ALIASES.get(part.lower())
        if name is None:
            problem = _problem("invalid_choice", path, line, "not_measured", part, Text(
                "污染物名称（" + "、".join(POLLUTANTS) + "），以 ; 分隔",
                "pollutant names (" + ", ".join(POLLUTANTS) + ") separated by ;"))
            if problems is None:
                raise AirInputError(problem)
            problems.add(problem)
            continue
        names.add(name)
    return ";".join(p for p in POLLUTANTS if p in names)


def read_stations(path: str | Path) -> Registry:
    """A station registry: Meili's ``station,name,city_code,region_code,lon,lat[,kind][,groups][,city]
    [,not_measured]`` or the national list ``监测点编码,监测点名称,城市,经度,纬度,对照点``.

    ``kind`` is ``assessment`` or ``background`` (对照点 = Y); background sites never enter city, region or group
    values (HJ 663). ``groups`` is a ``;``-separated list of group ids (e.g. ``central_urban``). ``not_measured``
    lists the pollutants a station does not measure by design (HJ 633-2026 §5.3.2: their absence does not stop the
    station's AQI under the 2026 rules; the clause's condition — never the primary pollutant in three years — is
    for the registry's keeper to check). For the national list, ``city_code`` is the GB/T 2260 code where known
    (``ingest/tables/cnemc_city_codes.csv``), else the city name; ``region_code`` = ``city_code``.

    Every row is checked; all problems are raised together in one :class:`AirInputError` (a registry is small: it
    is read row by row).
    """
    path = Path(path)
    if not path.is_file():
        raise AirInputError(_problem("file_not_found", path, expected=Text("存在的站点名录文件",
                                                                          "an existing station registry file")))
    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            reader = csv.reader(fh)
            header = [c.strip() for c in next(reader, [])]
            rows = list(reader)
    except (UnicodeDecodeError, csv.Error) as e:
        raise AirInputError(_problem("unreadable_file", path, detail=Text(f"无法读取：{e}", f"cannot read: {e}"),
                                     expected=Text("UTF-8 CSV 文件", "a UTF-8 CSV file"))) from None
    cols = {name: i for i, name in enumerate(header)}
    out: dict[str, list] = {k: [] for k in ("station", "name", "city_code", "city", "region_code", "lon", "lat", "kind", "groups",
                                            "not_measured")}
    problems = Collector()
    lines: list[int] = []

    def number(text: str, line: int, column: str):
        if text.strip() in ("", "-", "--"):
            return None
        try:
            return float(text)
        except ValueError:
            problems.add(_problem("non_numeric", path, line, column, text, Text("经纬度数值或空", "a number or empty")))
            return None

    if all(c in cols for c in NATIONAL_REGISTRY):
        codes = _city_codes()
        for line, row in enumerate(rows, start=2):
            if not any(x.strip() for x in row):
                continue
            get = lambda c, row=row: row[cols[c]].strip() if cols[c] < len(row) else ""  # noqa: E731
            flag = get("对照点").upper()
            if flag not in ("Y", "N", ""):
                problems.add(_problem("invalid_choice", path, line, "对照点", flag, Text("Y 或 N", "Y or N")))
            city = get("城市")
            lines.append(line)
            out["station"].append(get("监测点编码"))
            out["name"].append(get("监测点名称"))
            out["city"].append(city)
            out["city_code"].append(codes.get(city, city))
            out["region_code"].append(codes.get(city, city))
            out["lon"].append(number(get("经度"), line, "经度"))
            out["lat"].append(number(get("纬度"), line, "纬度"))
            out["kind"].append("background" if flag == "Y" else "assessment")
            out["groups"].append("")
            out["not_measured"].append("")
    elif all(c in cols for c in MEILI_REGISTRY):
        for c in header:
            if c not in (*MEILI_REGISTRY, *REGISTRY_OPTIONAL):
                problems.add(_problem("unknown_column", path, 1, c, expected=Text(
                    "站点名录列 " + ",".join(MEILI_REGISTRY) + "".join(f"[,{o}]" for o in REGISTRY_OPTIONAL),
                    "registry columns " + ",".join(MEILI_REGISTRY) + "".join(f"[,{o}]" for o in REGISTRY_OPTIONAL))))
        for line, row in enumerate(rows, start=2):
            if not any(x.strip() for x in row):
                continue
            get = lambda c, row=row: (row[cols[c]].strip() if c in cols and cols[c] < len(row) else "")  # noqa: E731
            kind = get("kind") or "assessment"
            if kind not in ("assessment", "background"):
                problems.add(_problem("invalid_choice", path, line, "kind", kind,
                                      Text("assessment 或 background", "assessment or background")))
            if not get("station"):
                problems.add(_problem("empty_cell", path, line, "station", "", Text("站点编码", "a station code")))
            lines.append(line)
            out["station"].append(get("station"))
            out["name"].append(get("name"))
            out["city"].append(get("city") or get("city_code"))
            out["city_code"].append(get("city_code"))
            out["region_code"].append(get("region_code"))
            out["lon"].append(number(get("lon"), line, "lon"))
            out["lat"].append(number(get("lat"), line, "lat"))
            out["kind"].append(kind)
            out["groups"].append(get("groups"))
            out["not_measured"].append(_not_measured(get("not_measured"), path, line, problems))
    else:
        raise AirInputError(_problem("unrecognised_header", path, 1, value=",".join(header), expected=Text(
            "站点名录表头 " + ",".join(MEILI_REGISTRY) + " 或 " + ",".join(NATIONAL_REGISTRY),
            "a registry header " + ",".join(MEILI_REGISTRY) + " or " + ",".join(NATIONAL_REGISTRY))))
    seen: set[str] = set()
    for line, code in zip(lines, out["station"], strict=True):
        if code and code in seen:
            problems.add(_problem("duplicate_key", path, line, header[0], code,
                                  Text("不重复的站点编码", "a unique station code")))
        seen.add(code)
    problems.problems.sort(key=lambda p: p.row or 0)
    problems.raise_if_any(AirInputError)
    return Registry(pa.table(out), str(path))
