"""The engine: queries compiled once and run with each call's tables; safe from several threads; errors are
MeiliErrors; the shipped SQL is the rules' current compilation."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pyarrow.csv as pcsv
import pytest

from meili.errors import MeiliError
from meili.evaluate import (
    AssignmentError,
    EvaluationError,
    MethodParamsError,
    RankingError,
    engine,
    evaluate,
    rank,
)
from meili.evaluate.params import cagr_params, status_params
from meili.evaluate.status import evaluation_tables
from tests.helpers import EXAMPLES

EXAMPLE = EXAMPLES / "ganzhou" / "observations_2020_2024.csv"


@pytest.fixture(scope="module")
def example():
    return pcsv.read_csv(EXAMPLE)


def test_eight_threads_evaluating_and_ranking_at_once_get_the_single_threaded_results(ganzhou, example):
    """Different regions, years and methods at once: every result equal to the one computed alone."""
    jobs = [
        ("evaluate", {"year": 2024}),
        ("evaluate", {"year": 2023, "regions": ["360702", "360703"]}),
        ("evaluate", {"year": 2022, "milestone": "all"}),
        ("evaluate", {"year": 2024, "regions": ["360700", "central_urban"]}),
        ("rank", {"year": 2024}),
        ("rank", {"year": 2023, "method": "progress"}),
        ("rank", {"year": 2022, "regions": ["360702", "360703", "360704", "360781"]}),
        ("rank", {"year": 2024, "method": "progress", "previous_year": 2021}),
    ]

    def run(job):
        kind, kw = job
        f = evaluate if kind == "evaluate" else rank
        return f(ganzhou, example, **kw)

    alone = [run(j) for j in jobs]
    with ThreadPoolExecutor(max_workers=8) as pool:
        for _ in range(2):
            together = list(pool.map(run, jobs * 2))
            for i, t in enumerate(together):
                assert t.equals(alone[i % len(jobs)]), jobs[i % len(jobs)]


def test_the_shipped_sql_is_the_rules_compiled_now(ganzhou, example):
    """_compiled.py matches the rule modules (else: `python -m meili.evaluate`), and the SQL compiled now gives the
    same result as the shipped one (the compile path is the one used when the rules change)."""
    from meili.evaluate import _compiled

    assert _compiled.FINGERPRINT == engine.rules_fingerprint(), "run `python -m meili.evaluate`"
    shipped = engine.query("evaluate", selected=True)
    fresh = engine.compile_query("evaluate", selected=True)
    assert fresh.schema.equals(shipped.schema)
    obs, _ = engine.observations(example, ganzhou.id)
    regions = ["360700", "360702", "central_urban"]
    data = {"obs": obs, **evaluation_tables(ganzhou, [(2024, [2025, 2035])], regions, (), status_params(),
                                            cagr_params(), [2025, 2035])}
    assert engine.run(fresh, data).equals(engine.run(shipped, data))


def test_errors_are_meili_errors_and_still_value_errors(ganzhou, example):
    for cls in (EvaluationError, RankingError, AssignmentError, MethodParamsError):
        assert issubclass(cls, MeiliError) and issubclass(cls, ValueError)
    with pytest.raises(EvaluationError) as e:
        evaluate(ganzhou, example, 2024, milestone=2030)
    assert e.value.kind == "evaluation" and "--" not in str(e.value)
    assert "not milestones" in e.value.render("en") and "不是" in e.value.render("zh")
    with pytest.raises(RankingError) as e:
        rank(ganzhou, example, 2024, method="magic")
    assert e.value.kind == "ranking" and "unknown method" in e.value.render("en")


def test_inputs_of_other_types_are_cast(ganzhou, example):
    """year as int32 (the importer's type), region as integers: read as the store's types."""
    import pyarrow as pa
    import pyarrow.compute as pc

    t = example.select(["plan", "region", "measure", "year", "value", "state"])
    cast = t.set_column(3, "year", t.column("year").cast(pa.int32()))
    assert evaluate(ganzhou, cast, 2024).equals(evaluate(ganzhou, t, 2024))
    nums = t.filter(pc.match_substring_regex(t.column("region"), r"^\d+$"))
    as_int = nums.set_column(1, "region", nums.column("region").cast(pa.int64()))
    assert evaluate(ganzhou, as_int, 2024).equals(evaluate(ganzhou, nums, 2024))
