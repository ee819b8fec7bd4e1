"""Water bodies (mean concentrations vs proportions), TLI and CWQI worked examples, ranking, indicators."""

from __future__ import annotations

import datetime as dt
import math

import pytest

from meili.standards.water.bodies import status_from_proportions, summarize
from meili.standards.water.classify import item_classes, period_means, section_classes
from meili.standards.water.cwqi import group_cwqi, rank, section_cwqi
from meili.standards.water.indicators import plan_indicators
from meili.standards.water.trophic import trophic_level_index
from tests.helpers.water import registry, samples


def evaluate(rows, reg, by):
    means = period_means(samples(rows), "year")
    classed = item_classes(means, reg)
    return summarize(means, section_classes(classed, reg), classed, reg, by).to_pandas().set_index("key")


def test_river_of_three_sections_is_judged_from_mean_concentrations():
    # NH3-N 0.4 (Ⅱ), 1.2 (Ⅳ), 0.8 (Ⅲ): mean 0.8 → Ⅲ 良好, although one section in three is Ⅳ (66.7 % Ⅰ–Ⅲ,
    # which by proportions would be 轻度污染).
    reg = registry([{"section": s, "water_body": "R"} for s in ("R1", "R2", "R3")])
    rows = [("R1", "nh3n", 0.4), ("R2", "nh3n", 1.2), ("R3", "nh3n", 0.8)]
    result = evaluate(rows, reg, "water_body")
    assert result.loc["R", "method"] == "mean_concentration"
    assert result.loc["R", "class"] == "Ⅲ"
    assert result.loc["R", "status"] == "良好"
    assert result.loc["R", "share_i_iii"] == pytest.approx(200 / 3)


def test_basin_of_five_sections_is_judged_by_proportions_with_exceedance_rates():
    reg = registry([{"section": f"B{i}", "water_body": "B"} for i in range(1, 7)])
    rows = [("B1", "nh3n", 0.3), ("B2", "nh3n", 0.4), ("B3", "nh3n", 0.9), ("B4", "nh3n", 1.4),
            ("B5", "nh3n", 2.5), ("B5", "tp", 0.5)]  # B6 registered, no data: left out
    result = evaluate(rows, reg, "water_body")
    row = result.loc["B"]
    assert row.method == "proportion"
    assert (row.n_sections, row.n_left_out) == (5, 1)
    assert (row.share_i_iii, row.share_i_ii, row.share_v_worse, row.share_worse_than_v) == (60.0, 40.0, 20.0, 20.0)
    assert row.status == "中度污染"  # Ⅰ–Ⅲ < 75 % and 20 % ≤ 劣Ⅴ < 40 %
    assert row.main_pollutants == "氨氮（40.0%）、总磷（20.0%）"


def test_lake_of_several_points_uses_mean_and_lake_tp():
    reg = registry([{"section": f"L{i}", "water_body": "湖", "kind": "lake"} for i in range(6)])
    rows = [(f"L{i}", "tp", v) for i, v in enumerate((0.03, 0.04, 0.05, 0.06, 0.04, 0.07))]
    result = evaluate(rows, reg, "water_body")
    assert result.loc["湖", "method"] == "mean_concentration"
    # Mean TP 0.29/6 = 0.0483: Ⅲ with the lake limits (0.025 < C ≤ 0.05; a river would be Ⅱ), 良好 —
    # although two points of six are Ⅳ (66.7 % Ⅰ–Ⅲ would be 轻度污染 by proportions).
    assert result.loc["湖", "class"] == "Ⅲ"
    assert result.loc["湖", "status"] == "良好"
    assert result.loc["湖", "share_i_iii"] == pytest.approx(400 / 6)


@pytest.mark.parametrize(
    ("share_i_iii", "share_worse", "status"),
    [(90, 0, "优"), (89.9, 0, "良好"), (75, 10, "良好"), (74.9, 19.9, "轻度污染"), (70, 20, "中度污染"),
     (60, 39.9, "中度污染"), (60, 40, "重度污染"), (59.9, 40, "重度污染"), (0, 100, "重度污染")],
)
def test_status_from_proportions_boundaries_and_60_40_decision(share_i_iii, share_worse, status):
    import ibis

    assert status_from_proportions(ibis.literal(share_i_iii), ibis.literal(share_worse)).execute() == status


