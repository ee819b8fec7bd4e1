"""Readers for hourly air-quality data and station registries, with strict, bilingual errors.

Formats (detected from the header, or forced):

- ``cnemc``: the national platform's daily files ``china_sites_YYYYMMDD.csv`` (``date,hour,type,<station>…``,
  15 ``type`` rows an hour); a row's time is its own label, file date + ``hour`` (the hour's end label).
- ``wide``: ``station,time,so2,no2,co,o3,pm10,pm25`` (CSV or Parquet; μg/m³, CO mg/m³; local time UTC+8).
- ``long``: ``station,time,pollutant,value``.

Every reader returns the canonical hourly table as an Ibis expression on one DuckDB connection:
``station`` (string), ``time`` (timestamp, the hour's END label), ``label`` (the input's own label) and
``so2,no2,co,o3,pm10,pm25`` (float64), ``published_aqi`` (the CNEMC files' AQI row, else NULL). Empty, negative, non-numeric or flagged values become NULL (invalid data,
never zero). Structure errors (missing/unknown columns, unparsable time, unknown station) raise
:class:`AirInputError` naming the file, row, column and value.
"""

from __future__ import annotations

import csv
import glob
from dataclasses import dataclass
from functools import partial
from importlib import resources
from pathlib import Path

import ibis
import ibis.expr.types as ir
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

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


class AirInputError(ValueError):
    """Bad air-quality input: names the file, row, column, the value and what was expected (中文 / English)."""

    def __init__(self, file: str | Path, row: int | None, column: str | None, value: object,
                 expected_zh: str, expected_en: str) -> None:
        self.file, self.row, self.column, self.value = str(file), row, column, value
        where_zh = f"{file}" + (f" 第 {row} 行" if row is not None else "") + (f" 列 {column}" if column else "")
        where_en = f"{file}" + (f", row {row}" if row is not None else "") + (f", column {column}" if column else "")
        super().__init__(
            f"{where_zh}: 值 {value!r} 无效，应为{expected_zh} / {where_en}: invalid value {value!r}, expected {expected_en}"
        )


# --- inputs ----------------------------------------------------------------------------------------------------
def expand_inputs(inputs: list[str | Path]) -> list[Path]:
    """Files from paths, folders (their *.csv and *.parquet) and globs, sorted, duplicates removed."""
    files: list[Path] = []
    for item in inputs:
        path = Path(item)
        if path.is_dir():
            files += sorted(p for p in path.iterdir() if p.suffix.lower() in {".csv", ".parquet"})
        elif path.is_file():
            files.append(path)
        else:
            matches = sorted(Path(p) for p in glob.glob(str(item)))
            if not matches:
                raise AirInputError(item, None, None, str(item), "存在的文件、目录或通配符", "an existing file, folder or glob")
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


def detect_format(path: Path) -> str:
    """``cnemc``, ``wide`` or ``long`` from the header; an AirInputError when none fits."""
    header = _header(path)
    lower = [c.lower() for c in header]
    if lower[:3] == ["date", "hour", "type"]:
        return "cnemc"
    if "pollutant" in lower and "value" in lower:
        return "long"
    if "station" in lower and "time" in lower:
        return "wide"
    raise AirInputError(path, 1, None, ",".join(header[:8]),
                        "表头 date,hour,type,… 或 station,time,so2,… 或 station,time,pollutant,value",
                        "a header date,hour,type,… or station,time,so2,… or station,time,pollutant,value")


def _find_row(path: Path, column: str, value: str) -> int | None:
    """Error path only: the 1-based line (header = 1) where ``column`` holds ``value``."""
    if path.suffix.lower() == ".parquet":
        col = pq.read_table(path, columns=[column]).column(column).to_pylist()
        return next((i + 2 for i, v in enumerate(col) if str(v) == value), None)
    with path.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.reader(fh)
        header = [c.strip() for c in next(reader)]
        idx = header.index(column)
        for line, row in enumerate(reader, start=2):
            if idx < len(row) and row[idx].strip() == value:
                return line
    return None


def _sql_list(paths: list[Path]) -> str:
    return "[" + ", ".join("'" + str(p).replace("'", "''") + "'" for p in paths) + "]"


def _numeric(column: str) -> str:
    """SQL: a raw text value as a valid concentration, or NULL (empty, negative, non-numeric, flagged)."""
    return f"CASE WHEN TRY_CAST({column} AS DOUBLE) >= 0 THEN TRY_CAST({column} AS DOUBLE) END"


