"""Status engine: every status and every target kind, each case worked by hand (see docs/methodology.md).

Ganzhou = 360700 (the plan's region), 章贡区 = 360702 (a county). Year 2023, milestone 2025 unless said.
Expected progress e = (2023 − 2020)/(2025 − 2020) = 0.6 for a 2020 baseline.
"""

from __future__ import annotations

import math

import pyarrow as pa
import pytest

from meili.evaluate import STATUSES, Assignment, AssignmentError, EvaluationError, evaluate
from tests.helpers.evaluate import obs, row

GZ, ZG = "360700", "360702"


def ev(plan, *rows, measure, region=GZ, year=2023, milestone=None, assignments=()):
    return row(evaluate(plan, obs(*rows, plan=plan.id), year, milestone=milestone, assignments=assignments),
               region, measure)


# --- numeric bounds --------------------------------------------------------------------------------------------


def test_lower_is_better_achieved(ganzhou):
    # 16.1 PM2.5 中心城区: baseline 30.3 (2020), 2025 target 25.5 read as ≤ 25.5. x = 25.0 ≤ 25.5.
    r = ev(ganzhou, (GZ, "16.1", 2023, 25.0), measure="16.1")
    assert r["status"] == "achieved" and r["rule"] == "x meets the target"
    # p = (25.0 − 30.3)/(25.5 − 30.3) = 5.3/4.8
    assert r["progress"] == pytest.approx(5.3 / 4.8)
    assert r["required_annual_change"] == 0.0
    assert (r["baseline"], r["baseline_year"], r["baseline_source"]) == (30.3, 2020, "plan")


def test_lower_is_better_on_track_with_projection_and_cagr(ganzhou):
    # 16.1: 28, 27, 26 in 2021–2023. p = (26 − 30.3)/(25.5 − 30.3) = 4.3/4.8 = 0.89583 ≥ e = 0.6.
    r = ev(ganzhou, (GZ, "16.1", 2021, 28.0), (GZ, "16.1", 2022, 27.0), (GZ, "16.1", 2023, 26.0), measure="16.1")
    assert r["status"] == "on_track"
    assert r["progress"] == pytest.approx(0.8958333, abs=1e-6)
    assert r["expected_progress"] == pytest.approx(0.6)
    # required annual change (25.5 − 26)/(2025 − 2023) = −0.25
    assert r["required_annual_change"] == pytest.approx(-0.25)
    # OLS over (0, 30.3), (1, 28), (2, 27), (3, 26) [years − 2020]: ū = 1.5, v̄ = 27.825,
    # Σ(u−ū)(v−v̄) = −6.95, Σ(u−ū)² = 5, slope −1.39; at u = 5: 27.825 + 3.5·(−1.39) = 22.96
    assert r["projection"] == pytest.approx(22.96)
    assert r["projection_points"] == 4 and r["projection_meets_target"] is True
    # CAGR: observed (26/30.3)^(1/3) − 1 = −0.049737; required (25.5/30.3)^(1/5) − 1 = −0.033905;
    # R = d · observed / |required| = −1 · −0.049737 / 0.033905 = 1.46694 ≥ 0.95 → substantial
    assert r["cagr_method"] == "target"
    assert r["cagr_ratio"] == pytest.approx(1.46694, abs=1e-4)
    assert r["cagr_status"] == "substantial"


def test_higher_is_better_lagging(ganzhou):
    # 3: baseline 30.3, 2025 target "35" read as ≥ 35. x = 31.3: p = 1/4.7 = 0.2128 < 0.6.
    r = ev(ganzhou, (GZ, "3", 2023, 31.3), measure="3")
    assert r["status"] == "lagging" and r["rule"] == "0 < p < e"
    assert r["progress"] == pytest.approx(1 / 4.7)
    assert r["required_annual_change"] == pytest.approx((35 - 31.3) / 2)  # 1.85 a year
    # Two points only: no projection, and the note says why.
    assert r["projection"] is None and "too few points" in r["note"]
    # CAGR: (31.3/30.3)^(1/3) − 1 = 0.010883; (35/30.3)^(1/5) − 1 = 0.029259; R = 0.37196 → limited
    assert r["cagr_ratio"] == pytest.approx(0.37196, abs=1e-4)
    assert r["cagr_status"] == "limited"


