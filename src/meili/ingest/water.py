"""Readers for surface-water monitoring data: sample tables, the national automatic stations' table and
section registries.

Every reader validates the whole file before returning anything: the bad cells raise one
:class:`WaterInputError` (a :class:`meili.errors.MeiliError`) whose problems name the file, row, column, value and
what was expected (rendered in Chinese, English or both). Every problem is collected (the first
:data:`MAX_PROBLEMS` of each check are kept, all are counted), not only the first. Parsing is vectorised (pandas
string operations over whole columns), never a Python loop over rows; only the bad cells become Python objects.

The result is a :class:`WaterData`: a long sample table ``section, row, time, item, value, below_dl`` (GB 3838
units; ``below_dl`` marks values written like ``0.01L``, whose ``value`` is the detection limit), a section
table ``section, name, water_body, kind, level, region_code, target_class, province, basin`` and, for the
national table, the published class of each row.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from meili.errors import Collector, InputError, Problem, Text
from meili.ingest.text import ENCODINGS, EXPONENT, UNSIGNED_DECIMAL, UndecodableText, decode_csv
from meili.standards.water.tables import all_items, class_names, class_rank_of

SAMPLE_KEY_COLUMNS = ("section", "date")
REGISTRY_COLUMNS = ("section", "name", "water_body", "kind", "level", "region_code", "target_class")
KINDS = {"river": "river", "lake": "lake", "reservoir": "reservoir", "河流": "river", "湖泊": "lake", "水库": "reservoir"}
LEVELS = {
    "national": "national", "provincial": "provincial", "municipal": "municipal",
    "国考": "national", "省考": "provincial", "市考": "municipal",
}
# Columns of a samples file that hold free text, not values.
TEXT_COLUMNS = ("note", "remark", "备注", "name")
# The national automatic stations' table: column → Meili item (chlorophyll-a converted from mg/L to mg/m³).
NATIONAL_COLUMNS = {
    "水温(℃)": "wt",
    "pH(无量纲)": "ph",
    "溶解氧(mg/L)": "do",
    "电导率(μS/cm)": "conductivity",
    "浊度(NTU)": "turbidity",
    "高锰酸盐指数(mg/L)": "codmn",
    "氨氮(mg/L)": "nh3n",
    "总磷(mg/L)": "tp",
    "总氮(mg/L)": "tn",
    "叶绿素α(mg/L)": "chla",
    "藻密度(cells/L)": "algae_density",
}
NATIONAL_KEYS = ("省份", "流域", "断面名称", "监测时间", "水质类别")
NATIONAL_NO_DATA = ("*", "--", "-", "")
#: A value cell: a plain number (exponent allowed) and, for a value below the detection limit, ``L`` (``0.01L``).
_NUMBER = rf"^\s*({UNSIGNED_DECIMAL}{EXPONENT}?)\s*(L?)\s*$"
#: Problems kept per check (every one is counted; the message shows the first :data:`meili.errors.SHOWN`).
MAX_PROBLEMS = 1000


class WaterInputError(InputError, ValueError):
    """Bad water input: every problem found, each naming the file, row, column, the value and what was expected.

    ``WaterInputError(*problems, total=, counts=)`` like any :class:`~meili.errors.MeiliError`; the older form
    ``WaterInputError(path, ["message", …])`` is still accepted (each message becomes a problem of that file).
    ``path`` is the file of the first problem.
    """

    kind = "water_input"

    def __init__(self, *problems: Problem | str | Text | Path | list, total: int | None = None,
                 counts: dict[str, int] | None = None):
        if len(problems) == 2 and isinstance(problems[1], list) and not isinstance(problems[0], Problem):
            file, items = str(problems[0]), problems[1]
            problems = tuple(p if isinstance(p, Problem) else Problem(self.kind, file=file, detail=p) for p in items)
        super().__init__(*problems, total=total, counts=counts)
        self.path = next((p.file for p in self.problems if p.file), None)


@dataclass(frozen=True)
class WaterData:
    """What the readers return: samples (long), sections and, for the national table, published classes."""

    samples: pa.Table
    sections: pa.Table
    source: str
    published: pa.Table | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def is_national_table(self) -> bool:
        return self.published is not None


def _report(problems: Collector, path: Path, frame: pd.DataFrame, mask: pd.Series, column: str, kind: str,
            expected: Text) -> None:
    """Every cell of ``column`` where ``mask`` holds, as a problem (the first :data:`MAX_PROBLEMS` kept, all counted)."""
    total = int(mask.sum())
    if total:
        bad = frame.loc[mask, ["row", column]].head(MAX_PROBLEMS)
        problems.add_counted([Problem(kind, file=str(path), row=int(r), column=column, value=str(v), expected=expected)
                              for r, v in bad.itertuples(index=False)], total)


def _missing_columns(path: Path, kind: str, columns: list[str], expected: Text) -> None:
    """Columns the header lacks (row 1 of a CSV; a Parquet file has no header row)."""
    row = 1 if kind == "csv" else None
    if columns:
        raise WaterInputError(*(Problem("missing_column", file=str(path), row=row, column=c, expected=expected)
                                for c in columns))


def _raise(problems: Collector) -> None:
    """Raise the problems found, in row order (a file's own problems, without a row, first)."""
    problems.problems.sort(key=lambda p: p.row or 0)
    problems.raise_if_any(WaterInputError)


_READABLE = Text(f"{ENCODINGS.zh} 编码的 CSV，或 Parquet 文件", f"a CSV file in {ENCODINGS.en}, or a Parquet file")


def _unreadable(path: Path, zh: str, en: str) -> WaterInputError:
    return WaterInputError(Problem("unreadable_file", file=str(path), detail=Text(zh, en), expected=_READABLE))


def _read_text(path: Path) -> tuple[bytes, str]:
    """A CSV as ``(UTF-8 bytes, text)`` in any of the encodings every reader accepts
    (:func:`meili.ingest.text.decode_csv`); anything else is an error naming the file."""
    try:
        return decode_csv(path.read_bytes())
    except UndecodableText as e:
        raise _unreadable(path, e.why.zh, e.why.en) from None
    except OSError as exc:
        raise _unreadable(path, f"无法读取：{exc}", f"cannot read: {exc}") from None


def _csv_frame(path: Path, data: bytes, text: str) -> pd.DataFrame:
    """Every cell of a CSV as text (pyarrow's parser, no Python loop over rows); the header's cells stripped. A
    repeated column name, or a row with fewer or more cells than the header (a truncated last line), is an error
    naming the file and the row."""
    header = [c.strip() for c in next(csv.reader(io.StringIO(text[:1_000_000], newline="")), [])]
    if not any(header):
        raise _unreadable(path, "文件为空或首行为空", "the file or its header row is empty")
    repeated = sorted({c for c in header if header.count(c) > 1})
    if repeated:
        raise WaterInputError(*(Problem("duplicate_key", file=str(path), row=1, column=c, value=c, expected=Text(
            "每列只出现一次", "each column once")) for c in repeated))
    cols = [f"c{i}" for i in range(len(header))]
    bad: list = []

    def on_invalid(row) -> str:
        bad.append(row)
        return "skip"

    table = pacsv.read_csv(
        io.BytesIO(data),
        read_options=pacsv.ReadOptions(column_names=cols, skip_rows=1, use_threads=False),
        parse_options=pacsv.ParseOptions(invalid_row_handler=on_invalid, newlines_in_values=True),
        convert_options=pacsv.ConvertOptions(column_types={c: pa.string() for c in cols}, strings_can_be_null=False))
    if bad:
        width = len(header)
        raise WaterInputError(*(Problem("malformed_row", file=str(path), row=r.number, value=r.text[:80], expected=Text(
            f"{width} 个单元格（与表头相同）", f"{width} cells, as many as the header"), detail=Text(
            f"该行有 {r.actual_columns} 个单元格（行被截断或多出分隔符）",
            f"the row has {r.actual_columns} cells (a truncated line or a stray separator)"))
            for r in bad[:MAX_PROBLEMS]), total=len(bad))
    frame = table.to_pandas()
    frame.columns = header
    return frame.astype(object)


def _read_strings(path: Path) -> tuple[pd.DataFrame, str]:
    """The file as a frame of strings (no value guessed), with the unit rows are numbered in: the one guarded entry
    point of every water file (samples, national table, section registry). A row with fewer cells than the header
    (a truncated last line) or more is an error naming the file and the row."""
    if not path.is_file():
        raise WaterInputError(Problem("file_not_found", file=str(path), expected=Text("存在的文件", "an existing file")))
    suffix = path.suffix.lower()
    try:
        if suffix == ".parquet":
            frame = pd.read_parquet(path).astype("string").fillna("").astype(object)
            frame.columns = [str(c).strip() for c in frame.columns]
            return frame, "parquet"
        frame = _csv_frame(path, *_read_text(path))
    except WaterInputError:
        raise
    except (pd.errors.ParserError, ValueError, OSError, ArithmeticError, pa.ArrowException, csv.Error) as exc:
        raise _unreadable(path, f"无法读取：{exc}", f"cannot read: {exc}") from exc
    return frame, "csv"


def _row_numbers(frame: pd.DataFrame, kind: str) -> pd.Series:
    # CSV: the line number in the file (header is line 1); Parquet: the 1-based row.
    offset = 2 if kind == "csv" else 1
    return pd.Series(range(offset, offset + len(frame)), index=frame.index, dtype="int64")


_VALUE = Text("非负数值，或检出限加 L（如 0.01L）", "a non-negative number, or a detection limit with L (e.g. 0.01L)")
_PH = Text("0–14 之间的 pH", "a pH between 0 and 14")


def _parse_values(path: Path, long: pd.DataFrame, problems: Collector,
                  no_data: tuple[str, ...] = ("",)) -> pd.DataFrame:
    """Parse ``raw`` into ``value`` and ``below_dl``; every bad cell goes to ``problems``."""
    raw = long["raw"].str.strip()
    missing = raw.isin(no_data)
    parts = raw.str.extract(_NUMBER)
    value = pd.to_numeric(parts[0], errors="coerce")
    bad_ph = (long["item"] == "ph") & value.notna() & (value > 14)
    for mask, kind, expected in ((~missing & parts[0].isna(), "non_numeric", _VALUE), (bad_ph, "out_of_range", _PH)):
        total = int(mask.sum())
        if total:
            bad = long.loc[mask, ["row", "column", "raw"]].sort_values("row", kind="stable").head(MAX_PROBLEMS)
            problems.add_counted([Problem(kind, file=str(path), row=int(r), column=c, value=str(v), expected=expected)
                                  for r, c, v in bad.itertuples(index=False)], total)
    out = long.assign(value=value, below_dl=parts[1].eq("L") & ~missing)
    return out[~missing]


def read_samples(path: str | Path, sections: pa.Table | None = None) -> WaterData:
    """Read a samples table, CSV (UTF-8) or Parquet: ``section,date,<parameters>``.

    Parameters use the names of ``tables/items.csv`` (``ph,do,codmn,cod,bod5,nh3n,tp,tn,cu,…``) in GB 3838
    units; other columns (``wt``, ``chla`` in mg/m³, ``sd`` in m, …) are kept as items too; a missing column
    means not measured, an empty cell not measured in that sample, ``0.01L`` below the detection limit 0.01.
    With a registry (``sections``), a section it does not list is an error.
    """
    path = Path(path)
    return _samples(path, *_read_strings(path), sections)


def _samples(path: Path, frame: pd.DataFrame, kind: str, sections: pa.Table | None) -> WaterData:
    _missing_columns(path, kind, [c for c in SAMPLE_KEY_COLUMNS if c not in frame.columns],
                     Text("列 section,date,<参数>", "the columns section,date,<parameters>"))
    frame = frame.assign(row=_row_numbers(frame, kind))
    problems = Collector()
    section = frame["section"].str.strip()
    _report(problems, path, frame, section.eq(""), "section", "empty_cell", Text("断面编码", "a section code"))
    time = pd.to_datetime(frame["date"].str.strip().str.replace("/", "-", regex=False), format="ISO8601",
                          errors="coerce")
    _report(problems, path, frame, time.isna(), "date", "invalid_time",
            Text("日期，如 2024-01-15 或 2024-01-15 08:00", "a date like 2024-01-15 or 2024-01-15 08:00"))
    if sections is not None:
        known = set(sections.column("section").to_pylist())
        _report(problems, path, frame, ~section.isin(known) & section.ne(""), "section", "unknown_section",
                Text("断面名录中的断面", "a section of the registry"))
    value_columns = [c for c in frame.columns if c not in (*SAMPLE_KEY_COLUMNS, "row") and c.lower() not in TEXT_COLUMNS]
    base = pd.DataFrame({"section": section, "row": frame["row"], "time": time})
    long = base.join(frame[value_columns]).melt(
        id_vars=["section", "row", "time"], value_vars=value_columns, var_name="column", value_name="raw"
    )
    long["item"] = long["column"].str.strip().str.lower()
    long = _parse_values(path, long, problems)
    _raise(problems)
    samples = pa.Table.from_pandas(
        long[["section", "row", "time", "item", "value", "below_dl"]].reset_index(drop=True), preserve_index=False
    )
    if sections is None:
        sections = _sections_from_names(sorted(section.unique()))
    unknown_items = sorted(set(value_columns) - set(all_items()))
    notes = [f"{len(frame)} 行样品 / sample rows; {section.nunique()} 个断面 / sections"]
    if unknown_items:
        notes.append("非 GB 3838 表1 项目（保留，不参评）/ items kept, not evaluated: " + ", ".join(unknown_items))
    return WaterData(samples=_typed_samples(samples), sections=sections, source=str(path), notes=notes)


def _typed_samples(samples: pa.Table) -> pa.Table:
    schema = pa.schema([
        ("section", pa.string()), ("row", pa.int64()), ("time", pa.timestamp("us")),
        ("item", pa.string()), ("value", pa.float64()), ("below_dl", pa.bool_()),
    ])
    return samples.select(schema.names).cast(schema)


def _sections_from_names(names: list[str], **columns: list) -> pa.Table:
    n = len(names)
    data = {
        "section": names,
        "name": columns.get("name", names),
        "water_body": columns.get("water_body", [None] * n),
        "kind": columns.get("kind", ["river"] * n),
        "level": columns.get("level", [None] * n),
        "region_code": columns.get("region_code", [None] * n),
        "target_class": columns.get("target_class", [None] * n),
        "province": columns.get("province", [None] * n),
        "basin": columns.get("basin", [None] * n),
    }
    return pa.table(data, schema=_SECTIONS_SCHEMA)


_SECTIONS_SCHEMA = pa.schema([(c, pa.string()) for c in (*REGISTRY_COLUMNS, "province", "basin")])


def read_sections(path: str | Path) -> pa.Table:
    """Read a section registry CSV ``section,name,water_body,kind,level,region_code,target_class``.

    ``kind`` is river, lake or reservoir (河流, 湖泊, 水库); ``level`` national, provincial or municipal (国考,
    省考, 市考); ``region_code`` six digits (e.g. 360702); ``target_class`` Ⅰ–Ⅴ or 劣Ⅴ (also I–V, 1–5), or empty.
    Optional ``province`` and ``basin`` columns are kept.
    """
    path = Path(path)
    frame, kind_of_file = _read_strings(path)
    _missing_columns(path, kind_of_file, [c for c in REGISTRY_COLUMNS if c not in frame.columns],
                     Text("断面名录的列 " + ",".join(REGISTRY_COLUMNS), "the registry columns " + ",".join(REGISTRY_COLUMNS)))
    frame = frame.assign(row=_row_numbers(frame, kind_of_file))
    clean = {c: frame[c].str.strip() for c in REGISTRY_COLUMNS}
    problems = Collector()

    def report(mask: pd.Series, column: str, kind: str, zh: str, en: str) -> None:
        _report(problems, path, frame, mask, column, kind, Text(zh, en))

    report(clean["section"].eq(""), "section", "empty_cell", "断面编码", "a section code")
    report(clean["section"].duplicated() & clean["section"].ne(""), "section", "duplicate_key",
           "唯一的断面编码（此编码重复）", "a unique section code (this one repeats)")
    report(clean["name"].eq(""), "name", "empty_cell", "断面名称", "a section name")
    report(clean["water_body"].eq(""), "water_body", "empty_cell", "河流或湖库名称", "a river or lake name")
    kind = clean["kind"].str.lower().map(KINDS)
    report(kind.isna(), "kind", "invalid_choice", "river、lake 或 reservoir（河流、湖泊、水库）",
           "river, lake or reservoir")
    level = clean["level"].str.lower().map(LEVELS)
    report(level.isna(), "level", "invalid_choice", "national、provincial 或 municipal（国考、省考、市考）",
           "national, provincial or municipal")
    report(~clean["region_code"].str.fullmatch(r"\d{6}"), "region_code", "invalid_value",
           "六位行政区划代码，如 360702", "a six-digit region code such as 360702")
    names = class_names()
    ranks = clean["target_class"].map(class_rank_of)
    report(clean["target_class"].ne("") & ranks.isna(), "target_class", "invalid_value",
           "水质类别 Ⅰ–Ⅴ 或 劣Ⅴ，或留空", "a class Ⅰ–Ⅴ or 劣Ⅴ, or empty")
    _raise(problems)
    optional = {c: frame[c].str.strip().replace("", None).tolist() if c in frame.columns else [None] * len(frame)
                for c in ("province", "basin")}
    return pa.table({
        "section": clean["section"].tolist(),
        "name": clean["name"].tolist(),
        "water_body": clean["water_body"].tolist(),
        "kind": kind.tolist(),
        "level": level.tolist(),
        "region_code": clean["region_code"].tolist(),
        "target_class": pa.array(ranks.map(names), type=pa.string(), from_pandas=True),
        **optional,
    }, schema=_SECTIONS_SCHEMA)


def is_national_table(path: str | Path) -> bool:
    """Whether a CSV's header is the national automatic stations' table (断面名称, 监测时间, 水质类别, …)."""
    path = Path(path)
    if path.suffix.lower() != ".csv" or not path.is_file():
        return False
    return _is_national_header(_read_text(path)[1].split("\n", 1)[0])  # decoded as every water CSV is


def _is_national_header(header: str) -> bool:
    return all(key in header for key in NATIONAL_KEYS)


def read_national_table(path: str | Path, year: int, sections: pa.Table | None = None) -> WaterData:
    """Read the national automatic surface-water stations' table (国家地表水水质自动监测实时数据).

    Columns ``省份,流域,断面名称,监测时间,水质类别,水温(℃),pH(无量纲),…,站点情况``; ``监测时间`` is
    ``MM-DD HH:MM`` of ``year``; ``*`` and ``--`` are no data. A section is ``省份/断面名称``; its basin (流域)
    is its water body. Lakes and reservoirs are not flagged in the table, so Meili's documented rule is: a
    station that measures chlorophyll-a is a lake (kind ``lake``), every other a river. A registry
    (``sections``) overrides that rule and the other section attributes for the sections it lists.
    Chlorophyll-a is converted from mg/L to mg/m³ (the unit of the TLI formulas). Rows without a time are
    kept with a null time (they count for the published-class comparison, not for period means).
    """
    path = Path(path)
    return _national(path, *_read_strings(path), year, sections)


def _national(path: Path, frame: pd.DataFrame, kind_of_file: str, year: int, sections: pa.Table | None) -> WaterData:
    _missing_columns(path, kind_of_file, [c for c in (*NATIONAL_KEYS, *NATIONAL_COLUMNS) if c not in frame.columns],
                     Text("国家地表水自动站数据表的列", "the columns of the national automatic stations' table"))
    frame = frame.assign(row=_row_numbers(frame, kind_of_file))
    problems = Collector()
    time_text = frame["监测时间"].str.strip()
    no_time = time_text.isin(NATIONAL_NO_DATA)
    time = pd.to_datetime(f"{year}-" + time_text, format="%Y-%m-%d %H:%M", errors="coerce")
    _report(problems, path, frame, ~no_time & time.isna(), "监测时间", "invalid_time",
            Text("MM-DD HH:MM，或 * / -- 表示无数据", "MM-DD HH:MM, or * / -- for no data"))
    published_text = frame["水质类别"].str.strip()
    published_rank = published_text.map(class_rank_of)
    bad_class = ~published_text.isin(NATIONAL_NO_DATA) & published_rank.isna()
    _report(problems, path, frame, bad_class, "水质类别", "invalid_value",
            Text("Ⅰ–Ⅴ、劣Ⅴ，或 * / -- 表示无数据", "a class Ⅰ–Ⅴ, 劣Ⅴ, or * / -- for no data"))
    for column in ("省份", "断面名称"):
        _report(problems, path, frame, frame[column].str.strip().eq(""), column, "empty_cell",
                Text("非空文字", "non-empty text"))
    province = frame["省份"].str.strip()
    name = frame["断面名称"].str.strip()
    section = province + "/" + name
    base = pd.DataFrame({"section": section, "row": frame["row"], "time": time})
    renamed = frame[list(NATIONAL_COLUMNS)].rename(columns=NATIONAL_COLUMNS)
    long = base.join(renamed).melt(id_vars=["section", "row", "time"], var_name="item", value_name="raw")
    long["column"] = long["item"].map({v: k for k, v in NATIONAL_COLUMNS.items()})
    long = _parse_values(path, long, problems, NATIONAL_NO_DATA)
    _raise(problems)
    long.loc[long["item"] == "chla", "value"] *= 1000.0  # mg/L → mg/m³
    samples = _typed_samples(pa.Table.from_pandas(
        long[["section", "row", "time", "item", "value", "below_dl"]].reset_index(drop=True), preserve_index=False
    ))
    stations = pd.DataFrame({"section": section, "name": name, "province": province,
                             "basin": frame["流域"].str.strip()}).drop_duplicates("section")
    with_chla = set(long.loc[long["item"] == "chla", "section"].unique())
    stations["kind"] = stations["section"].isin(with_chla).map({True: "lake", False: "river"})
    registry = _sections_from_names(
        stations["section"].tolist(),
        name=stations["name"].tolist(),
        water_body=stations["basin"].tolist(),
        kind=stations["kind"].tolist(),
        level=["national"] * len(stations),
        province=stations["province"].tolist(),
        basin=stations["basin"].tolist(),
    )
    no_value = int((~frame["row"].isin(long["row"].unique())).sum())
    notes = [
        f"{len(frame)} 行 / rows, {len(stations)} 个断面 / sections, {int(no_time.sum())} 行无监测时间 / rows without a time "
        "(按样品评价，不计入时段均值 / classified per sample, left out of period means)",
        f"{no_value} 行没有任何监测值（全为 * 或 --），不产生输出行 / rows without any value (all * or --) give no "
        "output row",
        f"{len(with_chla)} 个测叶绿素a的断面按湖库评价 / stations measuring chlorophyll-a judged as lakes",
    ]
    if sections is not None:
        registry = override_sections(registry, sections)
        notes.append(f"断面名录覆盖 {sections.num_rows} 个断面 / registry overrides {sections.num_rows} sections")
    names = class_names()
    published = pa.table({
        "section": section.tolist(),
        "row": frame["row"].astype("int64").tolist(),
        "published_class": pa.array(published_rank.map(names), type=pa.string(), from_pandas=True),
    })
    return WaterData(samples=samples, sections=registry, source=str(path), published=published, notes=notes)


def override_sections(derived: pa.Table, registry: pa.Table) -> pa.Table:
    """Sections derived by a rule, with every section the registry lists replaced by the registry's row."""
    keep = pc.invert(pc.is_in(derived.column("section"), value_set=registry.column("section")))
    return pa.concat_tables([derived.filter(keep), registry.select(_SECTIONS_SCHEMA.names).cast(_SECTIONS_SCHEMA)])


def read_water_input(path: str | Path, *, year: int | None = None, sections_path: str | Path | None = None) -> WaterData:
    """Read any water input: the national table (needs ``year``) or a samples table, with an optional registry."""
    sections = read_sections(sections_path) if sections_path is not None else None
    path = Path(path)
    frame, kind = _read_strings(path)  # once: the header decides which table it is (as is_national_table does)
    if path.suffix.lower() == ".csv" and _is_national_header(",".join(frame.columns)):
        if year is None:
            raise WaterInputError(Problem("missing_parameter", file=str(path), column="year", detail=Text(
                "国家自动站数据的监测时间没有年份，需要给出年份", "the national table's times have no year: the year is needed")))
        return _national(path, frame, kind, year, sections)
    return _samples(path, frame, kind, sections)