# --- the three hourly formats ----------------------------------------------------------------------------------
def _read_cnemc(con, files: list[Path], on_file=None) -> ir.Table:
    for f in files:
        header = _header(f)
        if header[:3] != ["date", "hour", "type"]:
            raise AirInputError(f, 1, "date,hour,type", ",".join(header[:3]), "表头以 date,hour,type 开头",
                                "a header starting date,hour,type")
        for i, name in enumerate(header[3:], start=4):
            if not name:
                raise AirInputError(f, 1, f"#{i}", name, "站点编码", "a station code")
    # pyarrow parses these 1,600-column files ~15x faster than DuckDB's sniffer; all text, so flags survive
    parts = []
    for f in files:
        header = _header(f)
        table = pacsv.read_csv(f, convert_options=pacsv.ConvertOptions(column_types={c: pa.string() for c in header}))
        parts.append(table.append_column("filename", pa.array([str(f)] * table.num_rows, pa.string())))
        if on_file is not None:
            on_file(f)
    raw = pa.concat_tables(parts, promote_options="default")
    con.con.register("_cnemc_raw", raw)
    bad = con.raw_sql(
        "SELECT filename, date, hour, type FROM _cnemc_raw WHERE TRY_STRPTIME(date, '%Y%m%d') IS NULL "
        "OR TRY_CAST(hour AS INTEGER) NOT BETWEEN 0 AND 23 OR TRY_CAST(hour AS INTEGER) IS NULL "
        f"OR type NOT IN ({', '.join(repr(t) for t in sorted(CNEMC_ALL_TYPES))}) LIMIT 1"
    ).fetchall()
    if bad:
        fname, date, hour, typ = bad[0]
        path = Path(fname)
        if date is None or len(date) != 8 or not date.isdigit():
            raise AirInputError(path, _find_row(path, "date", date or ""), "date", date, "日期 YYYYMMDD", "a date YYYYMMDD")
        if typ not in CNEMC_ALL_TYPES:
            raise AirInputError(path, _find_row(path, "type", typ or ""), "type", typ,
                                "监测项目之一 " + ",".join(sorted(CNEMC_ALL_TYPES)),
                                "one of the types " + ",".join(sorted(CNEMC_ALL_TYPES)))
        raise AirInputError(path, _find_row(path, "hour", hour or ""), "hour", hour, "0–23 的整数小时", "an integer hour 0–23")
    types = ", ".join(f"'{t}'" for t in [*CNEMC_TYPES, "AQI"])
    # UNPIVOT drops empty cells: a missing value is simply absent, never zero
    con.raw_sql(
        "CREATE OR REPLACE TEMP VIEW _cnemc_long AS SELECT station, "
        "CAST(strptime(date, '%Y%m%d') AS TIMESTAMP) + to_hours(CAST(hour AS INTEGER)) AS label, type, "
        f"{_numeric('raw_value')} AS value FROM (UNPIVOT (SELECT * FROM _cnemc_raw WHERE type IN ({types})) "
        "ON COLUMNS(* EXCLUDE (date, hour, type, filename)) INTO NAME station VALUE raw_value) WHERE value IS NOT NULL"
    )
    longer = con.table("_cnemc_long")
    return longer.group_by(["station", "label"]).aggregate(
        **{p: longer.value.max(where=longer.type == t) for t, p in CNEMC_TYPES.items()},
        published_aqi=longer.value.max(where=longer.type == "AQI"),
    )


def _read_table(con, files: list[Path], columns: tuple[str, ...], fmt: str) -> ir.Table:
    for f in files:
        header = _header(f)
        lower = [c.lower() for c in header]
        missing = [c for c in columns if c not in lower]
        unknown = [c for c in header if c.lower() not in columns]
        if missing:
            raise AirInputError(f, 1, ",".join(missing), ",".join(header), f"{fmt} 格式的列 " + ",".join(columns),
                                f"the {fmt} columns " + ",".join(columns) + " (missing: " + ",".join(missing) + ")")
        if unknown:
            raise AirInputError(f, 1, ",".join(unknown), ",".join(header), f"{fmt} 格式的列 " + ",".join(columns),
                                f"only the {fmt} columns " + ",".join(columns) + " (unknown: " + ",".join(unknown) + ")")
    parquet = [f for f in files if f.suffix.lower() == ".parquet"]
    text = [f for f in files if f.suffix.lower() != ".parquet"]
    parts = []
    if text:
        parts.append(f"SELECT {', '.join(columns)}, filename FROM read_csv({_sql_list(text)}, all_varchar=true, "
                     "union_by_name=true, filename=true, header=true)")
    if parquet:
        cast = ", ".join(f"CAST({c} AS VARCHAR) AS {c}" for c in columns)
        parts.append(f"SELECT {cast}, filename FROM read_parquet({_sql_list(parquet)}, filename=true, union_by_name=true)")
    view = f"_{fmt}_raw"
    con.raw_sql(f"CREATE OR REPLACE TEMP VIEW {view} AS " + " UNION ALL ".join(parts))
    fmts = "[" + ", ".join(repr(x) for x in TIME_FORMATS) + "]"
    bad = con.raw_sql(f"SELECT filename, time FROM {view} WHERE time IS NULL OR TRY_STRPTIME(time, {fmts}) IS NULL LIMIT 1").fetchall()
    if bad:
        path, value = Path(bad[0][0]), bad[0][1]
        raise AirInputError(path, _find_row(path, "time", value or ""), "time", value,
                            "时间 YYYY-MM-DD HH:MM（北京时间）", "a time YYYY-MM-DD HH:MM (UTC+8)")
    bad = con.raw_sql(f"SELECT filename FROM {view} WHERE station IS NULL OR trim(station) = '' LIMIT 1").fetchall()
    if bad:
        path = Path(bad[0][0])
        raise AirInputError(path, _find_row(path, "station", ""), "station", "", "站点编码", "a station code")
    con.raw_sql(f"CREATE OR REPLACE TEMP VIEW {view}_t AS SELECT *, TRY_STRPTIME(time, {fmts}) AS label FROM {view}")
    return con.table(f"{view}_t")


