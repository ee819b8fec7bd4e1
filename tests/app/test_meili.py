"""The application object: the operations every front door calls, their errors, and use from many threads."""

from __future__ import annotations

import csv
from concurrent.futures import ThreadPoolExecutor

import pytest

from meili.app import Meili
from meili.errors import MeiliError
from meili.examples import EXAMPLE_CSV, load_example


@pytest.fixture(scope="module")
def app(tmp_path_factory) -> Meili:
    root = tmp_path_factory.mktemp("ws")
    load_example(root)
    return Meili(root, actor="tester")


def test_evaluating_the_workspace_equals_evaluating_the_file_it_was_imported_from(app):
    from_store = app.evaluate("ganzhou", 2024, regions=["360700"])
    from_file = app.evaluate("ganzhou", 2024, regions=["赣州市"], observations=EXAMPLE_CSV)
    assert from_store.num_rows == 56 and from_store.equals(from_file)
    statuses = dict(zip(from_store["measure"].to_pylist(), from_store["status"].to_pylist(), strict=True))
    # 5 (按省下达目标) waits for the province's number; 11.1 (森林覆盖率 ≥ 76) reached 76.03 in the example
    assert statuses["5"] == "target_pending" and statuses["11.1"] == "achieved"


def test_a_milestone_that_is_not_a_year_is_a_meili_error_naming_the_value(app):
    with pytest.raises(MeiliError) as e:
        app.evaluate("ganzhou", 2024, milestone="soon")
    assert e.value.problems[0].value == "soon" and "a year or 'all'" in e.value.render("en")


def test_an_unknown_plan_and_an_unknown_measure_are_meili_errors(app):
    with pytest.raises(MeiliError):
        app.plan("nowhere")
    with pytest.raises(MeiliError) as e:
        app.plan("ganzhou").measure("99.9")
    assert e.value.problems[0].kind == "unknown_measure" and "99.9" in str(e.value)


def test_plans_are_loaded_once_per_object(app):
    assert app.plan("ganzhou") is app.plan("ganzhou")


def _revised_2024(path, rows: list[dict]) -> int:
    """A file revising every 2024 county value of measure 11.1 (+1): the evaluations of earlier years below must
    not see it, whenever it lands."""
    changed = [dict(r, value=str(float(r["value"]) + 1)) for r in rows
               if r["year"] == "2024" and r["measure"] == "11.1" and r["value"]]
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(changed)
    return len(changed)


def test_eight_threads_evaluate_and_rank_while_an_import_runs(app, tmp_path):
    """Every result computed in parallel (while another thread imports) equals the single-threaded one."""
    jobs = [("evaluate", "360700", 2021), ("evaluate", "360702", 2022), ("evaluate", "360703", 2023),
            ("evaluate", "中心城区", 2023), ("rank", "efficacy", 2021), ("rank", "efficacy", 2022),
            ("rank", "progress", 2023), ("rank", "efficacy", 2023)]

    def run(job):
        kind, arg, year = job
        if kind == "evaluate":
            return app.evaluate("ganzhou", year, regions=[arg])
        return app.rank("ganzhou", year, method=arg)

    expected = [run(job) for job in jobs]
    with EXAMPLE_CSV.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    revision = tmp_path / "revised-2024.csv"
    n = _revised_2024(revision, rows)
    with ThreadPoolExecutor(max_workers=9) as pool:
        importing = pool.submit(app.import_files, [revision])
        futures = [pool.submit(run, job) for _ in range(3) for job in jobs]
        results = [f.result() for f in futures]
        imported = importing.result()
    assert imported.revised == n > 0
    for i, result in enumerate(results):
        assert result.equals(expected[i % len(jobs)]), jobs[i % len(jobs)]


def test_imports_record_the_actor_of_the_object_that_made_them(tmp_path):
    from meili.store import init_workspace

    init_workspace(tmp_path / "ws")
    app = Meili(tmp_path / "ws", actor="county-staff-360702")
    app.import_files([EXAMPLE_CSV])
    imports = app.imports().to_pylist()
    assert [(i["actor"], i["state"]) for i in imports] == [("county-staff-360702", "approved")]
    assert imports[0]["file"] == [str(EXAMPLE_CSV)]
