"""Recorded air and water results, and releases: what the public portal serves.

**Recorded results** (:meth:`meili.app.Meili.record_air`, :meth:`~meili.app.Meili.record_water`): the numbers the
air and water commands compute from raw files, in one tidy long table of the store (``results``, one row per
``domain, scope, code, year, month, metric``; see :mod:`meili.store.results`), with the import that recorded them.
This module turns the operations' wide tables into those rows.

**Releases** (:meth:`~meili.app.Meili.publish`, :meth:`~meili.app.Meili.release`): a numbered, immutable copy of
everything published — observations, evaluations, rankings, summaries, results — and of what changed since the
previous release. A :class:`Release` reads each table once (Arrow) and keeps it: the web server opens the workspace
read-only and serves from it. See ``docs/releases.md``.
"""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from meili.errors import NotFoundError, Problem, Text
from meili.store.results import RELEASE_TABLES, RESULT_INPUT_SCHEMA

if TYPE_CHECKING:
    import pyarrow as pa

    from meili.app import AirInput, Meili
    from meili.store import ImportResult, Workspace

__all__ = ["AIR_METRICS", "RELEASE_TABLES", "WATER_CLASS_VALUES", "RecordResult", "Release", "ReleaseInfo"]

#: The air metrics recorded per station, city, county and group, year and month, with their units
#: (the columns of :meth:`meili.app.Meili.air_annual`; booleans are recorded as 1/0).
AIR_METRICS: dict[str, str | None] = {
    "so2": "μg/m³", "no2": "μg/m³", "pm10": "μg/m³", "pm25": "μg/m³", "co_p95": "mg/m³", "o3_8h_p90": "μg/m³",
    "so2_p98": "μg/m³", "no2_p98": "μg/m³", "pm10_p95": "μg/m³", "pm25_p95": "μg/m³",
    "good_rate": "%", "good_days": "d", "valid_days": "d",
    **{f"days_level_{n}": "d" for n in range(1, 7)},
    "composite_index": None, "rank": None, "change_rate": "%",
    "complete": None, "attained": None, "attained_provisional": None,
}
#: Air scopes by the operations' grouping (``region`` keys are county codes).
AIR_SCOPES = {"station": "station", "city": "city", "region": "county", "group": "group"}
#: The standards of each air regime (HJ 633-2026 §… 实施日期 2026-03-01; ``tables/regimes.csv``).
AIR_STANDARDS = {"2012": "GB 3095-2012, HJ 633-2012, HJ 663-2013", "2026": "GB 3095-2026, HJ 633-2026, HJ 663-2026"}
#: GB 3838-2002 classes as numbers (劣Ⅴ = 6).
WATER_CLASS_VALUES = {"Ⅰ": 1, "Ⅱ": 2, "Ⅲ": 3, "Ⅳ": 4, "Ⅴ": 5, "劣Ⅴ": 6}
WATER_CLASS_STANDARD = "GB 3838-2002, 环办〔2011〕22号"
WATER_CWQI_STANDARD = "环办监测〔2017〕51号"
#: Water summary columns → metric (a share of sections, %).
WATER_SHARES = {"share_i_iii": "share_class_1_3", "share_i_ii": "share_class_1_2",
                "share_v_worse": "share_class_5_or_worse", "share_worse_than_v": "share_worse_than_5"}
_names = itertools.count()
#: Decimals a recorded value keeps: DuckDB's parallel sums (CWQI, shares) differ in the last bits from run to run,
#: which would make a new revision of an unchanged value and a different digest of the same content.
VALUE_DECIMALS = 9
#: Milestones every release evaluates.
RELEASE_MILESTONES = (2025, 2035)


# --- recorded results ------------------------------------------------------------------------------------------
@dataclass
class RecordResult:
    """What ``record_air`` / ``record_water`` recorded: the result rows computed (``rows``, the store's input
    columns), the store's counts (``result``) and notes on what could not be computed (scopes skipped)."""

    domain: str
    year: int
    rows: pa.Table
    result: ImportResult
    notes: list[str] = field(default_factory=list)

    @property
    def import_id(self) -> int | None:
        return self.result.import_id

    def summary(self) -> str:
        return self.result.summary()