def _read_wide(con, files: list[Path]) -> ir.Table:
    t = _read_table(con, files, WIDE_COLUMNS, "wide")
    cols = {}
    for p in POLLUTANTS:
        v = t[p].try_cast("float64")
        cols[p] = ibis.ifelse(v >= 0, v, ibis.null("float64"))
    return t.select(station=t.station.strip(), label=t.label, **cols)


def _read_long(con, files: list[Path]) -> ir.Table:
    t = _read_table(con, files, LONG_COLUMNS, "long")
    aliases = ", ".join(f"'{k}'" for k in POLLUTANT_ALIASES)
    bad = con.raw_sql(f"SELECT filename, pollutant FROM _long_raw_t WHERE lower(trim(pollutant)) NOT IN ({aliases}) LIMIT 1").fetchall()
    if bad:
        path = Path(bad[0][0])
        raise AirInputError(path, _find_row(path, "pollutant", bad[0][1] or ""), "pollutant", bad[0][1],
                            "污染物 so2,no2,co,o3,pm10,pm25", "a pollutant so2,no2,co,o3,pm10,pm25")
    name = t.pollutant.strip().lower().substitute(POLLUTANT_ALIASES)
    v = t.value.try_cast("float64")
    t = t.mutate(p=name, v=ibis.ifelse(v >= 0, v, ibis.null("float64")), station=t.station.strip())
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
) -> ir.Table:
    """The canonical hourly table from one file, several, a folder or a glob.

    ``time_label``: ``end`` (default; CNEMC files are always end-labelled: hour 16 = 15:00–16:00) or ``start``
    (the input labels the hour by its start; ``time`` becomes label + 1 h). With ``stations`` (a registry from
    :func:`read_stations`), a station not in it raises :class:`AirInputError` (``unknown_stations="error"``) or
    is dropped (``"drop"``). ``on_file(path)``, if given, is called as each CNEMC file has been parsed (progress).
    """
    if time_label not in ("end", "start"):
        raise AirInputError("--time-label", None, None, time_label, "end 或 start", "end or start")
    con = con or ibis.duckdb.connect()
    files = expand_inputs(inputs)
    if not files:
        raise AirInputError(",".join(map(str, inputs)), None, None, "", "至少一个输入文件", "at least one input file")
    formats = {f: (format or detect_format(f)) for f in files}
    tables = []
    readers = (("cnemc", partial(_read_cnemc, on_file=on_file)), ("wide", _read_wide), ("long", _read_long))
    for fmt, reader in readers:
        group = [f for f in files if formats[f] == fmt]
        if group:
            t = reader(con, group)
            offset = 1 if (time_label == "start" and fmt != "cnemc") else 0
            published = t.published_aqi if fmt == "cnemc" else ibis.null("float64")
            tables.append(t.select("station", "label", time=t.label + ibis.interval(hours=offset),
                                   **{p: t[p] for p in POLLUTANTS}, published_aqi=published))
    hourly = tables[0] if len(tables) == 1 else ibis.union(*tables)
    if stations is not None and unknown_stations == "error":
        listed = set(stations.table.column("station").to_pylist())
        for f in files:
            if formats[f] == "cnemc":
                stray = [c for c in _header(f)[3:] if c not in listed]
                if stray:
                    raise AirInputError(f, 1, stray[0], stray[0], "站点名录中的站点", "a station listed in the station registry")
    if stations is not None:
        known = ibis.memtable(stations.table.select(["station"]))
        if unknown_stations == "drop":
            hourly = hourly.semi_join(known, "station")
        else:
            unknown = hourly.select("station").distinct().anti_join(known, "station").limit(1).to_pyarrow()
            if unknown.num_rows:
                code = unknown.column("station")[0].as_py()
                where = next((f for f in files if code in _header(f)), None)
                if where is not None:  # a column of a CNEMC file
                    raise AirInputError(where, 1, code, code, "站点名录中的站点", "a station listed in the station registry")
                where = next((f for f in files if _find_row(f, "station", code)), files[0])
                raise AirInputError(where, _find_row(where, "station", code), "station", code,
                                    "站点名录中的站点", "a station listed in the station registry")
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