def test_higher_is_better_regressing(ganzhou):
    # 3: x = 29.0 < baseline 30.3: p = −1.3/4.7 ≤ 0.
    r = ev(ganzhou, (GZ, "3", 2023, 29.0), measure="3")
    assert r["status"] == "regressing" and r["rule"] == "p ≤ 0"
    assert r["progress"] == pytest.approx(-1.3 / 4.7)
    assert r["cagr_status"] == "deterioration" and r["cagr_ratio"] < 0


def test_met_at_baseline_and_still_met(ganzhou):
    # 15.1: baseline "≥95" (x0 = 95), target ≥ 95; x = 96 still meets it. p is undefined (x* = x0).
    r = ev(ganzhou, (GZ, "15.1", 2023, 96.0), measure="15.1")
    assert r["status"] == "achieved" and r["progress"] is None and r["baseline"] == 95.0
    # 20 (lower is better): baseline 16.7, target "16.7" read as ≤ 16.7; x = 16.5.
    assert ev(ganzhou, (GZ, "20", 2023, 16.5), measure="20")["status"] == "achieved"


def test_met_at_baseline_but_no_longer(ganzhou):
    # 20: baseline 16.7 met ≤ 16.7; x = 17.0 no longer does → regressing.
    r = ev(ganzhou, (GZ, "20", 2023, 17.0), measure="20")
    assert r["status"] == "regressing" and r["rule"] == "met at baseline, no longer"
    assert r["required_annual_change"] == pytest.approx((16.7 - 17.0) / 2)


def test_strict_bound_not_met_on_the_boundary(ganzhou):
    # 15.3 林业有害生物成灾率 (lower), target "<3.5", baseline "—": x0 = the first observation (2021: 4.0).
    # x = 3.5 does not meet < 3.5; p = (3.5 − 4)/(3.5 − 4) = 1 ≥ e = (2023 − 2021)/(2025 − 2021) = 0.5.
    r = ev(ganzhou, (GZ, "15.3", 2021, 4.0), (GZ, "15.3", 2023, 3.5), measure="15.3")
    assert r["status"] == "on_track" and r["baseline_source"] == "first_observation"
    assert (r["baseline_year"], r["progress"], r["expected_progress"]) == (2021, 1.0, 0.5)


# --- ranges ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("x", "status", "progress"), [
    (4.0, "achieved", 1.5),     # 3 ≤ 4 ≤ 5; p = (4 − 1)/(3 − 1)
    (2.0, "lagging", 0.5),      # below the range: x* = low = 3, p = (2 − 1)/(3 − 1) = 0.5 < 0.6
    (2.2, "on_track", 0.6),     # p = 1.2/2 = 0.6 = e
    (6.0, "achieved", 2.5),     # beyond the range on the better side (higher is better)
    (0.0, "regressing", -0.5),  # p = (0 − 1)/2
])
def test_range_higher_is_better(ganzhou, x, status, progress):
    # 9.3 低碳/零碳社区: baseline 1, 2025 target "3~5".
    r = ev(ganzhou, (GZ, "9.3", 2023, x), measure="9.3")
    assert r["status"] == status
    assert r["progress"] == pytest.approx(progress)
    assert r["target_value"] == 3.0


def test_range_lower_is_better(tiny):
    # tiny 1 (lower): baseline 10, target "4~6": x* = high = 6. x = 7: p = (7 − 10)/(6 − 10) = 0.75 ≥ 0.6.
    r = ev(tiny, (GZ, "1", 2023, 7.0), measure="1")
    assert (r["status"], r["target_value"]) == ("on_track", 6.0)
    assert r["progress"] == pytest.approx(0.75)
    assert ev(tiny, (GZ, "1", 2023, 5.0), measure="1")["status"] == "achieved"
    assert ev(tiny, (GZ, "1", 2023, 3.0), measure="1")["rule"] == "x beyond the range on the better side"
    assert ev(tiny, (GZ, "1", 2023, 9.5), measure="1")["status"] == "lagging"  # p = 0.125


# --- states ----------------------------------------------------------------------------------------------------


def test_state_target_met_and_no_longer_met(ganzhou):
    # 15.2 外来物种入侵: vocabulary 严重 < 明显 < 不明显, baseline 不明显 (2), target 不明显.
    assert ev(ganzhou, (GZ, "15.2", 2023, "不明显"), measure="15.2")["status"] == "achieved"
    r = ev(ganzhou, (GZ, "15.2", 2023, "明显"), measure="15.2")
    assert (r["status"], r["rule"], r["value"], r["baseline"]) == (
        "regressing", "met at baseline, no longer", 1.0, 2.0)
    assert r["required_annual_change"] is None and r["cagr_status"] == "not_available"


