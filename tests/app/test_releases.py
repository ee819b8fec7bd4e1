"""Recorded air and water results, and releases: values equal the commands', revisions, immutability, atomicity,
digests, read-only reading."""

from __future__ import annotations

import json
import shutil

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from meili.app import Meili
from meili.app.releases import RELEASE_TABLES
from meili.errors import MeiliError, NotFoundError
from meili.examples import load_example
from meili.store import Origin
from tests.helpers import EXAMPLES

AIR_FILE = EXAMPLES / "air" / "ganzhou-2019-hourly.parquet"
STATIONS = EXAMPLES / "air" / "ganzhou-stations.csv"
SAMPLES, SECTIONS = EXAMPLES / "water" / "samples.csv", EXAMPLES / "water" / "sections.csv"


@pytest.fixture(scope="module")
def recorded(tmp_path_factory):
    """A workspace with the example reports, Ganzhou 2019 air results and the example water results of 2024."""
    root = tmp_path_factory.mktemp("rec")
    load_example(root)
    app = Meili(root, actor="tester")
    air = app.read_air([AIR_FILE], stations=STATIONS)
    air_run = app.record_air(air, 2019)
    water = app.read_water(SAMPLES, sections=SECTIONS)
    water_run = app.record_water(water, 2024, files=[SAMPLES, SECTIONS])
    return app, air, air_run, water, water_run


def _value(table: pa.Table, **key) -> float | str | None:
    rows = [r for r in table.to_pylist() if all(r[k] == v for k, v in key.items())]
    assert len(rows) == 1, (key, rows)
    return rows[0]["value"] if rows[0]["value"] is not None else rows[0]["text"]


# --- recorded results ------------------------------------------------------------------------------------------
def test_recorded_air_results_are_the_values_air_annual_computes(recorded):
    app, air, run, *_ = recorded
    res = app.results("air", year=2019)
    assert run.result.new == res.num_rows and run.import_id is not None
    city = app.results("air", scope="city", code="360700")
    assert _value(city, metric="pm25", month=None) == 29.0  # as `meili air annual` prints them
    assert _value(city, metric="good_rate", month=None) == 92.1
    assert _value(city, metric="composite_index", month=None) == 3.73
    assert {r["standard"] for r in city.to_pylist()} == {"GB 3095-2012, HJ 633-2012, HJ 663-2013"}
    metrics = [c for c in ("so2", "no2", "pm10", "pm25", "co_p95", "o3_8h_p90", "good_rate", "good_days", "valid_days",
                           "composite_index", "rank", "days_level_1", "days_level_6", "complete")]
    for by, scope, period in (("city", "city", "year"), ("city", "city", "month"), ("station", "station", "year"),
                              ("region", "county", "year"), ("group", "group", "month")):
        annual = app.air_annual(air, year=2019, by=by, period=period).to_pyarrow().to_pylist()
        assert annual
        for row in annual:
            month = int(row["period"][5:7]) if period == "month" else None
            for m in metrics:
                expected = None if row[m] is None else float(row[m])
                assert _value(res, scope=scope, code=str(row["key"]), month=month, metric=m) == expected, (by, row, m)
    names = {r["code"]: r["name"] for r in res.to_pylist()}
    assert names["2362A"] == "通天岩(对照点)" and names["central_urban"] == "中心城区"


def test_recorded_water_results_are_the_classes_summary_and_cwqi_of_the_water_commands(recorded):
    app, *_, water, run = recorded
    res = app.results("water", year=2024)
    assert run.rows.num_rows == res.num_rows
    classes = app.water_classify(water, period="year", year=2024).to_pylist()
    values = {"Ⅰ": 1, "Ⅱ": 2, "Ⅲ": 3, "Ⅳ": 4, "Ⅴ": 5, "劣Ⅴ": 6}
    for row in classes:
        got = [r for r in res.to_pylist() if r["scope"] == "section" and r["code"] == row["section"]
               and r["month"] is None and r["metric"] == "class"]
        assert (got[0]["value"], got[0]["text"]) == (values[row["class"]], row["class"])
    months = {r["month"] for r in res.to_pylist() if r["scope"] == "section"}
    assert months == {None, *range(1, 13)}
    summary = app.water_summary(water, year=2024, by="all").to_pylist()[0]
    ranked = app.water_rank(water, year=2024, by="region").to_pylist()
    all_ = app.results("water", scope="all", year=2024)
    assert _value(all_, metric="share_class_1_3") == pytest.approx(summary["share_i_iii"], abs=1e-9)
    assert _value(all_, metric="share_worse_than_5") == summary["share_worse_than_v"]
    county = app.results("water", scope="county", year=2024)
    for row in ranked:
        assert _value(county, code=row["key"], metric="cwqi") == pytest.approx(row["cwqi"], abs=1e-9)
        assert _value(county, code=row["key"], metric="cwqi_rank") == row["rank"]