def test_tli_worked_example():
    import ibis
    import pandas as pd

    values = {"chla": 10.0, "tp": 0.05, "tn": 1.0, "sd": 1.0, "codmn": 4.0}
    result = trophic_level_index(ibis.memtable(pd.DataFrame([values]))).to_pandas().iloc[0]
    # By hand: TLI(chla) = 10(2.5 + 1.086 ln 10) = 50.006; TLI(TP) = 10(9.436 + 1.624 ln 0.05) = 45.709;
    # TLI(TN) = 54.53; TLI(SD) = 51.18; TLI(CODMn) = 10(0.109 + 2.661 ln 4) = 37.979.
    parts = {"chla": 50.00607, "tp": 45.70931, "tn": 54.53, "sd": 51.18, "codmn": 37.97929}
    for item, value in parts.items():
        assert result[f"tli_{item}"] == pytest.approx(value, abs=1e-4)
    weights = {"chla": 1.0, "tp": 0.84**2, "tn": 0.82**2, "sd": 0.83**2, "codmn": 0.83**2}
    assert sum(weights.values()) == pytest.approx(3.7558)
    expected = sum(weights[i] * parts[i] for i in parts) / 3.7558
    assert result.tli == pytest.approx(expected, abs=1e-4)
    assert result.tli == pytest.approx(48.018, abs=1e-3)
    assert result.grade == "中营养"


@pytest.mark.parametrize(("tli", "grade"), [(29.99, "贫营养"), (30, "中营养"), (50, "中营养"), (50.01, "轻度富营养"),
                                            (60, "轻度富营养"), (70, "中度富营养"), (70.01, "重度富营养")])
def test_trophic_grade_bounds(tli, grade):
    import ibis

    from meili.standards.water.trophic import trophic_grade

    assert trophic_grade(ibis.literal(tli)).execute() == grade


def test_cwqi_worked_example_and_city_weighting():
    t, last = dt.datetime(2024, 6, 1), dt.datetime(2023, 6, 1)
    reg = registry([{"section": "A", "region_code": "360702"}, {"section": "L", "kind": "lake", "region_code": "360702"},
                    {"section": "C", "region_code": "360703"}])
    rows = [("A", "ph", 8.0, False, t), ("A", "do", 4.0, False, t), ("A", "nh3n", 0.5, False, t),
            ("A", "tp", 0.1, False, t), ("L", "tp", 0.05, False, t), ("L", "nh3n", 1.0, False, t),
            ("C", "ph", 6.5, False, t), ("C", "nh3n", 2.0, False, t),
            ("A", "nh3n", 1.0, False, last), ("C", "nh3n", 2.5, False, last)]
    means = period_means(samples(rows), "year")
    sections = section_cwqi(means, reg).to_pandas().set_index(["section", "period"])
    # pH 8: (8 − 7)/(9 − 7) = 0.5; DO 4: 5/4 = 1.25; NH3-N 0.5/1.0 = 0.5; TP 0.1/0.2 = 0.5 → 2.75
    assert sections.loc[("A", "2024"), "cwqi"] == pytest.approx(2.75)
    assert sections.loc[("L", "2024"), "cwqi"] == pytest.approx(2.0)  # lake TP 0.05/0.05 + 1.0
    assert sections.loc[("C", "2024"), "cwqi"] == pytest.approx(0.5 + 2.0)  # pH 6.5: (7 − 6.5)/(7 − 6)
    assert sections.loc[("A", "2024"), "n_items"] == 4
    assert "高锰酸盐指数" in sections.loc[("A", "2024"), "missing_items"]
    ranked = rank(group_cwqi(means, reg, "region")).to_pandas().set_index(["key", "period"])
    # 360702: (2.75 · 1 river + 2.0 · 1 lake) / 2 = 2.375; 360703: 2.5
    assert ranked.loc[("360702", "2024"), "cwqi"] == pytest.approx(2.375)
    assert ranked.loc[("360702", "2024"), "rank"] == 1
    assert ranked.loc[("360703", "2024"), "rank"] == 2
    # 360702 last year: only A (river) with NH3-N 1.0 → 1.0; change (2.375 − 1)/1 = +137.5 %
    assert ranked.loc[("360702", "2024"), "change_rate"] == pytest.approx(137.5)
    assert ranked.loc[("360703", "2024"), "change_rate"] == pytest.approx(0.0)
    assert math.isnan(ranked.loc[("360703", "2023"), "change_rate"])