def test_state_target_progress_through_vocabulary(ganzhou):
    # 36 (未建立 < 基本建立 < 全面推行), baseline "—", 2035 target 全面推行. First observation 2021 未建立 (0);
    # 2023 基本建立 (1): p = (1 − 0)/(2 − 0) = 0.5 ≥ e = (2023 − 2021)/(2035 − 2021) = 1/7.
    r = ev(ganzhou, (GZ, "36", 2021, "未建立"), (GZ, "36", 2023, "基本建立"), measure="36", milestone=2035)
    assert (r["status"], r["progress"]) == ("on_track", 0.5)
    assert r["expected_progress"] == pytest.approx(1 / 7)


def test_state_target_on_numeric_measure(ganzhou):
    # 19.2 V类及劣V类水比例 (lower), baseline 1.6, 2025 基本消除 read as ≤ 0 (status.yaml).
    r = ev(ganzhou, (GZ, "19.2", 2023, 0.8), measure="19.2")
    assert (r["status"], r["target_value"]) == ("lagging", 0.0)
    assert r["progress"] == pytest.approx(0.5)  # (0.8 − 1.6)/(0 − 1.6)
    # The state itself as the observation reads as the bound's value: 0 → achieved.
    r = ev(ganzhou, (GZ, "19.2", 2023, "基本消除"), measure="19.2")
    assert (r["status"], r["value"]) == ("achieved", 0.0)
    # 37 气象信息公众覆盖率 2035 全面覆盖 read as ≥ 100.
    r = ev(ganzhou, (GZ, "37", 2021, 96.0), (GZ, "37", 2023, 99.0), measure="37", milestone=2035)
    assert (r["status"], r["target_value"]) == ("on_track", 100.0)  # p = 3/4 ≥ e = 2/14


# --- trends ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("series", "status"), [
    # 8 森林植被碳储量 (higher), baseline 1.05, 2035 持续提升; tolerance = 1% · 1.05 = 0.0105.
    (((2022, 1.10), (2023, 1.12)), "achieved"),    # Δbase = 0.07 > tol, Δprev = 0.02 ≥ −tol
    (((2022, 1.12), (2023, 1.08)), "lagging"),     # Δbase = 0.03 > tol, Δprev = −0.04 < −tol
    (((2022, 1.00), (2023, 1.055)), "on_track"),   # |Δbase| = 0.005 ≤ tol, Δprev = 0.055 > tol
    (((2023, 1.055),), "lagging"),                 # no change beyond tolerance; previous = baseline
    (((2023, 1.00),), "regressing"),               # Δbase = −0.05 < −tol
])
def test_trend_improve(ganzhou, series, status):
    r = ev(ganzhou, *[(GZ, "8", y, v) for y, v in series], measure="8", milestone=2035)
    assert r["status"] == status
    assert r["tolerance"] == pytest.approx(0.0105)


def test_trend_down_on_lower_is_better(ganzhou):
    # 32.3 人均生活垃圾 (lower), baseline "—", 逐步下降: x0 = 2021's 10, tol = 0.1; Δbase = −(9 − 10) = 1,
    # Δprev = −(9 − 9.5) = 0.5 → achieved. CAGR without a target: P = −((9/10)^(1/2) − 1) = 0.051317 → substantial.
    r = ev(ganzhou, (GZ, "32.3", 2021, 10.0), (GZ, "32.3", 2022, 9.5), (GZ, "32.3", 2023, 9.0), measure="32.3")
    assert r["status"] == "achieved"
    assert (r["previous_value"], r["previous_year"]) == (9.5, 2022)
    assert r["cagr_method"] == "growth"
    assert r["cagr_ratio"] == pytest.approx(1 - math.sqrt(0.9))
    assert r["cagr_status"] == "substantial"