def test_recording_again_makes_no_revision_and_a_changed_value_makes_revision_2(recorded, tmp_path):
    app, air, _, water, _ = recorded
    root = tmp_path / "copy"
    shutil.copytree(app.workspace.root, root)
    copy = Meili(root, actor="tester")
    again = copy.record_air(air, 2019)
    assert (again.result.new, again.result.revised, again.result.unchanged) == (0, 0, again.rows.num_rows)
    water_again = copy.record_water(water, 2024, files=[SAMPLES, SECTIONS])  # float sums rounded: no noise revision
    assert (water_again.result.new, water_again.result.revised) == (0, 0)
    changed = copy.results("air", scope="city", code="360700").filter(
        pc.and_(pc.equal(copy.results("air", scope="city", code="360700")["metric"], "pm25"),
                pc.is_null(copy.results("air", scope="city", code="360700")["month"])))
    changed = changed.set_column(changed.column_names.index("value"), "value", pa.array([30.0]))
    copy.workspace.write_results(changed.drop_columns(["revision", "import_id", "imported_at"]),
                                 Origin(file="fix.csv", producer="correction"))
    now = copy.results("air", scope="city", code="360700")
    row = next(r for r in now.to_pylist() if r["metric"] == "pm25" and r["month"] is None)
    assert (row["value"], row["revision"]) == (30.0, 2)


def test_bad_requests_are_meili_errors(recorded):
    app, air, *_ = recorded
    with pytest.raises(MeiliError, match="no data for 2030"):
        app.record_air(air, 2030)
    with pytest.raises(MeiliError, match="domain"):
        app.results("soil")


# --- releases --------------------------------------------------------------------------------------------------
@pytest.fixture
def workspace(recorded, tmp_path):
    """A fresh copy of the recorded workspace (nothing published)."""
    root = tmp_path / "ws"
    shutil.copytree(recorded[0].workspace.root, root)
    return Meili(root, actor="publisher")


def _change_one_observation(app: Meili, value: float = 40.0) -> None:
    row = app.current(plan="ganzhou", region="360700", measure="2", year=2024)
    table = row.select(["plan", "region", "measure", "year", "value", "state", "unit", "source", "note"])
    table = table.set_column(4, "value", pa.array([value]))
    app.workspace.write_observations(table, Origin(file="fix.csv", producer="meili data import fix.csv"))


def test_publish_freezes_everything_and_later_imports_change_nothing(workspace):
    app = workspace
    with pytest.raises(NotFoundError, match="no release yet"):
        app.release()
    first = app.publish(note="first")
    assert first.number == 1 and first.actor == "publisher" and first.note == "first"
    rel = app.release(1)
    counts = {name: rel.table(name).num_rows for name in RELEASE_TABLES}
    assert counts == first.counts and counts["revisions"] == 0
    assert counts["observations"] == app.current().num_rows and counts["results"] == app.results().num_rows
    assert rel.table("observations").column_names == app.current().column_names
    ev = rel.table("evaluations")
    assert set(ev["milestone"].to_pylist()) == {2025, 2035} and set(ev["year"].to_pylist()) == set(range(2020, 2025))
    rk = rel.table("rankings")
    assert set(rk["method"].to_pylist()) == {"efficacy", "progress"}
    assert set(json.loads(rk["category_scores"][0].as_py())) >= {"environment", "ecology"}
    assert set(rel.table("summary").column_names) >= {"plan", "year", "milestone", "category", "achieved"}
    before = {name: rel.table(name) for name in RELEASE_TABLES}

    _change_one_observation(app)
    second = app.publish()
    assert [r.number for r in app.releases()] == [1, 2] and app.release().info == second
    again = app.release(1)
    for name in RELEASE_TABLES:
        assert again.table(name).equals(before[name]), name
    assert again.verify() and again.info.digest == first.digest
    revisions = app.release(2).table("revisions").to_pylist()
    assert len(revisions) == 1
    r = revisions[0]
    assert r["table"] == "observations" and json.loads(r["key"]) == {
        "plan": "ganzhou", "region": "360700", "measure": "2", "year": 2024}
    assert r["new"] == 40.0 and r["old"] == before["observations"].filter(pc.and_(
        pc.equal(before["observations"]["region"], "360700"),
        pc.and_(pc.equal(before["observations"]["measure"], "2"), pc.equal(before["observations"]["year"], 2024))
    ))["value"][0].as_py() and r["reason"] == "meili data import fix.csv" and r["date"] is not None
    with pytest.raises(NotFoundError, match="no release of this number") as e:
        app.release(7)
    assert "没有此编号的发布" in str(e.value)


