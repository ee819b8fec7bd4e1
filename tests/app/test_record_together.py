"""Results computed together (several years, periods or groupings in one query) equal those computed one by one:
the demo's recorded water years, the air groupings and periods, and the station daily values shared by the
indicators and the recorded results."""

from __future__ import annotations

import pyarrow as pa
import pytest

from meili.app import Meili, releases
from meili.examples import load_example
from tests.helpers import EXAMPLES

AIR_FILE = EXAMPLES / "air" / "ganzhou-2019-hourly.parquet"
STATIONS = EXAMPLES / "air" / "ganzhou-stations.csv"
SAMPLES, SECTIONS = EXAMPLES / "water" / "samples.csv", EXAMPLES / "water" / "sections.csv"
KEY = ["domain", "scope", "code", "year", "month", "metric"]


def _assert_same(a: pa.Table, b: pa.Table, order: list[str]) -> None:
    """Equal tables up to row order, floats to 1e-9 (DuckDB's parallel sums differ in the last bits)."""
    a = a.sort_by([(c, "ascending") for c in order])
    b = b.select(a.column_names).sort_by([(c, "ascending") for c in order])
    assert a.num_rows == b.num_rows > 0
    for c in a.column_names:
        x, y = a[c].to_pylist(), b[c].to_pylist()
        if pa.types.is_floating(a.schema.field(c).type):
            assert y == pytest.approx(x, abs=1e-9, nan_ok=True), c
        else:
            assert y == x, c


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    root = tmp_path_factory.mktemp("together")
    load_example(root)
    return Meili(root, actor="tester")


@pytest.fixture(scope="module")
def water(app):
    return app.read_water(SAMPLES, sections=SECTIONS)


def test_water_years_together_equal_one_year_at_a_time(app, water):
    together = releases.water_results_of_years(app, water, [2023, 2024])
    assert list(together) == [2023, 2024]
    for year in (2023, 2024):
        alone = releases.water_results_of_years(app, water, [year])[year]
        rows, notes = together[year]
        assert notes == alone[1]
        assert set(rows["year"].to_pylist()) == {year}  # no row of the other year leaks in
        _assert_same(alone[0], rows, KEY)


def test_water_years_equal_the_water_commands_of_each_year(app, water):
    """The per-year values are those of ``water summary`` / ``water rank`` / ``water classify`` for that year."""
    import pyarrow.compute as pc

    rows = releases.water_results_of_years(app, water, [2023, 2024])[2023][0]
    summary = app.water_summary(water, year=2023, by="region")
    ranks = app.water_rank(water, year=2023, by="region")
    classes = app.water_classify(water, period="month", year=2023)
    for r in summary.to_pylist():
        got = rows.filter(pc.and_(pc.equal(rows["scope"], "county"), pc.equal(rows["code"], r["key"])))
        got = {m: v for m, v in zip(got["metric"].to_pylist(), got["value"].to_pylist(), strict=True)}
        assert got["share_class_1_3"] == pytest.approx(r["share_i_iii"], abs=1e-9)
        assert got["n_sections"] == r["n_sections"]
    for r in ranks.to_pylist():
        got = rows.filter(pc.and_(pc.equal(rows["scope"], "county"), pc.equal(rows["code"], r["key"])))
        got = {m: v for m, v in zip(got["metric"].to_pylist(), got["value"].to_pylist(), strict=True)}
        assert got["cwqi"] == pytest.approx(r["cwqi"], abs=1e-9)
        assert got["cwqi_rank"] == r["rank"]
    monthly = rows.filter(pc.and_(pc.equal(rows["metric"], "class"), pc.is_valid(rows["month"])))
    assert monthly.num_rows == classes.num_rows


def test_record_water_years_writes_one_import_per_year(app, water):
    runs = app.record_water_years(water, [2023, 2024], files=[SAMPLES, SECTIONS])
    assert [r.year for r in runs] == [2023, 2024]
    assert len({r.import_id for r in runs}) == 2
    stored = app.results("water", year=2023)
    assert stored.num_rows == runs[0].rows.num_rows


def test_stacked_water_groupings_rank_within_their_grouping(water):
    from meili.standards.water.pipeline import rank_groups, summarize_sections

    for fn in (summarize_sections, rank_groups):
        stacked = fn(water.samples, water.sections, year=[2024], by=("region", "all"))
        split = releases._split_stacked(stacked)
        for by in ("region", "all"):
            _assert_same(fn(water.samples, water.sections, year=2024, by=by), split[by], ["key"])


def test_stacked_water_periods_equal_each_period(water):
    from meili.standards.water.pipeline import classify_sections

    both = classify_sections(water.samples, water.sections, period=("year", "month"), year=[2024])
    for period, length in (("year", 4), ("month", 7)):
        alone = classify_sections(water.samples, water.sections, period=period, year=2024)
        got = both.filter(pa.compute.equal(pa.compute.utf8_length(both["period"]), length))
        _assert_same(alone, got, ["section", "period"])


@pytest.fixture(scope="module")
def air(app):
    return app.read_air([AIR_FILE], stations=STATIONS)


def test_station_days_are_computed_once_and_equal_station_daily(app, air):
    from meili.standards.air.daily import station_daily

    first = app.air_station_days(air)
    assert app.air_station_days(air) is first  # kept on the input: one table, not recomputed
    _assert_same(station_daily(air.hourly).to_pyarrow(), first.to_pyarrow(), ["station", "date"])


def test_stacked_air_daily_and_periods_equal_one_grouping_and_period_at_a_time(app, air):
    import pyarrow.compute as pc

    from meili.standards.air.annual import annual_table, daily_for_evaluation, stacked_daily_for_evaluation

    groupings = ["station", "city", "region", "group"]
    stacked = stacked_daily_for_evaluation(air.hourly, registry=air.registry_table, groupings=groupings,
                                           station_days=app.air_station_days(air))
    both = annual_table(stacked, period=("year", "month"), year=2019).to_pyarrow()
    by_col = pc.list_element(pc.split_pattern(both["key"], "|", max_splits=1), 0)
    for by in ("station", "group"):
        alone_daily = daily_for_evaluation(air.hourly, registry=air.registry_table, by=by)
        for period, length in (("year", 4), ("month", 7)):
            alone = annual_table(alone_daily, period=period, year=2019).to_pyarrow()
            got = both.filter(pc.and_(pc.equal(by_col, by), pc.equal(pc.utf8_length(both["period"]), length)))
            got = got.set_column(0, "key", pc.list_element(pc.split_pattern(got["key"], "|", max_splits=1), 1))
            # the rank compares keys: air_results takes it again within each grouping
            cols = [c for c in alone.column_names if c != "rank"]
            _assert_same(alone.select(cols), got, ["key", "period"])


def test_air_indicators_from_the_shared_station_days_equal_a_fresh_computation(app, air):
    from meili.standards.air.indicators import plan_indicators

    shared = app.air_indicators(air, year=2019, sources=[AIR_FILE.name])
    fresh = plan_indicators(air.hourly, air.registry.table, year=2019, plan="ganzhou", city_code="360700",
                            sources=[AIR_FILE.name])
    assert shared.equals(fresh)