def test_trend_hold(ganzhou):
    # 22.1 饮用水水源达标率 (higher), baseline 100, 保持稳定; tol = 1.0.
    assert ev(ganzhou, (GZ, "22.1", 2023, 99.5), measure="22.1")["status"] == "achieved"
    assert ev(ganzhou, (GZ, "22.1", 2023, 98.5), measure="22.1")["status"] == "regressing"
    # held against the baseline but fell since the previous year by more than tol: lagging.
    r = ev(ganzhou, (GZ, "22.1", 2022, 101.5), (GZ, "22.1", 2023, 99.5), measure="22.1")
    assert r["status"] == "lagging"
    # 21.1 黑臭水体比例 (lower), baseline 0, 保持长治久清: tol = 1% of 0 = 0, so any rise regresses.
    assert ev(ganzhou, (GZ, "21.1", 2023, 0.0), measure="21.1")["status"] == "achieved"
    assert ev(ganzhou, (GZ, "21.1", 2023, 0.5), measure="21.1")["status"] == "regressing"


def test_trend_on_state_measure(ganzhou):
    # 35 (初步建立 < 基本健全 < 基本实现现代化), baseline 基本健全, 2025 持续提升: tolerance 0 on positions.
    assert ev(ganzhou, (GZ, "35", 2023, "基本实现现代化"), measure="35")["status"] == "achieved"
    assert ev(ganzhou, (GZ, "35", 2023, "基本健全"), measure="35")["status"] == "lagging"
    assert ev(ganzhou, (GZ, "35", 2023, "初步建立"), measure="35")["status"] == "regressing"


# --- cumulative ------------------------------------------------------------------------------------------------


def test_cumulative_summed(tiny):
    # tiny 2 (个, higher), target [10] by 2025: 3 + 2 + 2 = 7 since 2020; p = 7/10 = 0.7 ≥ 0.6.
    r = ev(tiny, (GZ, "2", 2021, 3.0), (GZ, "2", 2022, 2.0), (GZ, "2", 2023, 2.0), measure="2")
    assert (r["status"], r["value"], r["baseline"]) == ("on_track", 7.0, 0.0)
    assert r["progress"] == pytest.approx(0.7)
    assert r["required_annual_change"] == pytest.approx(1.5)  # (10 − 7)/2
    # by 2035, [30]: p = 7/30 = 0.2333 ≥ e = 3/15 = 0.2
    assert ev(tiny, (GZ, "2", 2021, 3.0), (GZ, "2", 2022, 2.0), (GZ, "2", 2023, 2.0), measure="2",
              milestone=2035)["status"] == "on_track"
    assert ev(tiny, (GZ, "2", 2021, 5.0), (GZ, "2", 2022, 5.0), measure="2")["status"] == "achieved"


def test_delegated_cumulative_with_assignment_compounds_percentages(ganzhou):
    # 6 单位GDP二氧化碳排放降低 (%), 2025 按省下达目标, assigned [18]. Annual reductions 4.0, 3.5, 4.5 %:
    # 1 − 0.96 · 0.965 · 0.955 = 1 − 0.884712 = 11.5288 %; p = 11.5288/18 = 0.640489 ≥ 0.6.
    a = Assignment(plan="ganzhou", measure="6", milestone=2025, target="[18]", assigned_by="province",
                   document="赣府字〔2022〕示例号")
    r = ev(ganzhou, (GZ, "6", 2021, 4.0), (GZ, "6", 2022, 3.5), (GZ, "6", 2023, 4.5), measure="6",
           assignments=[a])
    assert r["status"] == "on_track"
    assert r["value"] == pytest.approx(11.5288)
    assert r["progress"] == pytest.approx(0.640489, abs=1e-6)
    assert r["document"] == "赣府字〔2022〕示例号" and r["assigned_by"] == "province"


# --- delegated -------------------------------------------------------------------------------------------------


def test_delegated_without_assignment_is_pending_with_growth_opinion(ganzhou):
    # 5 单位GDP用水量 (lower), baseline 116, 按省下达目标. x = 100 in 2023.
    r = ev(ganzhou, (GZ, "5", 2023, 100.0), measure="5")
    assert r["status"] == "target_pending" and r["progress"] is None
    # P = −((100/116)^(1/3) − 1) = 0.048269 ≥ 0.015
    assert r["cagr_ratio"] == pytest.approx(0.048269, abs=1e-6)
    assert r["cagr_status"] == "substantial"