def test_publishing_again_with_nothing_changed_is_a_new_release_with_the_same_data(workspace):
    first = workspace.publish()
    second = workspace.publish()
    assert second.number == 2 and second.data_digest == first.data_digest
    assert second.counts["revisions"] == 0


def test_a_failure_while_publishing_leaves_no_release(workspace, monkeypatch):
    import meili.store.duckdb_store as engine

    def boom(*_a, **_k):
        raise RuntimeError("power cut")

    monkeypatch.setattr(engine, "release_digest", boom)  # after every table is inserted, before COMMIT
    with pytest.raises(RuntimeError, match="power cut"):
        workspace.publish()
    assert workspace.releases() == []
    tables = workspace.workspace.query("SELECT table_name FROM duckdb_tables() WHERE table_name LIKE 'release_%'")
    for name in tables["table_name"].to_pylist():
        assert workspace.workspace.query(f"SELECT count(*) AS n FROM {name}").to_pylist() == [{"n": 0}]
    monkeypatch.undo()
    assert workspace.publish().number == 1


def test_two_identical_workspaces_publish_identical_digests(recorded, tmp_path):
    digests = []
    for name in ("a", "b"):
        shutil.copytree(recorded[0].workspace.root, tmp_path / name)
        app = Meili(tmp_path / name, actor=name)  # another actor, another time: the same content
        _change_one_observation(app, 41.0)
        digests.append(app.publish().digest)
    assert digests[0] == digests[1]


def test_a_release_is_read_on_a_read_only_connection_and_kept(workspace, monkeypatch):
    workspace.publish()
    reader = Meili(workspace.workspace.root)
    modes = []
    real = duckdb.connect

    def spy(*args, **kwargs):
        modes.append(kwargs.get("read_only", False))
        return real(*args, **kwargs)

    monkeypatch.setattr(duckdb, "connect", spy)
    rel = reader.release()
    table = rel.table("results")
    assert rel.table("results") is table  # read once
    assert modes and not any(m is False for m in modes)


def test_national_and_provincial_section_shares_count_their_sections(recorded):
    """国考/省考 groups (scope "group"): n_sections and the share of classes I–III counted by hand from the recorded
    section classes and the registry's level column."""
    import csv

    app, *_ = recorded
    levels = {r["section"]: r["level"] for r in csv.DictReader(SECTIONS.open(encoding="utf-8"))}
    res = app.results("water", year=2024).to_pylist()
    classes = {r["code"]: r["value"] for r in res if r["scope"] == "section" and r["month"] is None
               and r["metric"] == "class"}
    groups = app.results("water", scope="group", year=2024)
    for level, name in (("national", "国考断面"), ("provincial", "省考断面")):
        members = [c for s, c in classes.items() if levels[s] == level]
        assert _value(groups, code=level, metric="n_sections") == len(members) > 0
        good = sum(1 for c in members if c <= 3)
        assert _value(groups, code=level, metric="share_class_1_3") == pytest.approx(100 * good / len(members),
                                                                                     abs=1e-6)
        assert {r["name"] for r in groups.to_pylist() if r["code"] == level} == {name}
