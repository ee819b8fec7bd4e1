"""Every phrase of meili.report.wording, with the arithmetic worked by hand in the comments."""

from __future__ import annotations

import pytest

from meili.report import wording as w
from meili.report.model import Ref


@pytest.mark.parametrize(("now", "before", "metric", "phrase"), [
    (34, 36, "pm25", "同比下降5.6%"),          # (34 − 36)/36 = −5.555…% → 5.6
    (38, 36, "pm25", "同比上升5.6%"),          # +2/36 = 5.555…% → 5.6
    (36, 36, "pm25", "同比持平"),
    (35.4, 34.6, "pm25", "同比持平"),          # both print 35 (GB/T 8170): the printed change is 0
    (34.5, 35.5, "pm25", "同比下降5.6%"),       # half-even: 34.5 → 34, 35.5 → 36; −2/36
    (1.3, 1.2, "co_p95", "同比上升8.3%"),       # CO to 0.1: 0.1/1.2 = 8.333…% → 8.3
    (4.19, 4.47, "composite_index", "同比下降6.3%"),  # −0.28/4.47 = −6.2639…% → 6.3
    (93.5, 90.3, "good_rate", "同比上升3.2个百分点"),  # rates: 93.5 − 90.3 = 3.2 points
    (85.05, 85.0, "good_rate", "同比持平"),     # 85.05 → 85.0 (half-even): 0 points
    (85.15, 85.0, "good_rate", "同比上升0.2个百分点"),  # 85.15 → 85.2
    (77.4, 80.6, "good_rate", "同比下降3.2个百分点"),
])
def test_change_phrases(now, before, metric, phrase):
    assert w.change_phrase(w.change(now, before, metric)) == phrase


def test_a_relative_change_that_rounds_to_zero_is_flat():
    # 2001 against 2000 μg/m³: 1/2000 = 0.05 % → 0.0 (half-even, 0 is even): 持平, not "上升0.0%"
    assert w.change_phrase(w.change(2001, 2000, "pm25")) == "同比持平"
    # 2003 against 2000: 0.15 % → 0.2
    assert w.change_phrase(w.change(2003, 2000, "pm25")) == "同比上升0.2%"


def test_no_change_without_both_values_or_from_zero():
    assert w.change(None, 36, "pm25").direction == "none"
    assert w.change_phrase(w.change(5, 0, "pm25")) == ""
    assert w.change_phrase(w.change(5, None, "good_rate")) == ""


def test_change_runs_carry_a_number_with_its_inputs():
    refs = [Ref(1, "results", {"metric": "pm25"}, "value"), Ref(1, "results", {"metric": "pm25", "year": 2018}, "value")]
    runs = w.change_runs(w.change(34, 36, "pm25"), refs)
    assert runs[0] == "同比下降" and runs[2] == "%"
    assert runs[1].text == "5.6" and runs[1].inputs == tuple(refs) and runs[1].ref is None
    assert w.change_runs(w.change(36, 36, "pm25"), refs) == ["同比持平"]
    cell = w.change_number(w.change(38, 36, "pm25"), refs)
    assert cell.text == "+5.6"
    assert w.change_number(w.change(None, 36, "pm25"), refs).text == "—"


@pytest.mark.parametrize(("value", "metric", "text"), [
    (35.5, "pm25", "36"), (34.5, "pm25", "34"), (1.25, "co_p95", "1.2"), (1.35, "co_p95", "1.4"),
    (93.45, "good_rate", "93.4"), (100, "good_rate", "100.0"), (3.675, "composite_index", "3.68"),
    (4.0, "composite_index", "4.00"), (None, "pm25", "—"),
])
def test_rounding_as_published(value, metric, text):
    assert w.number(value, metric).text == text


def test_target_phrases():
    assert w.target_phrase(24.6, 25.5, "pm25", lower_is_better=True) == "优于年度目标"   # 25 < 26 (printed)
    assert w.target_phrase(25.4, 25.0, "pm25", lower_is_better=True) == "达到年度目标"   # both print 25
    assert w.target_phrase(92.9, 96, "good_rate", lower_is_better=False) == "未达到年度目标"


def test_ties_share_the_best_rank_and_skip_the_next():
    # two-way tie: 3.15, 3.15, 3.17 → 1, 1, 3
    assert w.competition_ranks([3.15, 3.15, 3.17]) == [1, 1, 3]
    # three-way tie in the middle: next rank skips two places
    assert w.competition_ranks([1.0, 2.0, 2.0, 2.0, 3.0]) == [1, 2, 2, 2, 5]
    # descending (优良天数比率: higher first), with None unranked
    assert w.competition_ranks([80.6, 93.5, None, 80.6], ascending=False) == [2, 1, None, 2]
    ranks = [1, 2, 2, 2, 5]
    assert w.tied(ranks) == {2}
    assert [w.rank_cell(r, r in w.tied(ranks)) for r in ranks] == ["1", "2（并列）", "2（并列）", "2（并列）", "5"]
    assert w.rank_text(2, True) == "并列第2名" and w.rank_text(5, False) == "第5名" and w.rank_text(None, False) == "无排名"


def test_ranking_by_several_keys():
    # good rate descending, then PM2.5 ascending: (80.6, 51) and (80.6, 54) split; (83.9, 50) twice stays tied
    rows = [(80.6, 51), (80.6, 54), (83.9, 50), (83.9, 50)]
    ranks = w.rank_keys(rows, [lambda r: -r[0], lambda r: r[1]])
    assert ranks == [3, 4, 1, 1]


def test_rank_change_words():
    assert [w.rank_change_text(c) for c in (2, -1, 0, None)] == ["上升2位", "下降1位", "持平", "—"]


def test_first_and_last_n_take_in_ties_at_the_boundary():
    ranks = [1, 2, 3, 3, 5, 6]
    assert w.first_n(ranks, 3) == [0, 1, 2, 3]      # 3rd place is shared by two: both listed (4 names)
    assert w.first_n(ranks, 2) == [0, 1]
    assert w.last_n(ranks, 3) == [5, 4, 3, 2]       # 6, 5, then the shared 3rd place twice
    assert w.last_n([1, 2, 2, 4], 10) == [3, 2, 1, 0]  # fewer rows than n: all
    # ten places with a three-way tie at the 10th: 12 names
    ranks = [*range(1, 10), 10, 10, 10, 13]
    assert len(w.first_n(ranks, 10)) == 12
    assert w.first_n([], 10) == [] and w.last_n([None], 10) == []