def test_delegated_with_assignment_plan_wide_and_per_region(ganzhou):
    doc = "江西省用水强度控制目标（示例）"
    wide = Assignment(plan="ganzhou", measure="5", milestone=2025, target="≤100", assigned_by="province",
                      document=doc)
    zg = Assignment(plan="ganzhou", measure="5", milestone=2025, target="≤90", assigned_by="province",
                    document=doc, region=ZG)
    t = evaluate(ganzhou, obs((GZ, "5", 2023, 104.0), (ZG, "5", 2023, 104.0)), 2023, assignments=[wide, zg])
    # Ganzhou: p = (104 − 116)/(100 − 116) = 0.75 ≥ 0.6 → on_track.
    r = row(t, GZ, "5")
    assert (r["status"], r["target_value"]) == ("on_track", 100.0)
    assert r["progress"] == pytest.approx(0.75)
    # 章贡区 has its own assignment: p = (104 − 116)/(90 − 116) = 12/26 = 0.4615 < 0.6 → lagging.
    r = row(t, ZG, "5")
    assert (r["status"], r["target_value"]) == ("lagging", 90.0)
    assert r["progress"] == pytest.approx(12 / 26)


def test_county_baseline_overrides_the_plan_baseline(ganzhou):
    zg = Assignment(plan="ganzhou", measure="5", milestone=2025, target="≤90", assigned_by="province",
                    document="示例", region=ZG)
    # 章贡区's own 2020 value 120 is its baseline: p = (104 − 120)/(90 − 120) = 16/30.
    r = ev(ganzhou, (ZG, "5", 2020, 120.0), (ZG, "5", 2023, 104.0), measure="5", region=ZG, assignments=[zg])
    assert (r["baseline"], r["baseline_source"], r["status"]) == (120.0, "region", "lagging")
    assert r["progress"] == pytest.approx(16 / 30)


def test_assignment_validation(ganzhou):
    bad = [
        Assignment(plan="ganzhou", measure="3", milestone=2025, target="36", assigned_by="province", document="x"),
        Assignment(plan="ganzhou", measure="5", milestone=2025, target="按省下达目标", assigned_by="province",
                   document="x"),
        Assignment(plan="ganzhou", measure="1", milestone=2025, target="10", assigned_by="province", document="x"),
    ]
    with pytest.raises(AssignmentError) as e:
        evaluate(ganzhou, obs((GZ, "3", 2023, 31.0)), 2023, assignments=bad)
    msg = str(e.value)
    assert "measure 3" in msg and "not delegated" in msg
    assert "concrete target" in msg
    assert "'nation'" in msg  # measure 1 is assigned by the nation, not the province


# --- no data, only a baseline, not applicable ------------------------------------------------------------------


def test_only_a_baseline_is_no_data(ganzhou):
    r = ev(ganzhou, (GZ, "3", 2020, 30.0), measure="3")
    assert r["status"] == "no_data" and r["rule"] == "only a baseline: no observation after the base year"
    assert (r["baseline"], r["baseline_source"], r["value"]) == (30.0, "region", None)
    assert r["progress"] is None and r["expected_progress"] is None and r["cagr_status"] == "not_available"


def test_no_observation_is_no_data(ganzhou):
    t = evaluate(ganzhou, obs((GZ, "3", 2023, 31.0)), 2023)
    assert row(t, GZ, "4")["status"] == "no_data"
    # Observations after the evaluation year do not count.
    assert row(evaluate(ganzhou, obs((GZ, "3", 2024, 31.0)), 2023), GZ, "3")["status"] == "no_data"


def test_not_applicable(ganzhou, tiny):
    t = evaluate(ganzhou, obs((ZG, "16.2", 2023, 20.0), (ZG, "18.1", 2023, "不适用")), 2023)
    # 16.1 is a 中心城区 measure without county values; 18.1 is marked not applicable for 章贡区.
    assert row(t, ZG, "16.1")["status"] == "not_applicable"
    assert row(t, ZG, "18.1")["status"] == "not_applicable"
    # A milestone without a target ("—").
    assert ev(tiny, (GZ, "1", 2023, 5.0), measure="1", milestone=2035)["status"] == "not_applicable"


def test_every_status_is_reached_and_output_shape(ganzhou):
    a = Assignment(plan="ganzhou", measure="7", milestone=2025, target="≥27", assigned_by="province", document="x")
    t = evaluate(ganzhou, obs(
        (GZ, "16.1", 2023, 25.0), (GZ, "16.1", 2022, 27.0), (GZ, "3", 2023, 31.3), (GZ, "11.1", 2023, 75.0),
        (GZ, "7", 2023, 26.0), (ZG, "16.2", 2023, 20.0)), 2023, assignments=[a])
    statuses = set(t.column("status").to_pylist())
    assert statuses == set(STATUSES)
    assert t.num_rows == 2 * len(ganzhou.measures)
    for c in ("region", "measure", "year", "milestone", "value", "value_year", "target", "status", "progress",
              "expected_progress", "required_annual_change", "projection", "cagr_ratio", "cagr_status"):
        assert c in t.column_names


