"""Composite scores and rankings against small tables computed by hand."""

from __future__ import annotations

import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from meili.evaluate.composite import RankingError, measure_scores_expr, rank
from meili.evaluate.summary import category_summary, county_ranking
from meili.plan import Plan
from tests.helpers.evaluate import obs

A, B, C = "360702", "360703", "360704"  # 章贡区, 南康区, 赣县区

RANK_PLAN = {
    "id": "rk", "title": "排名测试", "title_en": "Ranking test", "level": "city", "region": "360700",
    "base_year": 2020, "milestones": [2025], "source": "tests",
    "categories": [{"id": "a", "name": "甲", "name_en": "A"}, {"id": "b", "name": "乙", "name_en": "B"}],
    "indicators": [
        {"number": 1, "category": "a", "name": "一", "name_en": "one", "unit": "%",
         "measures": [{"id": "1", "direction": "higher", "county": True, "baseline": "0", "targets": {2025: "≥40"}}]},
        {"number": 2, "category": "a", "name": "二", "name_en": "two", "unit": "%",
         "measures": [
             {"id": "2.1", "direction": "lower", "county": True, "baseline": "20", "targets": {2025: "≤5"}},
             {"id": "2.2", "direction": "higher", "county": True, "baseline": "0", "targets": {2025: "≥100"}}]},
        {"number": 3, "category": "b", "name": "三", "name_en": "three", "unit": "%",
         "measures": [{"id": "3", "direction": "higher", "county": True, "baseline": "1",
                       "targets": {2025: "持续提升"}}]},
        {"number": 4, "category": "b", "name": "四", "name_en": "four", "unit": "%",
         "measures": [{"id": "4", "direction": "higher", "county": False, "baseline": "1",
                       "targets": {2025: "≥2"}}]},
    ],
}


@pytest.fixture(scope="module")
def rk() -> Plan:
    return Plan.model_validate(RANK_PLAN)


DATA_2023 = [
    (A, "1", 2023, 10.0), (B, "1", 2023, 20.0), (C, "1", 2023, 30.0),
    (A, "2.1", 2023, 5.0), (B, "2.1", 2023, 5.0), (C, "2.1", 2023, 15.0),
    (A, "2.2", 2023, 40.0), (C, "2.2", 2023, 50.0),  # B has no value for 2.2
    (A, "3", 2023, 1.0), (B, "3", 2023, 2.0), (C, "3", 2023, 1.0),
    (A, "4", 2023, 9.0), (B, "4", 2023, 1.0), (C, "4", 2023, 5.0),  # 4 has no county value: not applicable
]
DATA_2022 = [(A, "1", 2022, 30.0), (B, "1", 2022, 20.0), (C, "1", 2022, 10.0)]


def by_region(t: pa.Table) -> dict[str, dict]:
    return {r["region"]: r for r in t.to_pylist()}