def test_rank_ties_share_the_better_rank():
    import ibis
    import pandas as pd

    table = ibis.memtable(pd.DataFrame({"key": ["a", "b", "c"], "period": "2024", "cwqi": [3.0, 2.0, 3.0]}))
    ranked = rank(table).to_pandas().set_index("key")
    assert ranked["rank"].to_dict() == {"a": 2, "b": 1, "c": 2}


def test_change_ranking_leaves_out_groups_good_in_both_years():
    """环办监测〔2017〕51号: groups all ≤ Ⅱ and on target in both years are not ranked by change.

    Hand-worked: a 4.0 → 3.0 (−25 %), b 2.0 → 1.9 (−5 %, but good both years: left out), c 5.0 → 5.5 (+10 %),
    d 3.0 → 3.3 (+10 %, good only this year: ranked). Change ranks: a 1, c 2, d 2 (ties share), b none.
    """
    import ibis
    import pandas as pd

    from meili.standards.water.cwqi import change_ranking

    cwqi = ibis.memtable(pd.DataFrame({"key": list("abcd") * 2, "period": ["2023"] * 4 + ["2024"] * 4,
                                       "cwqi": [4.0, 2.0, 5.0, 3.0, 3.0, 1.9, 5.5, 3.3]}))
    good = ibis.memtable(pd.DataFrame({"key": list("abcd") * 2, "period": ["2023"] * 4 + ["2024"] * 4,
                                       "all_good": [False, True, False, False, False, True, False, True]}))
    out = change_ranking(rank(cwqi), good).to_pandas()
    now = out[out.period == "2024"].set_index("key")
    assert now["change_rate"].round(6).to_dict() == {"a": -25.0, "b": -5.0, "c": 10.0, "d": 10.0}
    assert now["change_ranked"].to_dict() == {"a": True, "b": False, "c": True, "d": True}
    assert now.loc[["a", "c", "d"], "change_rank"].tolist() == [1, 2, 2] and pd.isna(now.loc["b", "change_rank"])
    assert not out[out.period == "2023"]["change_ranked"].any()  # no year before 2023 in the input


def test_plan_indicators_rows_for_city_and_counties():
    reg = registry([
        {"section": "N1", "level": "national", "region_code": "360702"},
        {"section": "N2", "level": "national", "region_code": "360703"},
        {"section": "P1", "level": "provincial", "region_code": "360702"},
        {"section": "P2", "level": "provincial", "region_code": "360703"},
        {"section": "P3", "level": "provincial", "region_code": "360703"},
        {"section": "P4", "level": "provincial", "region_code": "360703"},  # no data: left out
    ])
    t = dt.datetime(2024, 7, 1)
    rows = [("N1", "nh3n", 0.3, False, t), ("N2", "nh3n", 1.2, False, t), ("P1", "nh3n", 0.1, False, t),
            ("P2", "nh3n", 0.9, False, t), ("P3", "nh3n", 1.8, False, t)]
    out = plan_indicators(samples(rows), reg, year=2024, source="test.csv")
    assert out.column_names == ["plan", "region", "measure", "year", "value", "state", "unit", "source", "note"]
    got = {(r["region"], r["measure"]): r for r in out.to_pylist()}
    assert got[("360700", "18.1")]["value"] == pytest.approx(50.0)
    # shares rounded to 0.1 as published (GB/T 8170), the counts kept in the note
    assert got[("360700", "18.2")]["value"] == 66.7
    assert got[("360700", "19.1")]["value"] == 33.3
    assert got[("360700", "19.2")]["value"] == 33.3
    assert got[("360703", "18.2")]["value"] == 50.0
    assert "1 of 2 sections counted, 1 left out" in got[("360703", "18.2")]["note"]
    assert got[("360702", "18.1")]["plan"] == "ganzhou" and got[("360702", "18.1")]["unit"] == "%"
    assert {r["year"] for r in out.to_pylist()} == {2024}
