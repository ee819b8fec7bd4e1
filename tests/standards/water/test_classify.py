"""GB 3838-2002 item classes at every limit, detection limits, sections, periods and main pollutants."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from meili.standards.water.classify import classify, item_classes, period_means
from meili.standards.water.tables import load_table
from tests.helpers.water import registry, samples

ROMAN = {1: "Ⅰ", 2: "Ⅱ", 3: "Ⅲ", 4: "Ⅳ", 5: "Ⅴ", 6: "劣Ⅴ"}

# GB 3838-2002 Table 1 written out again by hand (not read from the shipped CSV) so the test checks the table.
UPPER_LIMITS = {
    "codmn": [2, 4, 6, 10, 15], "cod": [15, 15, 20, 30, 40], "bod5": [3, 3, 4, 6, 10],
    "nh3n": [0.15, 0.5, 1.0, 1.5, 2.0], "tp": [0.02, 0.1, 0.2, 0.3, 0.4], "tn": [0.2, 0.5, 1.0, 1.5, 2.0],
    "cu": [0.01, 1.0, 1.0, 1.0, 1.0], "zn": [0.05, 1.0, 1.0, 2.0, 2.0], "f": [1.0, 1.0, 1.0, 1.5, 1.5],
    "se": [0.01, 0.01, 0.01, 0.02, 0.02], "as": [0.05, 0.05, 0.05, 0.1, 0.1],
    "hg": [0.00005, 0.00005, 0.0001, 0.001, 0.001], "cd": [0.001, 0.005, 0.005, 0.005, 0.01],
    "cr6": [0.01, 0.05, 0.05, 0.05, 0.1], "pb": [0.01, 0.01, 0.05, 0.05, 0.1],
    "cn": [0.005, 0.05, 0.2, 0.2, 0.2], "phenol": [0.002, 0.002, 0.005, 0.01, 0.1],
    "petroleum": [0.05, 0.05, 0.05, 0.5, 1.0], "las": [0.2, 0.2, 0.2, 0.3, 0.3],
    "sulfide": [0.05, 0.1, 0.2, 0.5, 1.0], "fecal_coliform": [200, 2000, 10000, 20000, 40000],
}
LAKE_TP = [0.01, 0.025, 0.05, 0.1, 0.2]


def expected_upper_class(limits: list[float], value: float) -> int:
    """Best class whose limit the value meets (shared limits → the better class)."""
    for rank, limit in enumerate(limits, start=1):
        if value <= limit:
            return rank
    return 6


def limit_cases() -> list[tuple[str, str, float, int]]:
    cases = []
    for item, limits in UPPER_LIMITS.items():
        for limit in sorted(set(limits)):
            just_above = limit * 1.001
            cases.append((item, "river", limit, expected_upper_class(limits, limit)))
            cases.append((item, "river", just_above, expected_upper_class(limits, just_above)))
    for limit in LAKE_TP:
        cases.append(("tp", "lake", limit, expected_upper_class(LAKE_TP, limit)))
        cases.append(("tp", "lake", limit * 1.001, expected_upper_class(LAKE_TP, limit * 1.001)))
    for value, rank in [(7.5, 1), (7.49, 2), (6, 2), (5.99, 3), (5, 3), (4.99, 4), (3, 4), (2.99, 5), (2, 5), (1.99, 6)]:
        cases.append(("do", "river", value, rank))
    for value, rank in [(6.0, 1), (5.99, 6), (9.0, 1), (9.01, 6), (7.0, 1)]:
        cases.append(("ph", "river", value, rank))
    return cases


CASES = limit_cases()


def classes_of(cases: list[tuple[str, str, float, int]]) -> dict[int, int]:
    rows = [(f"s{n}", item, value) for n, (item, _kind, value, _rank) in enumerate(cases)]
    reg = registry([{"section": f"s{n}", "kind": kind} for n, (_i, kind, _v, _r) in enumerate(cases)])
    means = period_means(samples(rows), "sample")
    result = item_classes(means, reg).to_pandas()
    return dict(zip(result.section.str[1:].astype(int), result.class_rank, strict=True))


def test_every_class_limit_of_every_item_at_and_just_above():
    got = classes_of(CASES)
    wrong = [(c, ROMAN[got[n]]) for n, c in enumerate(CASES) if got[n] != c[3]]
    assert wrong == []
    assert len(CASES) > 150


def test_shared_limits_go_to_the_better_class():
    got = classes_of([("cod", "river", 15, 0), ("bod5", "river", 3, 0), ("cu", "river", 1.0, 0),
                      ("as", "river", 0.05, 0), ("cn", "river", 0.2, 0)])
    assert [got[i] for i in range(5)] == [1, 1, 2, 1, 3]


def test_shipped_limits_table_matches_gb3838_table1():
    limits = load_table("limits").to_pandas()
    for item, expected in UPPER_LIMITS.items():
        kind = "river" if item == "tp" else "all"
        got = limits[(limits.item == item) & (limits.water_kind == kind)].sort_values("class_rank").upper.tolist()
        assert got == pytest.approx(expected, rel=0, abs=0), item
    lake = limits[(limits.item == "tp") & (limits.water_kind == "lake")].sort_values("class_rank").upper.tolist()
    assert lake == LAKE_TP
    assert all(limits.clause.str.contains("GB 3838-2002 Table 1"))


def test_lake_tp_uses_lake_limits_but_river_does_not():
    reg = registry([{"section": "L", "kind": "lake"}, {"section": "R", "kind": "river"},
                    {"section": "V", "kind": "reservoir"}])
    result = classify(samples([("L", "tp", 0.06), ("R", "tp", 0.06), ("V", "tp", 0.03)]), reg).to_pandas()
    assert dict(zip(result.section, result["class"], strict=True)) == {"L": "Ⅳ", "R": "Ⅱ", "V": "Ⅲ"}


def test_below_detection_limit_enters_mean_at_half_the_limit():
    t1, t2 = dt.datetime(2024, 3, 1), dt.datetime(2024, 3, 15)
    rows = [("A", "hg", 0.0001, True, t1), ("A", "hg", 0.0001, True, t2),
            ("A", "nh3n", 0.1, True, t1), ("A", "nh3n", 0.45, False, t2)]
    means = period_means(samples(rows), "month").to_pandas().set_index("item")
    assert means.loc["hg", "value"] == pytest.approx(0.00005)
    assert bool(means.loc["hg", "below_dl"]) is True
    assert means.loc["nh3n", "value"] == pytest.approx((0.05 + 0.45) / 2)
    assert bool(means.loc["nh3n", "below_dl"]) is False
    # Hg "0.0001L" alone: ½ DL = 0.00005 meets Class Ⅰ, not Class Ⅲ as the raw 0.0001 would.
    result = classify(samples([("A", "hg", 0.0001, True)])).to_pandas()
    assert result["class"].tolist() == ["Ⅰ"]


def test_section_class_is_worst_of_the_21_items_and_tn_fecal_are_apart():
    reg = registry([{"section": "R", "kind": "river", "target_class": "Ⅲ"},
                    {"section": "L", "kind": "lake", "target_class": "Ⅱ"}])
    rows = [("R", "nh3n", 0.4), ("R", "cod", 18), ("R", "tn", 5.0), ("R", "fecal_coliform", 30000),
            ("L", "nh3n", 0.1), ("L", "tn", 1.2)]
    result = classify(samples(rows), reg).to_pandas().set_index("section")
    assert result.loc["R", "class"] == "Ⅲ"  # TN 5.0 (劣Ⅴ) and fecal coliform do not count
    assert result.loc["R", "status"] == "良好"
    assert result.loc["R", "colour"] == "绿"
    assert result.loc["R", "reference_items"] == "粪大肠菌群 Ⅴ类"
    assert bool(result.loc["R", "meets_target"]) is True
    assert result.loc["L", "class"] == "Ⅰ"
    assert result.loc["L", "reference_items"] == "总氮 Ⅳ类"
    assert result.loc["R", "n_items"] == 2


def test_status_and_colour_of_each_class():
    rows = [(f"s{v}", "nh3n", v) for v in (0.1, 0.4, 0.9, 1.4, 1.9, 2.5)]
    result = classify(samples(rows)).to_pandas().sort_values("class_rank")
    assert result["class"].tolist() == ["Ⅰ", "Ⅱ", "Ⅲ", "Ⅳ", "Ⅴ", "劣Ⅴ"]
    assert result.status.tolist() == ["优", "优", "良好", "轻度污染", "中度污染", "重度污染"]
    assert result.colour.tolist() == ["蓝", "蓝", "绿", "黄", "橙", "红"]


def test_main_pollutants_issue_example():
    rows = [("A", "nh3n", 2.3), ("A", "tp", 0.32), ("A", "cod", 24), ("A", "do", 8), ("A", "ph", 7.2)]
    result = classify(samples(rows)).to_pandas()
    assert result["class"].tolist() == ["劣Ⅴ"]
    assert result.main_pollutants.tolist() == ["氨氮（1.3）、总磷（0.6）、化学需氧量（0.2）"]


def test_heavy_metal_over_iii_comes_first_and_at_most_three():
    rows = [("A", "nh3n", 2.3), ("A", "tp", 0.32), ("A", "cod", 24), ("A", "pb", 0.06), ("A", "codmn", 7)]
    result = classify(samples(rows)).to_pandas()
    assert result.main_pollutants.tolist() == ["铅（0.2）、氨氮（1.3）、总磷（0.6）"]


def test_cyanide_before_worse_class_and_ph_do_without_multiple():
    rows = [("A", "cn", 0.25), ("A", "nh3n", 2.5), ("A", "ph", 9.6), ("A", "do", 1.0)]
    result = classify(samples(rows)).to_pandas()
    # cyanide (劣Ⅴ, priority), then 劣Ⅴ items: NH3-N with 超标倍数 1.5, then pH and DO (no 超标倍数).
    # Cyanide's 超标倍数 (0.25 − 0.2)/0.2 = 0.25 exactly: GB/T 8170 half-even gives 0.2 (2 is even).
    assert result.main_pollutants.tolist() == ["氰化物（0.2）、氨氮（1.5）、pH"]


def test_no_main_pollutants_at_class_iii_or_better():
    result = classify(samples([("A", "cod", 20), ("A", "nh3n", 1.0)])).to_pandas()
    assert result["class"].tolist() == ["Ⅲ"]
    assert result.main_pollutants.isna().all()


def test_lake_tp_multiple_uses_lake_class_iii_limit():
    reg = registry([{"section": "L", "kind": "lake"}])
    result = classify(samples([("L", "tp", 0.08)]), reg).to_pandas()
    assert result.main_pollutants.tolist() == ["总磷（0.6）"]  # (0.08 − 0.05)/0.05


def test_annual_class_from_annual_means_not_monthly_classes():
    rows = [("A", "nh3n", 1.6, False, dt.datetime(2024, m, 10)) for m in (1, 2)]
    rows += [("A", "nh3n", 0.2, False, dt.datetime(2024, m, 10)) for m in range(3, 13)]
    monthly = classify(samples(rows), period="month").to_pandas()
    annual = classify(samples(rows), period="year").to_pandas()
    assert sorted(monthly["class"].tolist()).count("Ⅴ") == 2
    assert annual["class"].tolist() == ["Ⅱ"]  # mean (3.2 + 2.0)/12 = 0.433
    assert annual.period.tolist() == ["2024"]


def test_quarter_and_sample_period_labels():
    rows = [("A", "nh3n", 0.2, False, dt.datetime(2024, 5, 3, 14, 0))]
    assert classify(samples(rows), period="quarter").to_pandas().period.tolist() == ["2024-Q2"]
    assert classify(samples(rows), period="sample").to_pandas().period.tolist() == ["2024-05-03 14:00"]


@settings(max_examples=12, deadline=None)
@given(st.lists(st.floats(min_value=0.0, max_value=3.0, allow_nan=False), min_size=1, max_size=6))
def test_section_class_equals_worst_item_class(values):
    items = ["nh3n", "tp", "codmn", "cod", "bod5", "f"][: len(values)]
    scale = {"nh3n": 1, "tp": 0.2, "codmn": 5, "cod": 15, "bod5": 3, "f": 0.6}
    rows = [("A", item, v * scale[item]) for item, v in zip(items, values, strict=True)]
    table = samples(rows)
    item_cls = item_classes(period_means(table, "sample")).to_pandas()
    section = classify(table).to_pandas()
    assert section.class_rank.iloc[0] == item_cls.class_rank.max()
    expected = [expected_upper_class(UPPER_LIMITS[i], round(v * scale[i], 10))
                for i, v in zip(items, values, strict=True)]
    assert sorted(item_cls.class_rank.tolist()) == sorted(expected)


def test_period_means_ignore_other_years():
    rows = [("A", "nh3n", 0.2, False, dt.datetime(2023, 5, 1)), ("A", "nh3n", 1.8, False, dt.datetime(2024, 5, 1))]
    result = period_means(samples(rows), "year", year=2024).to_pandas()
    assert result.value.tolist() == [1.8]


def test_defect_23_exceedance_multiples_rounded_half_even_on_the_decimal_value():
    # 超标倍数 (C − C_Ⅲ)/C_Ⅲ by GB/T 8170: cyanide 0.25 → 0.25 → 0.2 (2 even); 0.35 → 0.75 → 0.8 (7 odd);
    # the doubles are 0.24999999999999997 and 0.7499999999999998 (float round: 0.2 and 0.7)
    got = classify(samples([("A", "cn", 0.25), ("B", "cn", 0.35), ("C", "nh3n", 1.65)])).to_pandas()
    labels = dict(zip(got.section, got.main_pollutants, strict=True))
    # NH3-N 1.65: (1.65 − 1.0)/1.0 = 0.65 → 0.6 (6 even; float round gives 0.7)
    assert labels == {"A": "氰化物（0.2）", "B": "氰化物（0.8）", "C": "氨氮（0.6）"}