def test_efficacy_hand_computed(rk):
    """功效系数法 by hand. Weights: indicator 1 → measure 1 weight 1; indicator 2 → 2.1 and 2.2 weight ½ each;
    categories a and b weigh equally (no weights for plan 'rk' in composite.yaml).

    | measure (dir) | A  | B  | C  | min | max | y_A | y_B        | y_C |
    | 1 (↑)         | 10 | 20 | 30 | 10  | 30  | 60  | 80         | 100 |
    | 2.1 (↓)       | 5  | 5  | 15 | 5   | 15  | 100 | 100        | 60  |
    | 2.2 (↑)       | 40 | —  | 50 | 40  | 50  | 60  | 60 (miss.) | 100 |
    | 3 (↑)         | 1  | 2  | 1  | 1   | 2   | 60  | 100        | 60  |
    | 4 (no county value: dropped)                                     |

    y = 60 + 40·(x − min)/(max − min), reversed for 2.1; B's missing 2.2 keeps its weight at 60.
    Category a: A (60 + ½·100 + ½·60)/2 = 70; B (80 + 50 + 30)/2 = 80; C (100 + 30 + 50)/2 = 90.
    Category b: A 60, B 100, C 60.  Overall: A 65, B 90, C 75 → ranks B 1, C 2, A 3.

    2022 (only measure 1 observed: A 30, B 20, C 10 → 100, 80, 60; every other measure missing → 60):
    a: A (100 + 30 + 30)/2 = 80, B 70, C 60; b: 60 → overall A 70, B 65, C 60 → A 1, B 2, C 3.
    Rank change (previous − current): A 1 − 3 = −2, B 2 − 1 = +1, C 3 − 2 = +1.

    Leave-one-out: without 1: a = 80 for all → A 70, B 90, C 70 → A 2 (tie), B 1, C 2: A changes.
    Without 2.1: a = A 60, B 73.3, C 100 → A 60, B 86.7, C 80: unchanged. Without 2.2: A 66.7, B 93.3,
    C 73.3: unchanged. Without 3: overall = a → C 1, B 2, A 3: B and C change. So each region changes with
    1 of 4 measures, by at most 1 place.
    """
    t = rank(rk, obs(*DATA_2023, *DATA_2022, plan="rk"), 2023, method="efficacy")
    r = by_region(t)
    assert [x["region"] for x in t.to_pylist()] == [B, C, A]
    assert {k: (v["score"], v["rank"]) for k, v in r.items()} == {A: (65.0, 3), B: (90.0, 1), C: (75.0, 2)}
    assert {k: (v["score_a"], v["score_b"]) for k, v in r.items()} == {
        A: (70.0, 60.0), B: (80.0, 100.0), C: (90.0, 60.0)}
    assert {k: (v["previous_rank"], v["rank_change"]) for k, v in r.items()} == {
        A: (1, -2), B: (2, 1), C: (3, 1)}
    assert {k: (v["loo_changes"], v["loo_measures"], v["loo_max_shift"]) for k, v in r.items()} == {
        A: (1, 4, 1), B: (1, 4, 1), C: (1, 4, 1)}
    assert r[B]["missing"] == 1 and r[B]["measures"] == 4
    assert r[A]["region_name"] == "章贡区"
    assert "1 of 4" in r[A]["stability"]


def test_progress_hand_computed(rk):
    """Progress method by hand (2023, milestone 2025), 100·clip(p, 0, 1), 100 once achieved:

    | measure              | A                  | B                   | C                        |
    | 1: 0 → ≥40          | 10: p .25 → 25     | 20: 50              | 30: 75                   |
    | 2.1: 20 → ≤5        | 5: achieved 100    | 5: 100              | 15: p 5/15 → 33.33       |
    | 2.2: 0 → ≥100       | 40 → 40            | no data → 0         | 50 → 50                  |
    | 3: 持续提升 from 1   | 1: lagging → 40    | 2: achieved → 100   | 1: lagging → 40          |

    a: A (25 + ½·100 + ½·40)/2 = 47.5; B (50 + 50 + 0)/2 = 50; C (75 + 16.667 + 25)/2 = 58.333.
    b: A 40, B 100, C 40. Overall: A 43.75, B 75, C 49.17 → B 1, C 2, A 3.
    """
    r = by_region(rank(rk, obs(*DATA_2023, plan="rk"), 2023, method="progress"))
    assert {k: (v["score"], v["rank"]) for k, v in r.items()} == {A: (43.75, 3), B: (75.0, 1), C: (49.17, 2)}
    assert (r[C]["score_a"], r[C]["score_b"]) == (58.33, 40.0)
    # Nothing observed by 2022: no previous ranking, so no rank change.
    assert r[A]["previous_rank"] is None and r[A]["rank_change"] is None


def test_ties_share_the_best_rank(rk):
    # A and B identical on every measure, C better on 1: C 1, A 2, B 2 (next would be 4).
    data = [(A, "1", 2023, 10.0), (B, "1", 2023, 10.0), (C, "1", 2023, 20.0),
            (A, "3", 2023, 1.0), (B, "3", 2023, 1.0), (C, "3", 2023, 1.0)]
    r = by_region(rank(rk, obs(*data, plan="rk"), 2023, regions=[A, B, C]))
    # 1: A 60, B 60, C 100; 2.1 and 2.2: no data for anyone → 60; 3: all equal → 100.
    # a: A (60 + 30 + 30)/2 = 60, C (100 + 60)/2 = 80; b: 100 → A 80, B 80, C 90.
    assert {k: (v["score"], v["rank"]) for k, v in r.items()} == {A: (80.0, 2), B: (80.0, 2), C: (90.0, 1)}