def test_milestones_and_errors(ganzhou):
    t = evaluate(ganzhou, obs((GZ, "3", 2023, 31.0)), 2023, milestone="all")
    assert sorted(set(t.column("milestone").to_pylist())) == [2025, 2035]
    assert set(evaluate(ganzhou, obs((GZ, "3", 2026, 36.0)), 2026).column("milestone").to_pylist()) == {2035}
    with pytest.raises(EvaluationError):
        evaluate(ganzhou, obs((GZ, "3", 2023, 31.0)), 2023, milestone=2030)
    with pytest.raises(EvaluationError, match="observations lack columns"):
        evaluate(ganzhou, pa.table({"region": [GZ], "year": [2023]}), 2023)


def test_ibis_table_input_and_plan_filter(ganzhou):
    import ibis

    t = obs((GZ, "3", 2023, 31.3)).to_pylist() + obs((GZ, "3", 2023, 99.0), plan="jiangxi").to_pylist()
    r = row(evaluate(ganzhou, ibis.memtable(pa.Table.from_pylist(t)), 2023), GZ, "3")
    assert r["value"] == 31.3 and r["status"] == "lagging"


def test_scoped_measures_are_read_from_their_region_group_for_the_city(ganzhou):
    """16.1 (PM2.5 中心城区) is recorded under central_urban; the city's evaluation reads it there.

    Hand-worked: baseline 30.3 (2020), target ≤ 25.5 (2025); 2023 value 27.9 → p = (27.9−30.3)/(25.5−30.3) = 0.5,
    e = 3/5 = 0.6 → lagging. A value recorded for 360700 itself for the same year wins (26.0 → p = 0.8958 → on track).
    """
    ev = evaluate(ganzhou, obs(("central_urban", "16.1", 2023, 27.9)), 2023, regions=["360700"])
    r = row(ev, "360700", "16.1")
    assert r["status"] == "lagging" and r["progress"] == pytest.approx(0.5)
    ev = evaluate(ganzhou, obs(("central_urban", "16.1", 2023, 27.9), ("360700", "16.1", 2023, 26.0)), 2023,
                  regions=["360700", "central_urban"])
    assert row(ev, "360700", "16.1")["status"] == "on_track"
    assert row(ev, "central_urban", "16.1")["status"] == "lagging"


def test_a_region_group_is_evaluated_on_its_own_measures(ganzhou):
    """中心城区 is judged on the measures scoped to it (16.1, 17.1, 21.1, 22.1) and on others only where it has data;
    the rest are not applicable to it (not 'no data': nobody is expected to report them for the group)."""
    ev = evaluate(ganzhou, obs(("central_urban", "16.1", 2023, 27.9), ("central_urban", "3", 2023, 33.0)), 2023,
                  regions=["central_urban"])
    assert row(ev, "central_urban", "16.1")["status"] == "lagging"
    assert row(ev, "central_urban", "17.1")["status"] == "no_data"        # its own measure, not reported
    assert row(ev, "central_urban", "3")["status"] != "not_applicable"    # reported for the group: evaluated
    r = row(ev, "central_urban", "4")
    assert (r["status"], r["rule"]) == ("not_applicable", "not a measure of this region group")


def test_defect_18_a_measure_of_annual_changes_gets_no_projection_or_cagr(ganzhou):
    """Measure 6 (单位GDP二氧化碳排放降低, baseline [22.01]: its observations are each year's reduction) has a delegated
    target in 2025; a projection or CAGR of annual changes against annual values means nothing (methodology §4.3):
    with the example's values 2021–2024 the old engine projected −3.04 and called it 'deterioration'."""
    rows = obs(*[("360700", "6", y, v) for y, v in ((2021, 4.2), (2022, 4.1), (2023, 4.0), (2024, 4.13))])
    r = {x["measure"]: x for x in evaluate(ganzhou, rows, 2024, regions=["360700"]).to_pylist()}["6"]
    assert (r["status"], r["projection"], r["cagr_status"], r["cagr_method"]) == (
        "target_pending", None, "not_available", None)
    assert "no projection or CAGR" in r["note"]
