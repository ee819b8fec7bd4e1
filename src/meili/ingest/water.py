"""Readers for surface-water monitoring data: sample tables, the national automatic stations' table and
section registries.

Every reader validates the whole file before returning anything: a bad cell raises
:class:`WaterInputError` naming the file, row, column, value and what was expected (Chinese, then English).
Parsing is vectorised (pandas string operations over whole columns), never a Python loop over rows.

The result is a :class:`WaterData`: a long sample table ``section, row, time, item, value, below_dl`` (GB 3838
units; ``below_dl`` marks values written like ``0.01L``, whose ``value`` is the detection limit), a section
table ``section, name, water_body, kind, level, region_code, target_class, province, basin`` and, for the
national table, the published class of each row.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

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
_NUMBER = r"^\s*((?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*(L?)\s*$"
_MAX_PROBLEMS_SHOWN = 10


class WaterInputError(ValueError):
    """Bad water input: says where (file, row, column), the value and what was expected, in Chinese and English."""

    def __init__(self, path: Path | str, problems: list[str]):
        self.path = str(path)
        self.problems = problems
        shown = problems[:_MAX_PROBLEMS_SHOWN]
        more = len(problems) - len(shown)
        lines = [f"输入文件有误 / bad input file: {self.path}", *(f"  - {p}" for p in shown)]
        if more > 0:
            lines.append(f"  … 另有 {more} 处 / {more} more")
        super().__init__("\n".join(lines))


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


def _cell(path: Path | str, row: object, column: str, value: object, expected: str) -> str:
    """One bad cell; ``expected`` is "中文 / English"."""
    zh, _, en = expected.partition(" / ")
    return (f"第 {row} 行，列 {column!r}，值 {value!r}：应为{zh} / "
            f"row {row}, column {column!r}, value {value!r}: expected {en or zh}")


def _read_strings(path: Path) -> tuple[pd.DataFrame, str]:
    """The file as a frame of strings (no value guessed), with the unit rows are numbered in."""
    if not path.is_file():
        raise WaterInputError(path, ["文件不存在 / file not found"])
    suffix = path.suffix.lower()
    try:
        if suffix == ".parquet":
            frame = pd.read_parquet(path).astype("string").fillna("").astype(object)
            frame.columns = [str(c).strip() for c in frame.columns]
            return frame, "parquet"
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except (UnicodeDecodeError, pd.errors.ParserError, ValueError, OSError) as exc:
        raise WaterInputError(path, [f"无法读取（应为 UTF-8 CSV 或 Parquet）/ cannot read (expected UTF-8 CSV or Parquet): {exc}"]) from exc
    frame.columns = [str(c).strip() for c in frame.columns]
    return frame, "csv"


def _row_numbers(frame: pd.DataFrame, kind: str) -> pd.Series:
    # CSV: the line number in the file (header is line 1); Parquet: the 1-based row.
    offset = 2 if kind == "csv" else 1
    return pd.Series(range(offset, offset + len(frame)), index=frame.index, dtype="int64")


def _parse_values(path: Path, long: pd.DataFrame, no_data: tuple[str, ...] = ("",)) -> pd.DataFrame:
    """Parse ``raw`` into ``value`` and ``below_dl``; collect every bad cell."""
    raw = long["raw"].str.strip()
    missing = raw.isin(no_data)
    parts = raw.str.extract(_NUMBER)
    bad = ~missing & parts[0].isna()
    problems = [
        _cell(path, r, c, v, "非负数值，或检出限加 L（如 0.01L） / a non-negative number, or a detection limit with L (e.g. 0.01L)")
        for r, c, v in long.loc[bad, ["row", "column", "raw"]].head(_MAX_PROBLEMS_SHOWN * 2).itertuples(index=False)
    ]
    value = pd.to_numeric(parts[0], errors="coerce")
    is_ph = long["item"] == "ph"
    bad_ph = is_ph & value.notna() & (value > 14)
    problems += [
        _cell(path, r, c, v, "0–14 之间的 pH / a pH between 0 and 14")
        for r, c, v in long.loc[bad_ph, ["row", "column", "raw"]].head(_MAX_PROBLEMS_SHOWN).itertuples(index=False)
    ]
    if problems:
        raise WaterInputError(path, problems)
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
    frame, kind = _read_strings(path)
    missing_columns = [c for c in SAMPLE_KEY_COLUMNS if c not in frame.columns]
    if missing_columns:
        raise WaterInputError(path, [
            f"缺少列 {c!r}；应有列 section,date,<参数> / missing column {c!r}; expected section,date,<parameters>"
            for c in missing_columns
        ])
    frame = frame.assign(row=_row_numbers(frame, kind))
    problems: list[str] = []
    section = frame["section"].str.strip()
    for r, v in frame.loc[section.eq(""), ["row", "section"]].itertuples(index=False):
        problems.append(_cell(path, r, "section", v, "断面编码 / a section code"))
    time = pd.to_datetime(frame["date"].str.strip().str.replace("/", "-", regex=False), format="ISO8601",
                          errors="coerce")
    for r, v in frame.loc[time.isna(), ["row", "date"]].head(_MAX_PROBLEMS_SHOWN).itertuples(index=False):
        problems.append(_cell(path, r, "date", v, "日期，如 2024-01-15 或 2024-01-15 08:00 / a date like 2024-01-15 or 2024-01-15 08:00"))
    if sections is not None:
        known = set(sections.column("section").to_pylist())
        unknown = ~section.isin(known) & section.ne("")
        for r, v in frame.loc[unknown, ["row", "section"]].head(_MAX_PROBLEMS_SHOWN).itertuples(index=False):
            problems.append(_cell(path, r, "section", v, "断面名录中的断面（未知断面） / a section of the registry (unknown section)"))
    if problems:
        raise WaterInputError(path, problems)
    value_columns = [c for c in frame.columns if c not in (*SAMPLE_KEY_COLUMNS, "row") and c.lower() not in TEXT_COLUMNS]
    base = pd.DataFrame({"section": section, "row": frame["row"], "time": time})
    long = base.join(frame[value_columns]).melt(
        id_vars=["section", "row", "time"], value_vars=value_columns, var_name="column", value_name="raw"
    )
    long["item"] = long["column"].str.strip().str.lower()
    long = _parse_values(path, long)
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
    missing_columns = [c for c in REGISTRY_COLUMNS if c not in frame.columns]
    if missing_columns:
        raise WaterInputError(path, [
            f"缺少列 {c!r}；断面名录应有列 {','.join(REGISTRY_COLUMNS)} / missing column {c!r}" for c in missing_columns
        ])
    frame = frame.assign(row=_row_numbers(frame, kind_of_file))
    clean = {c: frame[c].str.strip() for c in REGISTRY_COLUMNS}
    problems: list[str] = []

    def report(mask: pd.Series, column: str, expected: str) -> None:
        for r, v in frame.loc[mask, ["row", column]].head(_MAX_PROBLEMS_SHOWN).itertuples(index=False):
            problems.append(_cell(path, r, column, v, expected))

    report(clean["section"].eq(""), "section", "断面编码 / a section code")
    report(clean["section"].duplicated() & clean["section"].ne(""), "section", "唯一的断面编码（重复） / a unique section code (duplicate)")
    report(clean["name"].eq(""), "name", "断面名称 / a section name")
    report(clean["water_body"].eq(""), "water_body", "河流或湖库名称 / a river or lake name")
    kind = clean["kind"].str.lower().map(KINDS)
    report(kind.isna(), "kind", "river、lake 或 reservoir / river, lake or reservoir")
    level = clean["level"].str.lower().map(LEVELS)
    report(level.isna(), "level", "national、provincial 或 municipal / national, provincial or municipal")
    report(~clean["region_code"].str.fullmatch(r"\d{6}"), "region_code", "六位行政区划代码，如 360702 / a six-digit region code such as 360702")
    names = class_names()
    ranks = clean["target_class"].map(class_rank_of)
    report(clean["target_class"].ne("") & ranks.isna(), "target_class", "水质类别 Ⅰ–Ⅴ 或 劣Ⅴ / a class Ⅰ–Ⅴ or 劣Ⅴ")
    if problems:
        raise WaterInputError(path, problems)
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
    with path.open(encoding="utf-8-sig") as fh:
        header = fh.readline()
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
    frame, kind_of_file = _read_strings(path)
    missing_columns = [c for c in (*NATIONAL_KEYS, *NATIONAL_COLUMNS) if c not in frame.columns]
    if missing_columns:
        raise WaterInputError(path, [f"缺少列 {c!r} / missing column {c!r} (national automatic stations' table)"
                                     for c in missing_columns])
    frame = frame.assign(row=_row_numbers(frame, kind_of_file))
    problems: list[str] = []
    time_text = frame["监测时间"].str.strip()
    no_time = time_text.isin(NATIONAL_NO_DATA)
    time = pd.to_datetime(f"{year}-" + time_text, format="%Y-%m-%d %H:%M", errors="coerce")
    for r, v in frame.loc[~no_time & time.isna(), ["row", "监测时间"]].head(_MAX_PROBLEMS_SHOWN).itertuples(index=False):
        problems.append(_cell(path, r, "监测时间", v, "MM-DD HH:MM，或 * / -- 表示无数据 / MM-DD HH:MM, or * / -- for no data"))
    published_text = frame["水质类别"].str.strip()
    published_rank = published_text.map(class_rank_of)
    bad_class = ~published_text.isin(NATIONAL_NO_DATA) & published_rank.isna()
    for r, v in frame.loc[bad_class, ["row", "水质类别"]].head(_MAX_PROBLEMS_SHOWN).itertuples(index=False):
        problems.append(_cell(path, r, "水质类别", v, "Ⅰ–Ⅴ、劣Ⅴ，或 * / -- / a class Ⅰ–Ⅴ, 劣Ⅴ, or * / --"))
    for column in ("省份", "断面名称"):
        for r, v in frame.loc[frame[column].str.strip().eq(""), ["row", column]].head(_MAX_PROBLEMS_SHOWN).itertuples(index=False):
            problems.append(_cell(path, r, column, v, "非空文字 / non-empty text"))
    if problems:
        raise WaterInputError(path, problems)
    province = frame["省份"].str.strip()
    name = frame["断面名称"].str.strip()
    section = province + "/" + name
    base = pd.DataFrame({"section": section, "row": frame["row"], "time": time})
    renamed = frame[list(NATIONAL_COLUMNS)].rename(columns=NATIONAL_COLUMNS)
    long = base.join(renamed).melt(id_vars=["section", "row", "time"], var_name="item", value_name="raw")
    long["column"] = long["item"].map({v: k for k, v in NATIONAL_COLUMNS.items()})
    long = _parse_values(path, long, NATIONAL_NO_DATA)
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
    notes = [
        f"{len(frame)} 行 / rows, {len(stations)} 个断面 / sections, {int(no_time.sum())} 行无监测时间 / rows without a time",
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
    if is_national_table(path):
        if year is None:
            raise WaterInputError(path, ["国家自动站数据的监测时间无年份，请给出 --year / the national table's times have no year: give --year"])
        return read_national_table(path, year, sections)
    return read_samples(path, sections)