def test_unknown_method_and_no_regions(rk):
    with pytest.raises(RankingError, match="unknown method"):
        rank(rk, obs(*DATA_2023, plan="rk"), 2023, method="magic")
    with pytest.raises(RankingError, match="no regions"):
        rank(rk, obs(("360700", "1", 2023, 1.0), plan="rk"), 2023)


# Values as reports carry them (two decimals): on a continuous float range hypothesis finds 0 and 2.7e-36, which a
# shift of 1.0 makes equal — a property of doubles, not of the method.
values = st.lists(st.integers(min_value=0, max_value=100_000).map(lambda i: i / 100), min_size=3, max_size=3)


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(v1=values, v3=values, shift=st.integers(min_value=-10_000, max_value=10_000).map(lambda i: i / 100))
def test_efficacy_invariants(rk, v1, v3, shift):
    """Scores lie within 60–100; adding a constant to a measure's values changes no score (so no rank either:
    the ranking is a function of these scores and the weights)."""
    data = [(reg, "1", 2023, a) for reg, a in zip((A, B, C), v1, strict=True)]
    data += [(reg, "3", 2023, a) for reg, a in zip((A, B, C), v3, strict=True)]
    shifted = [(reg, m, y, x + shift) for reg, m, y, x in data]

    def scores(d):
        t = measure_scores_expr(rk, obs(*d, plan="rk"), 2023, regions=[A, B, C]).to_pyarrow()
        return {(r["region"], r["measure"]): r["score"] for r in t.to_pylist() if r["app"]}

    s0, s1 = scores(data), scores(shifted)
    assert all(60 - 1e-9 <= y <= 100 + 1e-9 for y in s0.values())
    assert s0.keys() == s1.keys()
    assert all(abs(s0[k] - s1[k]) < 1e-6 for k in s0)
    # the best region on a measure scores 100, the worst 60 (unless all are equal: 100 each)
    for m, vals in (("1", v1), ("3", v3)):
        ys = [s0[(reg, m)] for reg in (A, B, C)]
        if len(set(vals)) > 1:
            assert max(ys) == pytest.approx(100) and min(ys) == pytest.approx(60)
        else:
            assert ys == [100, 100, 100]


def test_summary_and_county_ranking(ganzhou):
    gz = "360700"
    data = obs((gz, "16.1", 2023, 25.0), (gz, "3", 2023, 31.3), (gz, "3", 2022, 31.0), (gz, "11.1", 2023, 75.0),
               (A, "11.1", 2023, 80.0), (B, "11.1", 2023, 70.0), (A, "16.2", 2023, 20.0), (B, "16.2", 2023, 25.0))
    s = {r["category"]: r for r in category_summary(ganzhou, data, 2023).to_pylist()}
    # 环境 (environment): 16.1 achieved; 16.2, 17.x, 18.x … no data for the city; 19.1 pending.
    assert s["environment"]["achieved"] == 1 and s["environment"]["target_pending"] == 1
    # 3 (30.3 → ≥35, 31.3): lagging; 11.1 (76.23 → ≥76, 75): met at baseline, no longer → regressing.
    assert s["green_low_carbon"]["lagging"] == 1 and s["ecology"]["regressing"] == 1
    assert sum(r["total"] for r in s.values()) == len(ganzhou.measures)
    assert list(s) == [c.id for c in ganzhou.categories]
    ranking = by_region(county_ranking(ganzhou, data, 2023))
    # Only 章贡区 and 南康区 have data among Ganzhou's counties; the city itself is not ranked.
    assert set(ranking) == {A, B} and ranking[A]["rank"] == 1 and ranking[B]["rank"] == 2
