"""The application core: one :class:`Meili` object per workspace, holding what every front door needs.

The CLI, the web server and the report writer all hold a ``Meili`` and call its operations; they parse their own
input and render the results, and decide nothing else. Plans, regions and method parameters are loaded once per
object; the store is opened when an operation needs it.

>>> app = Meili("gz-data")                                                   # doctest: +SKIP
>>> app.evaluate("ganzhou", 2024).num_rows                                   # doctest: +SKIP
1176

Operations return data (pyarrow tables, Ibis expressions for large air/water work, small dataclasses); errors a
user can act on are :class:`meili.errors.MeiliError`. Long work reports progress through :class:`Hooks`, which a
front door may replace (the CLI draws bars; the default does nothing).

Heavy libraries (Ibis, DuckDB, pyarrow, pydantic) are imported by the operations, not by this module, so a front
door that imports it still starts fast.
"""

from __future__ import annotations

import getpass
import itertools
import os
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from meili.app.outputs import check_output, write_table
from meili.errors import NotFoundError, Problem, RequestError, Text

if TYPE_CHECKING:
    import ibis.expr.types as ir
    import pyarrow as pa

    from meili.app.releases import RecordResult, Release, ReleaseInfo
    from meili.app.workflow import Workflow
    from meili.plan import Plan, Regions
    from meili.store import ImportResult, Workspace

__all__ = ["AirInput", "Hooks", "IndicatorRun", "Meili", "check_output", "write_table"]


class Hooks:
    """How long work shows progress. The default shows nothing; a front door subclasses it.

    - :meth:`run` runs ``work()`` (DuckDB queries on ``backend``) under a label;
    - :meth:`counter` yields a callback called once per item (e.g. file read) out of ``total``;
    - :meth:`note` tells the user something that does not stop the work (a reader's note, a wait for the store).
    """

    def run(self, label: str, work: Callable[[], Any], backend=None) -> Any:
        return work()

    @contextmanager
    def counter(self, label: str, total: int) -> Iterator[Callable[..., None]]:
        yield lambda *_: None

    def note(self, text: str) -> None:
        pass


@dataclass
class AirInput:
    """Hourly station data read and checked once, for the air operations: the DuckDB connection it lives on, the
    hourly table, the station registry (or None) and the files read."""

    con: Any
    hourly: ir.Table
    registry: Any
    files: list[Path]
    station_hours: int = 0
    years: tuple[int, int] | None = None  # the first and last year of the hourly data
    notes: list[str] = field(default_factory=list)  # the reader's notes (invalid cells per file, merged columns)
    #: the station daily values, once computed into a temp table of ``con`` (:meth:`Meili.air_station_days`)
    station_days: ir.Table | None = field(default=None, repr=False, compare=False)

    def require_year(self, year: int) -> None:
        """Refuse a year the data do not cover (else the answer would be an empty table that looks like a result)."""
        if self.years is None or not self.years[0] <= year <= self.years[1]:
            _no_data_for(year, self.years, [str(f) for f in self.files])

    @property
    def registry_table(self) -> pa.Table | None:
        return self.registry.table if self.registry is not None else None


@dataclass
class IndicatorRun:
    """Plan indicators computed from raw monitoring data and recorded (or checked, in a dry run).

    ``rows``: every computed row (value, quality flag, note); ``result``: the store's counts; ``missing``: rows that
    could not be computed, hence not written.
    """

    rows: pa.Table
    result: ImportResult
    missing: pa.Table