def _not_measured(text: str, path: Path, line: int) -> str:
    """The ``not_measured`` cell: pollutants the station does not measure by design (HJ 633-2026 §5.3.2), ``;``-
    separated, any spelling of :data:`POLLUTANT_ALIASES` (PM2.5, pm25, CO …); returned ``;``-joined in the order of
    :data:`POLLUTANTS` ("" when none)."""
    names = set()
    for part in text.replace("，", ";").replace(",", ";").split(";"):
        part = part.strip()
        if not part:
            continue
        name = POLLUTANT_ALIASES.get(part.lower())
        if name is None:
            raise AirInputError(path, line, "not_measured", part, "污染物名称（" + "、".join(POLLUTANTS) + "），以 ; 分隔",
                                "pollutant names (" + ", ".join(POLLUTANTS) + ") separated by ;")
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
    """
    path = Path(path)
    if not path.is_file():
        raise AirInputError(path, None, None, str(path), "存在的站点名录文件", "an existing station registry file")
    with path.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.reader(fh)
        header = [c.strip() for c in next(reader, [])]
        rows = list(reader)
    cols = {name: i for i, name in enumerate(header)}
    out: dict[str, list] = {k: [] for k in ("station", "name", "city_code", "city", "region_code", "lon", "lat", "kind", "groups",
                                            "not_measured")}

    def number(text: str, line: int, column: str):
        if text.strip() in ("", "-", "--"):
            return None
        try:
            return float(text)
        except ValueError:
            raise AirInputError(path, line, column, text, "经纬度数值或空", "a number or empty") from None

    if all(c in cols for c in NATIONAL_REGISTRY):
        codes = _city_codes()
        for line, row in enumerate(rows, start=2):
            if not any(x.strip() for x in row):
                continue
            get = lambda c, row=row: row[cols[c]].strip() if cols[c] < len(row) else ""  # noqa: E731
            flag = get("对照点").upper()
            if flag not in ("Y", "N", ""):
                raise AirInputError(path, line, "对照点", flag, "Y 或 N", "Y or N")
            city = get("城市")
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
        unknown = [c for c in header if c not in (*MEILI_REGISTRY, *REGISTRY_OPTIONAL)]
        if unknown:
            raise AirInputError(path, 1, ",".join(unknown), ",".join(header), "站点名录列 " + ",".join(MEILI_REGISTRY),
                                "registry columns " + ",".join(MEILI_REGISTRY) + "".join(f"[,{c}]" for c in REGISTRY_OPTIONAL))
        for line, row in enumerate(rows, start=2):
            if not any(x.strip() for x in row):
                continue
            get = lambda c, row=row: (row[cols[c]].strip() if c in cols and cols[c] < len(row) else "")  # noqa: E731
            kind = get("kind") or "assessment"
            if kind not in ("assessment", "background"):
                raise AirInputError(path, line, "kind", kind, "assessment 或 background", "assessment or background")
            if not get("station"):
                raise AirInputError(path, line, "station", "", "站点编码", "a station code")
            out["station"].append(get("station"))
            out["name"].append(get("name"))
            out["city"].append(get("city") or get("city_code"))
            out["city_code"].append(get("city_code"))
            out["region_code"].append(get("region_code"))
            out["lon"].append(number(get("lon"), line, "lon"))
            out["lat"].append(number(get("lat"), line, "lat"))
            out["kind"].append(kind)
            out["groups"].append(get("groups"))
            out["not_measured"].append(_not_measured(get("not_measured"), path, line))
    else:
        raise AirInputError(path, 1, None, ",".join(header),
                            "站点名录表头 " + ",".join(MEILI_REGISTRY) + " 或 " + ",".join(NATIONAL_REGISTRY),
                            "a registry header " + ",".join(MEILI_REGISTRY) + " or " + ",".join(NATIONAL_REGISTRY))
    seen: set[str] = set()
    for line, code in enumerate(out["station"], start=2):
        if code in seen:
            raise AirInputError(path, line, header[0], code, "不重复的站点编码", "a unique station code")
        seen.add(code)
    return Registry(pa.table(out), str(path))
