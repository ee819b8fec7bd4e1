"""Reading target and baseline cell texts: every kind the 附表 uses, and errors for the rest."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from meili.plan import Direction, TargetKind, TargetTextError, parse_baseline, parse_target

H, L = Direction.HIGHER, Direction.LOWER


@pytest.mark.parametrize(
    ("text", "direction", "op", "value", "implicit"),
    [
        ("≥10", H, ">=", 10.0, False),
        ("<3.5", L, "<", 3.5, False),
        ("≥2.20", H, ">=", 2.2, False),
        ("35", H, ">=", 35.0, True),      # a bare number read with the direction
        ("25.5", L, "<=", 25.5, True),    # PM2.5: lower is better, so ≤ 25.5
        ("96%", H, ">=", 96.0, True),
        ("97.2%", H, ">=", 97.2, True),
    ],
)
def test_bounds(text, direction, op, value, implicit):
    t = parse_target(text, direction)
    assert (t.kind, t.op, t.value, t.implicit_op, t.text) == (TargetKind.BOUND, op, value, implicit, text)


def test_bound_met_respects_strictness():
    assert parse_target("<1.3", L).met_by(1.29) and not parse_target("<1.3", L).met_by(1.3)
    assert parse_target("≥95", H).met_by(95) and not parse_target("≥95", H).met_by(94.99)
    assert parse_target("25.5", L).met_by(25.5) and not parse_target("25.5", L).met_by(25.6)


def test_range():
    t = parse_target("3~5", H)
    assert (t.kind, t.low, t.high) == (TargetKind.RANGE, 3.0, 5.0)
    assert t.met_by(3) and t.met_by(5) and not t.met_by(2.9) and not t.met_by(5.1)
    # with the measure's direction, beyond the range on the better side meets it (methodology §4.2)
    assert t.met_by(5.1, H) and not t.met_by(2.9, H) and t.met_by(2.9, L) and not t.met_by(5.1, L)
    with pytest.raises(TargetTextError):
        parse_target("8~5", H)


def test_cumulative_change():
    t = parse_target("[22.01]", H)
    assert (t.kind, t.value, t.op) == (TargetKind.CUMULATIVE, 22.01, ">=")


@pytest.mark.parametrize("word", ["持续提升", "保持稳定", "稳定下降", "逐步下降", "持续改善", "巩固提升", "稳定控制", "保持长治久清"])
def test_trends(word):
    t = parse_target(word, H)
    assert (t.kind, t.trend) == (TargetKind.TREND, word)


@pytest.mark.parametrize(
    ("text", "who", "op"),
    [("按省下达目标", "province", None), ("按省下达任务执行", "province", None), ("不低于国家下发数据", "nation", ">=")],
)
def test_delegated(text, who, op):
    t = parse_target(text, H)
    assert (t.kind, t.assigned_by, t.op) == (TargetKind.DELEGATED, who, op)


def test_states_only_within_the_vocabulary():
    vocab = ["初步建立", "基本健全", "基本实现现代化"]
    assert parse_target("基本实现现代化", H, vocab).state == "基本实现现代化"
    with pytest.raises(TargetTextError, match="基本建立"):
        parse_target("基本建立", H, vocab)  # not this measure's vocabulary


def test_none_and_unreadable():
    assert parse_target("—", H).kind == TargetKind.NONE
    with pytest.raises(TargetTextError, match="unreadable target '大约十个'"):
        parse_target("大约十个", H)


def test_baselines():
    assert parse_baseline("92.2*", 2020, 2021).model_dump(include={"year", "kind", "value"}) == {
        "year": 2021, "kind": "value", "value": 92.2}
    b = parse_baseline("≥93", 2020, 2021)
    assert (b.kind, b.op, b.value, b.year) == ("bound", ">=", 93.0, 2020)
    assert parse_baseline("[22.01]", 2020, 2021).kind == "cumulative"
    assert parse_baseline("—", 2020, 2021).kind == "none"
    assert parse_baseline("基本健全", 2020, 2021, ["基本健全"]).state == "基本健全"
    with pytest.raises(TargetTextError):
        parse_baseline("基本健全", 2020, 2021)


@given(st.decimals(min_value=0, max_value=99999, places=3).map(lambda d: format(d.normalize(), "f")),
       st.sampled_from(["≥", ">", "≤", "<", ""]), st.sampled_from(["", "%"]), st.sampled_from([H, L]))
def test_any_written_bound_reads_back_its_number(x, op, pct, direction):
    text = f"{op}{x}{pct}"
    t = parse_target(text, direction)
    assert t.kind == TargetKind.BOUND and t.value == float(x) and t.text == text
    assert t.implicit_op == (op == "")


@given(st.text(max_size=12))
def test_parser_never_crashes_otherwise(text):
    try:
        t = parse_target(text, H)
    except TargetTextError:
        return
    assert t.text == text