@dataclass
class Meili:
    """One workspace's operations. ``workspace``: a folder, or None for $MEILI_WORKSPACE, else the current folder;
    it is opened only by operations that need it (evaluating a file needs none). ``actor``: who writes (default:
    the operating-system user; the web app passes the signed-in user)."""

    workspace_path: str | Path | None = None
    actor: str = field(default_factory=lambda: _os_user())
    hooks: Hooks = field(default_factory=Hooks)
    _plans: dict[str, Plan] = field(default_factory=dict, init=False, repr=False)
    _areas: dict[str, set[str]] = field(default_factory=dict, init=False, repr=False)

    # --- what is loaded once ---------------------------------------------------------------------------------
    @cached_property
    def workspace(self) -> Workspace:
        from meili.store import open_workspace

        # a store held by another process is waited for (bounded); the front door says so while it waits
        return open_workspace(self.workspace_path, on_wait=self.hooks.note)

    @cached_property
    def workflow(self) -> Workflow:
        """Periods, submissions, entry, checks, queries and completeness (:mod:`meili.app.workflow`)."""
        from meili.app.workflow import Workflow

        return Workflow(self)

    @cached_property
    def regions(self) -> Regions:
        from meili.plan import load_regions

        return load_regions()


    def plan(self, plan: str | Path) -> Plan:
        """A built-in plan by id, or a plan file; loaded once per object."""
        key = str(plan)
        if key not in self._plans:
            from meili.plan import load_plan

            self._plans[key] = load_plan(plan)
        return self._plans[key]

    def builtin_plans(self) -> list[Plan]:
        from meili.plan import builtin_plans

        return [self.plan(pid) for pid in builtin_plans()]

    def validate_plan(self, path: str | Path) -> Plan:
        """Read and check a plan file (every problem named by file, measure and field: :class:`PlanError`)."""
        from meili.plan import read_plan_file

        return read_plan_file(path)

    def resolve_regions(self, keys: Sequence[str] | None) -> list[str] | None:
        """Region codes for codes, names or group ids (None stays None: every region)."""
        if not keys:
            return None
        return [self.regions.resolve(k) for k in keys]

    def evaluable_plan(self, plan: str | Path, year: int | None = None, *, reporting: bool = False) -> Plan:
        """The plan, refused when it has no measures, or when ``year`` lies outside its base year … last milestone
        (a status before the base year, or after the last target, means nothing). ``reporting``: the year of a
        value to record, which may go back as far as an import accepts (history for trends)."""
        p = self.plan(plan)
        if reporting and year is not None:
            from meili.ingest.observations import YEARS_BEFORE_BASE

            first = p.base_year - YEARS_BEFORE_BASE
            if not first <= year <= max(p.milestones):
                raise RequestError(Problem("year_outside_plan", column="year", value=str(year), expected=Text(
                    f"{first}–{max(p.milestones)}", f"{first}–{max(p.milestones)} (the years {p.id} accepts)")))
            year = None
        if not p.measures:
            raise RequestError(Problem("invalid_request", value=p.id, detail=Text(
                f"规划 {p.id} 没有测度（只有类别），无法评估、填报或计算",
                f"plan {p.id} has no measures (only categories): nothing to evaluate, report or compute")))
        if year is not None and not p.base_year <= year <= max(p.milestones):
            raise RequestError(Problem("year_outside_plan", column="year", value=str(year), expected=Text(
                f"{p.base_year}–{max(p.milestones)}（{p.id} 的基准年至最后目标年）",
                f"{p.base_year}–{max(p.milestones)} ({p.id}'s base year to its last milestone)")))
        return p

    def plan_area(self, p: Plan) -> set[str]:
        """Codes and group ids inside ``p``'s region: the region, every region below it, and their groups (worked
        out once per region)."""
        if p.region in self._areas:
            return self._areas[p.region]
        area, todo = {p.region}, [p.region]
        while todo:
            for child in self.regions.children(todo.pop()):
                if child.code not in area:
                    area.add(child.code)
                    todo.append(child.code)
        area |= {g.id for g in self.regions.groups if g.parent in area}
        self._areas[p.region] = area
        return area

    def _plan_regions(self, p: Plan, keys: Sequence[str] | None) -> list[str] | None:
        """Region codes for ``keys``, each required to lie inside the plan's region (else an empty answer would
        look like "no data")."""
        codes = self.resolve_regions(keys)
        if codes:
            area = self.plan_area(p)
            outside = [k for k, c in zip(keys or [], codes, strict=True) if c not in area]
            if outside:
                raise RequestError(*[Problem("region_outside_plan", column="region", value=k, expected=Text(
                    f"{self.region_name(p.region)}（{p.region}）及其下辖区域",
                    f"{p.region} or a region inside it")) for k in outside])
        return codes

    def region_name(self, code: str) -> str:
        return self.regions.name(code) if code in self.regions.index else code

    # --- evaluation ------------------------------------------------------------------------------------------
    def observations(self, plan: str | Path, file: str | Path | None = None) -> pa.Table:
        """The observations to evaluate: a file, checked exactly as an import checks it (nothing is written), or
        the workspace's current values."""
        p = self.plan(plan)
        if file is not None:
            from meili.ingest.observations import check_files

            clean, _files, _skipped = check_files([file], plans={p.id: p})
            return clean
        return self.workspace.current_observations(plan=p.id)

    def _assignments(self, p: Plan, assignments: str | Path | Sequence | None) -> list:
        if assignments is None:
            return []
        if isinstance(assignments, str | Path):
            from meili.evaluate import load_assignments

            return load_assignments(Path(assignments), p)
        return list(assignments)

    def evaluate(self, plan: str | Path, year: int, *, milestone: int | str | None = None,
                 regions: Sequence[str] | None = None, observations: str | Path | pa.Table | None = None,
                 assignments: str | Path | Sequence | None = None) -> pa.Table:
        """Status of every measure of ``plan`` at ``year`` (see :func:`meili.evaluate.evaluate`).

        ``milestone``: a milestone year, ``"all"`` or None (the next one); ``regions``: codes, names or groups;
        ``observations``: a file or table instead of the workspace; ``assignments``: a YAML file or a list.
        """
        from meili.evaluate import evaluate

        p = self.evaluable_plan(plan, year)
        return evaluate(p, self._observations_for(p, observations), year, milestone=_milestone(milestone),
                        regions=self._plan_regions(p, regions), assignments=self._assignments(p, assignments))

    def rank(self, plan: str | Path, year: int, *, method: str = "efficacy", regions: Sequence[str] | None = None,
             previous_year: int | None = None, observations: str | Path | pa.Table | None = None,
             assignments: str | Path | Sequence | None = None) -> pa.Table:
        """Composite score and rank of regions (default: the plan region's counties); see
        :func:`meili.evaluate.composite.rank`."""
        from meili.evaluate.composite import rank

        p = self.evaluable_plan(plan, year)
        return rank(p, self._observations_for(p, observations), year, method=method,  # type: ignore[arg-type]
                    regions=self._plan_regions(p, regions), assignments=self._assignments(p, assignments),
                    previous_year=previous_year)

    def category_summary(self, plan: str | Path, year: int, *, milestone: int | None = None,
                         observations: str | Path | pa.Table | None = None) -> pa.Table:
        """Measures per status and category for the plan's own region."""
        from meili.evaluate.summary import category_summary

        p = self.evaluable_plan(plan, year)
        return category_summary(p, self._observations_for(p, observations), year, milestone)

    def _observations_for(self, p: Plan, observations) -> pa.Table:
        if observations is None or isinstance(observations, str | Path):
            return self.observations(p.id, observations)
        return observations

    # --- observations in the store --------------------------------------------------------------------------
    def import_files(self, files: Sequence[str | Path], *, dry_run: bool = False,
                     producer: str = "meili data import") -> ImportResult:
        """Check reporting files and write them in one transaction (any issue: nothing written)."""
        from meili.ingest.observations import import_files

        return import_files(self.workspace, list(files), dry_run=dry_run, producer=producer,
                            progress=self.hooks.note, actor=self.actor)

    def current(self, *, plan: str | None = None, region: str | None = None, measure: str | None = None,
                year: int | None = None) -> pa.Table:
        """The latest revision of each observation, in plan and measure order; ``region`` a code, name or group.
        An unknown plan, region or measure is an error, not an empty answer."""
        self._check_filters(plan, region, measure)
        table = self.workspace.current_observations(plan=plan, region=region, measure=measure, year=year)
        return self._in_measure_order(table)

    def history(self, *, plan: str | None = None, region: str | None = None, measure: str | None = None,
                year: int | None = None) -> pa.Table:
        """Every revision, oldest first per key."""
        self._check_filters(plan, region, measure)
        return self._in_measure_order(self.workspace.history(plan=plan, region=region, measure=measure, year=year),
                                      extra=("revision",))

    def _check_filters(self, plan: str | None, region: str | None, measure: str | None) -> None:
        plans = [self.plan(plan)] if plan is not None else self.builtin_plans()
        if region is not None:
            self.regions.resolve(region)
        if measure is not None and not any(m.id == measure for p in plans for m in p.measures):
            where = plan if plan is not None else ", ".join(p.id for p in plans)
            raise NotFoundError(Problem("unknown_measure", column="measure", value=measure, detail=Text(
                f"规划 {where} 中无此测度", f"no such measure in plan {where}")))

    def _in_measure_order(self, table: pa.Table, extra: tuple[str, ...] = ()) -> pa.Table:
        """Rows by plan, region, the measure's position in its plan (2 before 15.2 before 19.2), year."""
        import pyarrow as pa
        import pyarrow.compute as pc

        plans = self.builtin_plans()
        positions = pa.table({
            "plan": pa.array([p.id for p in plans for _ in p.measures], pa.string()),
            "measure": pa.array([m.id for p in plans for m in p.measures], pa.string()),
            "_order": pa.array([i for p in plans for i, _ in enumerate(p.measures)], pa.int64()),
        })
        with_order = table.join(positions, ["plan", "measure"], join_type="left outer")
        sort = [("plan", "ascending"), ("region", "ascending"), ("_order", "ascending"), ("measure", "ascending"),
                ("year", "ascending"), *((c, "ascending") for c in extra)]
        return with_order.take(pc.sort_indices(with_order, sort_keys=sort)).drop_columns(["_order"])

    def imports(self) -> pa.Table:
        return self.workspace.imports()

    def export(self, *, all_revisions: bool = False, plan: str | None = None) -> pa.Table:
        """The table ``meili data export`` writes: the current observations or every revision."""
        return self.history(plan=plan) if all_revisions else self.current(plan=plan)

    def template(self, output: str | Path, plan: str | Path, year: int,
                 regions: Sequence[str] | None = None) -> int:
        """Write a reporting workbook; returns the rows to fill."""
        from meili.app.outputs import check_output, record_output
        from meili.ingest.templates import write_template

        check_output(output, {".xlsx": "xlsx"})
        p = self.evaluable_plan(plan)
        self._plan_regions(p, regions)
        rows = write_template(output, p, year, regions=list(regions) if regions else None)
        record_output(Path(output))
        return rows

    # --- air ---------------------------------------------------------------------------------------------
    def read_air(self, inputs: Sequence[str | Path], *, stations: str | Path | None = None,
                 format: str | None = None, time_label: str = "end", drop_unknown_stations: bool = False) -> AirInput:
        """Read and check hourly station data (files, folders or globs) onto a private DuckDB connection."""
        import ibis

        from meili.ingest.air import expand_inputs, read_hourly, read_stations

        con = ibis.duckdb.connect()
        registry = read_stations(stations) if stations else None
        files = expand_inputs(list(inputs))
        notes: list[str] = []
        with self.hooks.counter("读取并检查文件 / reading and checking files", len(files)) as on_file:
            hourly = read_hourly(files, con=con, format=format, time_label=time_label, stations=registry,
                                 unknown_stations="drop" if drop_unknown_stations else "error", on_file=on_file,
                                 on_note=notes.append)
        for note in notes:
            self.hooks.note(note)
        hourly = self.hooks.run("整理站点小时 / arranging station-hours",
                                lambda: con.create_table("_hourly", hourly, temp=True), con)
        hour_start = hourly.time - ibis.interval(hours=1)  # an hour belongs to the day (and year) it starts in
        span = hourly.aggregate(n=hourly.count(), first=hour_start.min(),
                                last=hour_start.max()).to_pyarrow().to_pylist()[0]
        years = (span["first"].year, span["last"].year) if span["n"] else None
        return AirInput(con, hourly, registry, files, span["n"], years, notes)

    def air_hourly(self, air: AirInput, *, method: str = "cnemc", standard: str = "auto") -> ir.Table:
        """Hourly AQI per station-hour, sorted so the same input always gives the same file."""
        from meili.standards.air.aqi import not_measured_by_design
        from meili.standards.air.hourly import hourly_aqi

        nm = not_measured_by_design(air.registry_table)
        return hourly_aqi(air.hourly, method=method, standard=standard, not_measured=nm).order_by(["station", "time"])

    def air_daily(self, air: AirInput, *, by: str = "station", standard: str = "auto",
                  o3_order: str = "station_mda8") -> ir.Table:
        """Daily values and AQI per station, city, region or group."""
        from meili.standards.air.daily import daily_values

        return daily_values(air.hourly, registry=air.registry_table, by=by, standard=standard,
                            o3_order=o3_order).order_by(["key", "date"])

    def air_annual(self, air: AirInput, *, year: int, by: str = "city", period: str = "year",
                   standard: str = "auto", o3_order: str = "station_mda8") -> ir.Table:
        """HJ 663 period evaluation, 综合指数 and ranking — computed once into a table on the input's connection
        (a few hundred rows), so writing it and showing its ranking do not compute it twice."""
        from meili.standards.air.annual import annual_values

        air.require_year(year)
        table = annual_values(air.hourly, registry=air.registry_table, by=by, period=period, year=year,
                              standard=standard, o3_order=o3_order).order_by(["period", "rank", "key"])
        name = f"_annual_{next(_counter)}"  # one table per call on the input's own connection
        return self.hooks.run("计算 / computing", lambda: air.con.create_table(name, table, temp=True), air.con)

    def air_ranking(self, annual: ir.Table, air: AirInput, *, by: str = "city") -> tuple[str, list[dict]] | None:
        """The latest period's 综合指数 ranking (rank order, with names): (period, rows), or None if nothing ranks."""
        ranked = annual.filter(annual.composite_index.notnull() & annual["rank"].notnull())
        rows = ranked.to_pyarrow().to_pylist()
        if not rows:
            return None
        period = max(r["period"] for r in rows)
        rows = sorted((r for r in rows if r["period"] == period), key=lambda r: (r["rank"], str(r["key"])))
        names: dict[str, str] = {}
        if by == "city" and air.registry is not None:
            reg = air.registry.table
            names = dict(zip(reg.column("city_code").to_pylist(), reg.column("city").to_pylist(), strict=True))
        for r in rows:
            key = str(r["key"])
            r["name"] = names.get(key) if names.get(key, key) != key else self._known_name(key)
        return period, rows

    def _known_name(self, key: str) -> str:
        try:  # a GB/T 2260 code or group id of Meili's regions: its Chinese name
            return self.regions.name(key)
        except (KeyError, ValueError):
            return key

    def air_station_days(self, air: AirInput) -> ir.Table:
        """Daily concentrations per station (:func:`meili.standards.air.daily.station_daily`: 24-h means, MDA8 …)
        of the input, computed once into a temp table on its own connection and kept on ``air``: the indicators and
        the recorded results start from it instead of compiling and running the hourly → daily chain again."""
        if air.station_days is None:
            from meili.standards.air.daily import station_daily

            name = f"_station_days_{next(_counter)}"
            air.station_days = self.hooks.run("站点日值 / station daily values", lambda: air.con.create_table(
                name, station_daily(air.hourly), temp=True), air.con)
        return air.station_days

    def air_indicators(self, air: AirInput, *, plan: str = "ganzhou", year: int, city_code: str = "360700",
                       standard: str = "auto", sources: Sequence[str] | None = None) -> pa.Table:
        """The plan's air measures (PM2.5, 优良天数比率 …) computed from the hourly data, as observation rows."""
        from meili.standards.air.indicators import plan_indicators

        self.evaluable_plan(plan, year, reporting=True)
        air.require_year(year)
        srcs = [str(s) for s in (sources if sources is not None else air.files)]
        return self.hooks.run("计算指标 / computing the indicators", lambda: plan_indicators(
            air.hourly, air.registry.table, year=year, plan=plan, city_code=city_code, sources=srcs,
            standard=standard, input_notes=air.notes, station_days=self.air_station_days(air)), air.con)

    # --- water -------------------------------------------------------------------------------------------
    def read_water(self, path: str | Path, *, sections: str | Path | None = None, year: int | None = None,
                   need_registry: bool = False):
        """Read a samples table or the national table, with an optional section registry (``WaterData``).

        ``need_registry``: the operation groups sections (summary, rank, trophic, indicators), which a samples
        table can do only with a registry."""
        from meili.ingest.water import read_water_input

        data = read_water_input(path, year=year, sections_path=sections)
        for note in data.notes:
            self.hooks.note(note)
        if need_registry and sections is None and not data.is_national_table:
            from meili.ingest.water import WaterInputError

            raise WaterInputError(path, [Text("需要断面名录", "a section registry is needed").render()])
        return data

    @staticmethod
    def _water_year(data, year: int | None) -> None:
        """Refuse a year the samples do not cover (the national table's times carry no year: any year is its)."""
        if year is None or data.is_national_table:
            return
        import pyarrow.compute as pc

        times = data.samples["time"]
        years = None if times.null_count == len(times) else (pc.min(times).as_py().year, pc.max(times).as_py().year)
        if years is None or not (pc.any(pc.equal(pc.year(times), year)).as_py() or False):
            _no_data_for(year, years, [data.source])

    def water_classify(self, data, *, period: str = "sample", year: int | None = None) -> pa.Table:
        from meili.standards.water.pipeline import classify_sections

        self._water_year(data, year)
        return classify_sections(data.samples, data.sections, period=period,
                                 year=None if data.is_national_table else year, published=data.published)

    @staticmethod
    def agreement(classes: pa.Table) -> tuple[int, int] | None:
        """(agreeing, published) section classes when the input carried published classes."""
        if "published_class" not in classes.column_names:
            return None
        import pyarrow.compute as pc

        agrees = pc.sum(pc.equal(classes["class"], classes["published_class"])).as_py() or 0
        published = classes["published_class"].length() - classes["published_class"].null_count
        return (agrees, published) if published else None

    def water_summary(self, data, *, year: int, by: str = "all") -> pa.Table:
        from meili.standards.water.pipeline import summarize_sections

        self._water_year(data, year)
        return summarize_sections(data.samples, data.sections, year=year, by=by)

    def water_rank(self, data, *, year: int, by: str = "region") -> pa.Table:
        from meili.standards.water.pipeline import rank_groups

        self._water_year(data, year)
        return rank_groups(data.samples, data.sections, year=year, by=by)

    def water_trophic(self, data, *, year: int, period: str = "year") -> pa.Table:
        from meili.standards.water.pipeline import trophic_states

        self._water_year(data, year)
        return trophic_states(data.samples, data.sections, year=year, period=period)  # type: ignore[arg-type]

    def water_indicators(self, data, *, plan: str = "ganzhou", year: int, source: str = "") -> pa.Table:
        from meili.standards.water.pipeline import water_indicators

        self.evaluable_plan(plan, year, reporting=True)
        self._water_year(data, year)
        return water_indicators(data.samples, data.sections, year=year, plan=plan, source=source)

    # --- computed indicators into the store -----------------------------------------------------------------
    def record_indicators(self, rows: pa.Table, inputs: Sequence[str | Path], producer: str, *,
                          dry_run: bool = False, output: str | Path | None = None) -> IndicatorRun:
        """Validate computed indicator rows and write them in one transaction, with the input files' provenance.

        Rows that could not be computed are not written (returned as ``missing``); ``output`` also saves the rows
        that are written, with a report's columns, so that the file can be imported as it is.
        """
        from meili.ingest.computed import importable_rows, record_computed

        if output is not None:
            write_table(importable_rows(rows), Path(output))
        result, missing = record_computed(self.workspace, rows, [Path(p) for p in inputs], producer,
                                          dry_run=dry_run, actor=self.actor)
        return IndicatorRun(rows, result, missing)


    # --- recorded results and releases (meili.app.releases) -------------------------------------------------
    def record_air(self, air: AirInput, year: int, *, standard: str = "auto", o3_order: str = "station_mda8",
                   producer: str = "meili air record") -> RecordResult:
        """Record ``year``'s HJ 663 values (per station, city, county and group the registry allows; the year and
        each month) in the workspace, in one transaction with the input files' provenance. Unchanged values add
        nothing; changed ones a revision."""
        from meili.app import releases

        air.require_year(year)
        rows, notes = releases.air_results(self, air, year, standard=standard, o3_order=o3_order)
        for note in notes:
            self.hooks.note(note)
        return releases.record(self, "air", year, rows, list(air.files), producer, notes)

    def record_water(self, data, year: int, *, files: Sequence[str | Path] | None = None,
                     producer: str = "meili water record") -> RecordResult:
        """Record ``year``'s GB 3838 classes per section (year and months), and per county and for all sections the
        shares, 水质状况 and CWQI rank, in one transaction. ``files``: the inputs for provenance (default: the
        input named by ``data``)."""
        return self.record_water_years(data, [year], files=files, producer=producer)[0]

    def record_water_years(self, data, years: Sequence[int], *, files: Sequence[str | Path] | None = None,
                           producer: str = "meili water record") -> list[RecordResult]:
        """:meth:`record_water` for several years, computed together (one query per table for all the years, the
        same values as one call per year) and recorded one transaction per year, in ``years``' order."""
        from meili.app import releases

        for year in years:
            self._water_year(data, year)
        computed = self.hooks.run("计算 / computing", lambda: releases.water_results_of_years(self, data, years))
        inputs = [Path(f) for f in (files if files is not None else [data.source])]
        runs = []
        for year in dict.fromkeys(int(y) for y in years):
            rows, notes = computed[year]
            for note in notes:
                self.hooks.note(note)
            runs.append(releases.record(self, "water", year, rows, inputs, producer, notes))
        return runs

    def results(self, domain: str | None = None, *, year: int | None = None, scope: str | None = None,
                code: str | None = None) -> pa.Table:
        """The current revision of each recorded result (columns :data:`meili.store.RESULT_COLUMNS`)."""
        from meili.store import RESULT_DOMAINS, RESULT_SCOPES

        for column, value, allowed in (("domain", domain, RESULT_DOMAINS), ("scope", scope, RESULT_SCOPES)):
            if value is not None and value not in allowed:
                raise RequestError(Problem("invalid_choice", column=column, value=str(value),
                                           expected=" | ".join(allowed)))
        return self.workspace.current_results(domain=domain, scope=scope, code=code, year=year)

    def result_history(self, domain: str | None = None, *, year: int | None = None, scope: str | None = None,
                       code: str | None = None) -> pa.Table:
        """Every revision of each recorded result, oldest first per key."""
        return self.workspace.history_results(domain=domain, scope=scope, code=code, year=year)

    def publish(self, note: str | None = None) -> ReleaseInfo:
        """Publish the next release: freeze the current observations and results, the evaluations (milestones
        2025 and 2035), rankings (both methods) and summaries of every plan and year with observations, and the
        revisions against the previous release — in one transaction, under the store's writer lock."""
        from datetime import UTC, datetime

        from meili.app import releases

        notes: list[str] = []
        row = self.workspace.store.publish(lambda observations, _results: releases.build_release(
            self, observations, notes), actor=self.actor, note=note, time=datetime.now(UTC))
        for text in notes:
            self.hooks.note(text)
        return releases.ReleaseInfo.from_row(row)

    def releases(self) -> list[ReleaseInfo]:
        """Every release, oldest first."""
        from meili.app.releases import ReleaseInfo

        return [ReleaseInfo.from_row(r) for r in self.workspace.store.releases()]

    def release(self, number: int | None = None) -> Release:
        """Release ``number`` (None: the latest); :class:`NotFoundError` when there is none. Reads only."""
        from meili.app.releases import Release, ReleaseInfo, no_release

        if number is None:
            rows = self.workspace.store.releases()[-1:]
        else:
            rows = self.workspace.store.releases(number)
        if not rows:
            raise no_release(number, [] if number is None else [r.number for r in self.releases()])
        return Release(self.workspace, ReleaseInfo.from_row(rows[0]))


_counter = itertools.count()


def _no_data_for(year: int, years: tuple[int, int] | None, files: Sequence[str]) -> None:
    covered = "无数据 / no data" if years is None else (
        f"{years[0]}" if years[0] == years[1] else f"{years[0]}–{years[1]}")
    raise RequestError(Problem("invalid_request", file=", ".join(files[:3]) + (" …" if len(files) > 3 else ""),
                               column="year", value=str(year), detail=Text(
                                   f"输入中没有 {year} 年的数据（数据年份：{covered}）",
                                   f"the input has no data for {year} (it covers {covered})")))


def _os_user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no user name in this environment (some containers): the uid says who
        return f"uid:{os.getuid()}" if hasattr(os, "getuid") else "unknown"


def _milestone(milestone: int | str | None) -> int | str | None:
    """A milestone year, ``"all"`` or None, from an int or its text."""
    if milestone is None or isinstance(milestone, int) or milestone == "all":
        return milestone
    try:
        return int(milestone)
    except ValueError:
        raise RequestError(Problem("invalid_request", column="milestone", value=str(milestone),
                                   expected=Text("年份或 all", "a year or 'all'"))) from None