@dataclass(frozen=True)
class Metric:
    """How a column of a wide result table becomes a metric: its numeric ``column`` (None: a text result), the
    ``text`` column (a class label, a pollutant list), unit and standard."""

    column: str | None
    unit: str | None
    standard: str
    text: str | None = None


def _long(table: pa.Table, *, domain: str, scope: str, year: int, metrics: dict[str, Metric], code: str = "key",
          names: dict[str, str] | None = None, month_from: str | None = None) -> pa.Table:
    """A wide result table (one row per key and period) as result rows: one per key, period and metric (a metric
    whose columns the table lacks is left out). ``month_from``: the column holding ``YYYY-MM`` (None: annual)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    n = table.num_rows
    codes = pc.cast(table[code], pa.string())
    name_col = pa.array([(names or {}).get(c) for c in codes.to_pylist()], pa.string())
    month = (pa.nulls(n, pa.int32()) if month_from is None
             else pc.cast(pc.utf8_slice_codeunits(table[month_from], 5, 7), pa.int32()))
    parts = []
    for metric, m in metrics.items():
        if any(c is not None and c not in table.column_names for c in (m.column, m.text)):
            continue
        parts.append(pa.table({
            "domain": pa.array([domain] * n, pa.string()), "scope": pa.array([scope] * n, pa.string()),
            "code": codes, "name": name_col, "year": pa.array([year] * n, pa.int32()), "month": month,
            "metric": pa.array([metric] * n, pa.string()),
            "value": pa.nulls(n, pa.float64()) if m.column is None else pc.round(
                pc.cast(table[m.column], pa.float64()), VALUE_DECIMALS),
            "text": pa.nulls(n, pa.string()) if m.text is None else pc.cast(table[m.text], pa.string()),
            "unit": pa.array([m.unit] * n, pa.string()), "standard": pa.array([m.standard] * n, pa.string()),
        }, schema=RESULT_INPUT_SCHEMA))
    return pa.concat_tables(parts) if parts else RESULT_INPUT_SCHEMA.empty_table()


def air_standard(year: int, standard: str = "auto") -> str:
    """The standards applied to a year's air values: the forced regime's, or those of every regime in force that
    year (``"…2012… | …2026…"`` for 2026, whose first two months follow the 2012 rules)."""
    if standard != "auto":
        return AIR_STANDARDS[standard]
    import datetime as dt

    from meili.standards.air.tables import regimes

    first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
    return " | ".join(AIR_STANDARDS[r] for r, start, end in regimes() if start <= last and end >= first)


def air_results(app: Meili, air: AirInput, year: int, *, standard: str = "auto",
                o3_order: str = "station_mda8") -> tuple[pa.Table, list[str]]:
    """The HJ 663 values of ``year`` per station, city, county and group (those the registry allows), per year and
    per month, as result rows; and notes on the scopes skipped.

    The functions of :meth:`Meili.air_annual` (daily values, then :func:`annual_table`), run once for all the
    groupings: their daily values are stacked in one table (keys prefixed ``station|``, ``city|`` …), each period
    is one query (Ibis compiles it once: compiling, not DuckDB, is most of the time), and the 综合指数 rank — the only value that compares keys — is taken again within each grouping.
    Recording four groupings so costs about what one ``air annual`` run does (a test checks the values are
    :meth:`Meili.air_annual`'s)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    from meili.standards.air.annual import annual_table, daily_for_evaluation

    groupings = ["station"] + (["city", "region", "group"] if air.registry is not None else [])
    notes = [] if air.registry is not None else [Text(
        "没有站点名录：只记录各站点结果", "no station registry: results are recorded per station only").render()]
    dailies = [daily_for_evaluation(air.hourly, registry=air.registry_table, by=by, standard=standard,
                                    o3_order=o3_order) for by in groupings]
    common = [c for c in dailies[0].columns if all(c in d.columns for d in dailies)]
    daily_name = f"_record_daily_{next(_names)}"
    raw = air.con.con
    for by, daily in zip(groupings, dailies, strict=True):
        app.hooks.run(f"日值 / daily values ({by})", lambda by=by, daily=daily: air.con.create_table(
            f"{daily_name}_{by}", daily.select(*common), temp=True), air.con)
    raw.execute(f"CREATE TEMP TABLE {daily_name} AS " + " UNION ALL ".join(
        f"SELECT * REPLACE ('{by}|' || key AS key) FROM {daily_name}_{by}" for by in groupings))
    table = air.con.table(daily_name)
    names = _air_names(app, air)
    std = air_standard(year, standard)
    metrics = {m: Metric(m, unit, std) for m, unit in AIR_METRICS.items()}
    parts = []
    try:
        for period in ("year", "month"):
            sql = air.con.compile(annual_table(table, period=period, year=year))
            sql = (f"SELECT * REPLACE (CASE WHEN composite_index IS NULL THEN NULL ELSE rank() OVER (PARTITION BY "
                   f"split_part(key, '|', 1), period, composite_index IS NULL ORDER BY composite_index) END AS rank) "
                   f"FROM ({sql})")
            wide = app.hooks.run(f"计算 / computing ({period})", lambda sql=sql: raw.sql(sql).to_arrow_table(), air.con)
            grouping = pc.split_pattern(wide["key"], "|", max_splits=1)
            by_col, key_col = pc.list_element(grouping, 0), pc.list_element(grouping, 1)
            wide = wide.set_column(wide.column_names.index("key"), "key", key_col)
            for by in groupings:
                rows = wide.filter(pc.equal(by_col, by))
                parts.append(_long(rows, domain="air", scope=AIR_SCOPES[by], year=year, metrics=metrics,
                                   names=names.get(by), month_from="period" if period == "month" else None))
    finally:
        for name in [daily_name, *(f"{daily_name}_{by}" for by in groupings)]:
            raw.execute(f"DROP TABLE IF EXISTS {name}")
    return pa.concat_tables(parts), notes


def _air_names(app: Meili, air: AirInput) -> dict[str, dict[str, str]]:
    """Display names per grouping: stations and cities from the registry, counties and groups from Meili's regions."""
    if air.registry is None:
        return {}
    reg = air.registry.table.to_pylist()
    cities = {r["city_code"]: r.get("city") or app._known_name(r["city_code"]) for r in reg}
    counties = {r["region_code"]: app._known_name(r["region_code"]) for r in reg if r.get("region_code")}
    groups = {g: app._known_name(g) for r in reg for g in str(r.get("groups") or "").replace(";", ",").split(",") if g}
    return {"station": {r["station"]: r.get("name") for r in reg}, "city": cities, "region": counties,
            "group": groups}


def water_results(app: Meili, data, year: int) -> tuple[pa.Table, list[str]]:
    """GB 3838 classes per section (the year and each month), and per county and for all sections the shares of
    classes, 水质状况, main pollutants and the CWQI and its rank, as result rows; notes on what was skipped.

    ``class`` is recorded as a number (Ⅰ…Ⅴ = 1…5, 劣Ⅴ = 6) with its label as text."""
    import pyarrow as pa
    import pyarrow.compute as pc

    notes: list[str] = []
    sections = data.sections
    section_names = (dict(zip(sections["section"].to_pylist(), sections["name"].to_pylist(), strict=True))
                     if "name" in sections.column_names else {})
    std, cwqi = WATER_CLASS_STANDARD, WATER_CWQI_STANDARD
    section_metrics = {"class": Metric("_class", None, std, text="class"), "status": Metric(None, None, std, "status"),
                       "main_pollutants": Metric(None, None, std, "main_pollutants"),
                       "meets_target": Metric("meets_target", None, std), "n_items": Metric("n_items", None, std)}
    parts = []
    for period in ("year", "month"):
        classes = app.water_classify(data, period=period, year=year)
        if period == "month":
            classes = classes.filter(pc.starts_with(classes["period"], f"{year}-"))
        classes = classes.append_column("_class", pa.array(
            [WATER_CLASS_VALUES.get(c) for c in classes["class"].to_pylist()], pa.float64()))
        parts.append(_long(classes, domain="water", scope="section", year=year, code="section", names=section_names,
                           metrics=section_metrics, month_from="period" if period == "month" else None))
    if data.is_national_table or "region_code" in sections.column_names:
        group_metrics = {
            "n_sections": Metric("n_sections", None, std),
            **{metric: Metric(col, "%", std) for col, metric in WATER_SHARES.items()},
            "status": Metric(None, None, std, "status"), "main_pollutants": Metric(None, None, std, "main_pollutants"),
        }
        rank_metrics = {"cwqi": Metric("cwqi", None, cwqi), "cwqi_rank": Metric("rank", None, cwqi),
                        "cwqi_change_rate": Metric("change_rate", "%", cwqi)}
        for by, scope in (("region", "county"), ("all", "all")):
            summary = app.water_summary(data, year=year, by=by)
            names = {k: ("全部断面" if k == "all" else app._known_name(k)) for k in summary["key"].to_pylist()}
            parts.append(_long(summary, domain="water", scope=scope, year=year, names=names, metrics=group_metrics))
            parts.append(_long(app.water_rank(data, year=year, by=by), domain="water", scope=scope, year=year,
                               names=names, metrics=rank_metrics))
    else:
        notes.append(Text("没有断面名录：只记录各断面类别", "no section registry: classes are recorded per section only")
                     .render())
    return pa.concat_tables(parts), notes


def record(app: Meili, domain: str, year: int, rows: pa.Table, files: list[Path], producer: str,
           notes: list[str]) -> RecordResult:
    """Write result rows in one transaction with the files' provenance (names and sha256, as indicators do)."""
    from meili.ingest.computed import file_digest
    from meili.store import Origin

    origin = Origin(files=tuple(p.name for p in files), sha256s=tuple(file_digest([p]) for p in files),
                    producer=producer, actor=app.actor)
    return RecordResult(domain, year, rows, app.workspace.write_results(rows, origin), notes)


# --- releases --------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ReleaseInfo:
    """A release's row: its number, when and by whom it was published, the note, the rows per table, the SHA-256
    over its content (``digest``) and over its content without ``revisions`` (``data_digest``: equal to the
    previous release's when nothing changed in between)."""

    number: int
    created_at: datetime
    actor: str
    note: str | None
    counts: dict[str, int]
    digest: str
    data_digest: str = ""

    @classmethod
    def from_row(cls, row: dict) -> ReleaseInfo:
        return cls(row["number"], row["created_at"], row["actor"], row["note"], json.loads(row["counts"]),
                   row["digest"], row.get("data_digest") or "")


class Release:
    """One published release, read from the store (read-only). ``info`` is its :class:`ReleaseInfo`;
    :meth:`table` returns a table of :data:`RELEASE_TABLES`, read once and kept on this object."""

    def __init__(self, workspace: Workspace, info: ReleaseInfo):
        self.workspace = workspace
        self.info = info
        self._tables: dict[str, pa.Table] = {}

    def __repr__(self) -> str:
        return f"Release({self.info.number}, {self.info.created_at:%Y-%m-%d %H:%M})"

    @property
    def number(self) -> int:
        return self.info.number

    def table(self, name: str) -> pa.Table:
        """Table ``name`` of the release, sorted deterministically (see docs/releases.md for its columns)."""
        if name not in RELEASE_TABLES:
            raise NotFoundError(Problem("not_found", value=name, detail=Text("发布中没有此表", "no such table in a release"),
                                        expected=", ".join(RELEASE_TABLES)))
        if name not in self._tables:
            self._tables[name] = self.workspace.store.release_table(self.info.number, name)
        return self._tables[name]

    def tables(self) -> dict[str, pa.Table]:
        return {name: self.table(name) for name in RELEASE_TABLES}

    def verify(self) -> bool:
        """Whether the stored content still gives the release's digest."""
        from meili.store.duckdb_store import release_digest

        return release_digest(self.tables()) == self.info.digest


def no_release(number: int | None, known: list[int]) -> NotFoundError:
    if number is None:
        return NotFoundError(Problem("not_found", detail=Text("工作区尚无发布；请先发布", "the workspace has no release yet; "
                                                                                      "publish one first")))
    have = ", ".join(map(str, known)) or "—"
    return NotFoundError(Problem("not_found", column="release", value=str(number), detail=Text(
        "没有此编号的发布", "no release of this number"), expected=Text(f"已有发布：{have}", f"releases: {have}")))


def build_release(app: Meili, observations: pa.Table, notes: list[str]) -> dict[str, pa.Table]:
    """The computed tables of a release from the observations frozen in it: evaluations (milestones 2025 and 2035)
    and summaries for every plan and year with observations, rankings by both methods where they succeed (a
    :class:`MeiliError` is noted in ``notes`` and the ranking skipped)."""
    import pyarrow.compute as pc

    from meili.app.choices import RANK_METHODS
    from meili.errors import MeiliError

    evaluations, rankings, summaries = [], [], []
    for plan in sorted(set(observations["plan"].to_pylist())):
        obs = observations.filter(pc.equal(observations["plan"], plan))
        p = app.plan(plan)
        for year in sorted(set(obs["year"].to_pylist())):
            if not p.base_year <= year <= max(p.milestones):
                notes.append(f"{plan} {year}: 不在规划年份内，不评估 / outside the plan's years, not evaluated")
                continue
            for milestone in RELEASE_MILESTONES:
                if milestone not in p.milestones:
                    continue
                evaluations.append(app.evaluate(plan, year, milestone=milestone, observations=obs))
                s = app.category_summary(plan, year, milestone=milestone, observations=obs)
                summaries.append(_with(s, plan=plan, year=year, milestone=milestone))
            for method in RANK_METHODS:
                try:
                    ranked = app.rank(plan, year, method=method, observations=obs)
                except MeiliError as e:
                    notes.append(f"{plan} {year} {method}: {e.problems[0].render() if e.problems else e}")
                    continue
                rankings.append(_ranking_rows(ranked, plan, year, method))
    return {
        "evaluations": _concat(evaluations, "evaluations"),
        "rankings": _concat(rankings, "rankings"),
        "summary": _concat(summaries, "summary"),
    }


def _with(table: pa.Table, **columns: Any) -> pa.Table:
    import pyarrow as pa

    for i, (name, value) in enumerate(columns.items()):
        table = table.add_column(i, name, pa.array([value] * table.num_rows, pa.string() if isinstance(value, str)
                                                   else pa.int64()))
    return table


RANKING_COLUMNS = ["plan", "year", "method", "region", "region_name", "score", "rank", "previous_rank", "rank_change",
                   "measures", "missing", "loo_changes", "loo_measures", "loo_max_shift", "stability",
                   "category_scores"]


def _ranking_rows(ranked: pa.Table, plan: str, year: int, method: str) -> pa.Table:
    import pyarrow as pa

    categories = [c for c in ranked.column_names if c.startswith("score_")]
    scores = [json.dumps({c.removeprefix("score_"): r[c] for c in categories}, ensure_ascii=False, sort_keys=True)
              for r in ranked.select(categories).to_pylist()]
    base = [c for c in RANKING_COLUMNS[3:-1] if c in ranked.column_names]
    table = _with(ranked.select(base), plan=plan, year=year, method=method)
    table = table.append_column("category_scores", pa.array(scores, pa.string()))
    return table.cast(pa.schema([pa.field(f.name, pa.string() if pa.types.is_large_string(f.type) else f.type)
                                 for f in table.schema]))


def _concat(tables: list, name: str) -> pa.Table:
    """The tables as one, or an empty table with the key columns of ``name`` (the store needs some columns)."""
    import pyarrow as pa

    if tables:
        return pa.concat_tables(tables, promote_options="default")
    keys = {"evaluations": [("plan", pa.string()), ("region", pa.string()), ("measure", pa.string()),
                            ("year", pa.int64()), ("milestone", pa.int64())],
            "rankings": [(c, pa.string() if c in ("plan", "method", "region") else pa.int64())
                         for c in ("plan", "year", "method", "region", "rank")],
            "summary": [("plan", pa.string()), ("year", pa.int64()), ("milestone", pa.int64()),
                        ("category", pa.string())]}
    return pa.schema(keys[name]).empty_table()
