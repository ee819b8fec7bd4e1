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
    from collections.abc import Sequence

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
    groupings: their daily values, from the input's station daily values (:meth:`Meili.air_station_days`), are one
    table of stacked keys (``station|…``, ``city|…`` …), the year and its months are one query (compiling, not
    DuckDB, is most of the time), and the 综合指数 rank — the only value that compares keys — is taken again within
    each grouping.
    Recording four groupings so costs about what one ``air annual`` run does (a test checks the values are
    :meth:`Meili.air_annual`'s)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    from meili.standards.air.annual import annual_table, stacked_daily_for_evaluation

    groupings = ["station"] + (["city", "region", "group"] if air.registry is not None else [])
    notes = [] if air.registry is not None else [Text(
        "没有站点名录：只记录各站点结果", "no station registry: results are recorded per station only").render()]
    daily = stacked_daily_for_evaluation(air.hourly, registry=air.registry_table, groupings=groupings,
                                         standard=standard, o3_order=o3_order,
                                         station_days=app.air_station_days(air))
    daily_name = f"_record_daily_{next(_names)}"
    raw = air.con.con
    table = app.hooks.run("日值 / daily values", lambda: air.con.create_table(daily_name, daily, temp=True), air.con)
    names = _air_names(app, air)
    std = air_standard(year, standard)
    metrics = {m: Metric(m, unit, std) for m, unit in AIR_METRICS.items()}
    parts = []
    try:
        # the year and its months in one query (labels 2019, 2019-03 tell them apart)
        sql = air.con.compile(annual_table(table, period=("year", "month"), year=year))
        sql = (f"SELECT * REPLACE (CASE WHEN composite_index IS NULL THEN NULL ELSE rank() OVER (PARTITION BY "
               f"split_part(key, '|', 1), period, composite_index IS NULL ORDER BY composite_index) END AS rank) "
               f"FROM ({sql})")
        both = app.hooks.run("计算 / computing", lambda: raw.sql(sql).to_arrow_table(), air.con)
        is_year = pc.equal(pc.utf8_length(both["period"]), 4)
        for period, wide in (("year", both.filter(is_year)), ("month", both.filter(pc.invert(is_year)))):
            grouping = pc.split_pattern(wide["key"], "|", max_splits=1)
            by_col, key_col = pc.list_element(grouping, 0), pc.list_element(grouping, 1)
            wide = wide.set_column(wide.column_names.index("key"), "key", key_col)
            for by in groupings:
                rows = wide.filter(pc.equal(by_col, by))
                parts.append(_long(rows, domain="air", scope=AIR_SCOPES[by], year=year, metrics=metrics,
                                   names=names.get(by), month_from="period" if period == "month" else None))
    finally:
        raw.execute(f"DROP TABLE IF EXISTS {daily_name}")
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
    return water_results_of_years(app, data, [year])[year]


def water_results_of_years(app: Meili, data, years: Sequence[int]) -> dict[int, tuple[pa.Table, list[str]]]:
    """:func:`water_results` of several years, computed together: each query covers every year (compiling the
    Ibis expressions, not DuckDB, is most of the time) and its rows are split by period. Every value is computed
    per section or group and period (the CWQI change against the year before it), so each year's rows are those
    of a call for that year alone (a test checks it). The national table, whose times carry no year, is computed
    one year at a time as before."""
    import pyarrow as pa
    import pyarrow.compute as pc

    from meili.standards.water.pipeline import classify_sections, rank_groups, summarize_sections

    years = list(dict.fromkeys(int(y) for y in years))
    for y in years:
        app._water_year(data, y)
    if data.is_national_table or len(years) == 0:
        batches: list[int | list[int]] = list(years)
    else:
        batches = [years]
    out: dict[int, tuple[pa.Table, list[str]]] = {}
    sections = data.sections
    section_names = (dict(zip(sections["section"].to_pylist(), sections["name"].to_pylist(), strict=True))
                     if "name" in sections.column_names else {})
    std, cwqi = WATER_CLASS_STANDARD, WATER_CWQI_STANDARD
    section_metrics = {"class": Metric("_class", None, std, text="class"), "status": Metric(None, None, std, "status"),
                       "main_pollutants": Metric(None, None, std, "main_pollutants"),
                       "meets_target": Metric("meets_target", None, std), "n_items": Metric("n_items", None, std)}
    grouped = data.is_national_table or "region_code" in sections.column_names
    for batch in batches:
        batch_years = [batch] if isinstance(batch, int) else batch

        def of_year(table: pa.Table, y: int, *, month: bool = False, batch=batch) -> pa.Table:
            """The rows of year ``y`` (a single-year batch keeps the rows as the one-year call did)."""
            if month:
                return table.filter(pc.starts_with(table["period"], f"{y}-"))
            return table if isinstance(batch, int) else table.filter(pc.equal(table["period"], str(y)))

        parts: dict[int, list[pa.Table]] = {y: [] for y in batch_years}
        if isinstance(batch, int):  # the national table: as the one-year commands compute it
            by_period = {period: classify_sections(data.samples, data.sections, period=period, published=data.published,
                                                   year=None if data.is_national_table else batch)
                         for period in ("year", "month")}
        else:  # the years and months of every year in one query, told apart by their labels (2024, 2024-03)
            both = classify_sections(data.samples, data.sections, period=("year", "month"), year=batch)
            is_year = pc.equal(pc.utf8_length(both["period"]), 4)
            by_period = {"year": both.filter(is_year), "month": both.filter(pc.invert(is_year))}
        for period, classes in by_period.items():
            classes = classes.append_column("_class", pa.array(
                [WATER_CLASS_VALUES.get(c) for c in classes["class"].to_pylist()], pa.float64()))
            for y in batch_years:
                parts[y].append(_long(of_year(classes, y, month=period == "month"), domain="water", scope="section",
                                      year=y, code="section", names=section_names, metrics=section_metrics,
                                      month_from="period" if period == "month" else None))
        if grouped:
            group_metrics = {
                "n_sections": Metric("n_sections", None, std),
                **{metric: Metric(col, "%", std) for col, metric in WATER_SHARES.items()},
                "status": Metric(None, None, std, "status"),
                "main_pollutants": Metric(None, None, std, "main_pollutants"),
            }
            rank_metrics = {"cwqi": Metric("cwqi", None, cwqi), "cwqi_rank": Metric("rank", None, cwqi),
                            "cwqi_change_rate": Metric("change_rate", "%", cwqi)}
            # the counties, 国考/省考 sections (the registry's level: scope "group", keys national/provincial) and all
            # sections, in one query each (keys ``region|…``, ``level|…``, ``all|all``), split here
            scopes = {"region": "county", "level": "group", "all": "all"}
            summaries = _split_stacked(summarize_sections(data.samples, data.sections, year=batch, by=tuple(scopes)))
            ranks = _split_stacked(rank_groups(data.samples, data.sections, year=batch, by=tuple(scopes)))
            for by, scope in scopes.items():
                for y in batch_years:
                    summary = of_year(summaries[by], y)
                    names = {k: ("全部断面" if k == "all" else LEVEL_NAMES.get(k) if by == "level" else app._known_name(k))
                             for k in summary["key"].to_pylist()}
                    parts[y].append(_long(summary, domain="water", scope=scope, year=y, names=names,
                                          metrics=group_metrics))
                    parts[y].append(_long(of_year(ranks[by], y), domain="water", scope=scope, year=y, names=names,
                                          metrics=rank_metrics))
        notes = [] if grouped else [Text("没有断面名录：只记录各断面类别",
                                         "no section registry: classes are recorded per section only").render()]
        for y in batch_years:
            out[y] = (pa.concat_tables(parts[y]), list(notes))
    return out


#: Names of the section groups by assessment level (the registry's ``level``), as the bulletins write them.
LEVEL_NAMES = {"national": "国考断面", "provincial": "省考断面"}


def _split_stacked(table: pa.Table) -> dict[str, pa.Table]:
    """The rows of a table of stacked keys (``<grouping>|<key>``) per grouping, with the plain key."""
    import pyarrow.compute as pc

    parts = pc.split_pattern(table["key"], "|", max_splits=1)
    by_col, key_col = pc.list_element(parts, 0), pc.list_element(parts, 1)
    table = table.set_column(table.column_names.index("key"), "key", key_col)
    return {by: table.filter(pc.equal(by_col, by)) for by in pc.unique(by_col).to_pylist() if by is not None}


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
    from concurrent.futures import ThreadPoolExecutor

    import pyarrow.compute as pc

    from meili.app.choices import RANK_METHODS
    from meili.errors import MeiliError

    # The evaluations, summaries and rankings are independent queries on the evaluation's private DuckDB connection
    # (a cursor per call, the GIL released while DuckDB runs): two threads run them side by side; the results are
    # taken in the order of the loop, so the release's content and notes are the same as one by one.
    jobs: list[tuple[str, Any]] = []  # (kind, future or note)
    with ThreadPoolExecutor(max_workers=2) as pool:
        for plan in sorted(set(observations["plan"].to_pylist())):
            obs = observations.filter(pc.equal(observations["plan"], plan))
            p = app.plan(plan)
            for year in sorted(set(obs["year"].to_pylist())):
                if not p.base_year <= year <= max(p.milestones):
                    jobs.append(("note", f"{plan} {year}: 不在规划年份内，不评估 / outside the plan's years, not evaluated"))
                    continue
                for milestone in RELEASE_MILESTONES:
                    if milestone not in p.milestones:
                        continue
                    jobs.append(("evaluation", pool.submit(app.evaluate, plan, year, milestone=milestone,
                                                           observations=obs)))
                    jobs.append(("summary", pool.submit(lambda plan=plan, year=year, milestone=milestone, obs=obs: _with(
                        app.category_summary(plan, year, milestone=milestone, observations=obs), plan=plan, year=year,
                        milestone=milestone))))
                for method in RANK_METHODS:
                    jobs.append(("ranking", (plan, year, method, pool.submit(
                        app.rank, plan, year, method=method, observations=obs))))
        evaluations, rankings, summaries = [], [], []
        for kind, job in jobs:
            if kind == "note":
                notes.append(job)
            elif kind == "evaluation":
                evaluations.append(job.result())
            elif kind == "summary":
                summaries.append(job.result())
            else:
                plan, year, method, future = job
                try:
                    ranked = future.result()
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
