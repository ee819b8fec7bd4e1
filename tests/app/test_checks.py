"""The checks of a submission, worked by hand: year-on-year change, the robust z-score among 20 units, the soft
range, identities, and what counts as an explanation."""

from __future__ import annotations

import pytest

from meili.app.checks import (
    Context,
    explanation_problem,
    identities,
    load_rules,
    missing_cells,
    modified_z,
    soft_checks,
    yoy_change_pct,
)
from meili.errors import InputError

RULES = load_rules()


def ctx(previous=None, peers=None, others=None, soft=None) -> Context:
    return Context("ganzhou", previous or {}, peers or {}, others or {}, soft or {})


def test_the_rules_file_reads_and_names_its_numbers():
    assert RULES.defaults.robust_z == 3.5 and RULES.defaults.yoy_pct == 30
    assert RULES.yoy_pct("ganzhou", "11.1") == 5      # forest cover: tight
    assert RULES.yoy_pct("ganzhou", "29") == 30       # no rule of its own: the default
    assert {i.id for i in RULES.identities["ganzhou"]} >= {"water_class_ii_within_iii"}


def test_a_bad_rules_file_names_the_field(tmp_path):
    bad = tmp_path / "checks.yaml"
    bad.write_text("version: 1\nexplanation: {min_chars: 0, stock_phrases: []}\n"
                   "defaults: {yoy_pct: 30, robust_z: 3.5, min_units: 8}\nsurprise: 1\n", encoding="utf-8")
    with pytest.raises(InputError) as e:
        load_rules(bad)
    assert {p.column for p in e.value.problems} == {"explanation.min_chars", "surprise"}


# --- year on year ------------------------------------------------------------------------------------------
def test_a_fifty_percent_jump_is_flagged_and_a_quarter_is_not():
    # 29 海绵城市建设面积占比 (default threshold 30 %): 20 → 30 is +50 %, 20 → 25 is +25 %
    assert yoy_change_pct(30, 20) == 50.0
    found = soft_checks([{"region": "360722", "measure": "29", "value": 30.0}], ctx(previous={("360722", "29"): 20.0}))
    assert [(f.rule, f.severity, f.accepted) for f in found] == [("yoy_change", "soft", False)]
    assert "+50.0%" in found[0].detail.zh and "±30%" in found[0].detail.en
    assert soft_checks([{"region": "360722", "measure": "29", "value": 25.0}],
                       ctx(previous={("360722", "29"): 20.0})) == []


def test_no_previous_value_or_zero_means_no_year_on_year_check():
    assert yoy_change_pct(5, None) is None and yoy_change_pct(5, 0) is None


# --- robust z among the 20 units ----------------------------------------------------------------------------
# Wetland protection rates of 20 units: 60, 61, …, 78 and 97.
# median of 20 = (69 + 70) / 2 = 69.5; |x − 69.5| = 0.5, 0.5, 1.5, 1.5, …, 8.5, 8.5, 9.5 (for 60) and 27.5 (97);
# sorted, the 10th and 11th are 4.5 and 5.5, so MAD = 5.0.
# M(97) = 0.6745 × 27.5 / 5 = 3.70975 > 3.5; M(78) = 0.6745 × 8.5 / 5 = 1.14665; M(60) = 0.6745 × −9.5 / 5 = −1.28155.
UNITS = [f"u{i:02d}" for i in range(20)]
WETLAND = dict(zip(UNITS, [*range(60, 79), 97], strict=True))


def test_modified_z_by_hand():
    z = modified_z({k: float(v) for k, v in WETLAND.items()})
    assert z["u19"] == pytest.approx(3.70975, abs=1e-4)
    assert z["u18"] == pytest.approx(1.14665, abs=1e-4)
    assert z["u00"] == pytest.approx(-1.28155, abs=1e-4)


def test_the_outlier_among_twenty_is_flagged_and_its_neighbours_are_not():
    peers = {"12": {k: float(v) for k, v in WETLAND.items()}}
    flagged = soft_checks([{"region": "u19", "measure": "12", "value": 97.0}], ctx(peers=peers))
    assert [f.rule for f in flagged] == ["robust_z"] and "3.71" in flagged[0].detail.en
    assert soft_checks([{"region": "u18", "measure": "12", "value": 78.0}], ctx(peers=peers)) == []
    # 95 instead of 97: M = 0.6745 × 25.5 / 5 = 3.43995, below 3.5
    peers["12"]["u19"] = 95.0
    assert soft_checks([{"region": "u19", "measure": "12", "value": 95.0}], ctx(peers=peers)) == []


def test_too_few_units_or_no_spread_computes_no_z_score():
    few = {"12": {k: float(v) for k, v in list(WETLAND.items())[-5:]}}
    assert soft_checks([{"region": "u19", "measure": "12", "value": 97.0}], ctx(peers=few)) == []
    assert modified_z({"a": 1.0, "b": 1.0, "c": 1.0, "d": 9.0}) == {}  # MAD 0


def test_the_soft_range_of_the_rules_file_overrides_the_plans():
    # 22.2 drinking-water compliance: checks.yaml says min 90 (the plan's soft range starts at 80)
    found = soft_checks([{"region": "360722", "measure": "22.2", "value": 85.0}], ctx(soft={"22.2": (80, 100)}))
    assert [f.rule for f in found] == ["soft_range"] and "90–100" in found[0].detail.zh


# --- explanations --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("text", ["无", "正常", "同上", "已核实", "ok", "OK", "n/a", "N/A", "已核实，正常", "  无  ",
                                  "正常正常正常正常正常", None, ""])
def test_a_stock_phrase_or_nothing_is_refused(text):
    assert explanation_problem(text) is not None


def test_a_short_explanation_is_refused_and_says_how_short():
    why = explanation_problem("口径变")
    assert why is not None and "3" in why.zh and "8" in why.en


@pytest.mark.parametrize("text", ["2024年新建两座湿地公园，保护面积增加", "因统计口径由林业局调整为自然资源局，数值不可比",
                                  "New wetland park opened in 2024, protected area grew"])
def test_a_real_explanation_is_accepted(text):
    assert explanation_problem(text) is None


def test_a_soft_finding_with_a_real_explanation_is_accepted_and_with_a_stock_phrase_is_not():
    entry = {"region": "360722", "measure": "29", "value": 30.0}
    prev = ctx(previous={("360722", "29"): 20.0})
    assert not soft_checks([entry | {"explanation": "已核实"}], prev)[0].accepted
    good = soft_checks([entry | {"explanation": "2024年中心城区新增海绵城市改造片区三处"}], prev)[0]
    assert good.accepted and not good.blocking


# --- hard checks -----------------------------------------------------------------------------------------
def test_class_ii_share_above_class_iii_share_breaks_an_identity():
    entries = [{"region": "360722", "measure": "19.1", "value": 95.0}, {"region": "360722", "measure": "18.2",
                                                                        "value": 90.0}]
    found = identities(entries, ctx())
    assert [(f.rule, f.severity) for f in found] == [("identity:water_class_ii_within_iii", "hard")]
    # within the tolerance (rounding): 90.04 ≤ 90 + 0.05
    assert identities([entries[0] | {"value": 90.04}, entries[1]], ctx()) == []


def test_an_identity_uses_stored_values_of_the_same_region_and_skips_a_state():
    found = identities([{"region": "360722", "measure": "19.2", "value": 15.0}], ctx(others={("360722", "18.2"): 90.0}))
    assert [f.rule for f in found] == ["identity:water_good_and_poor_disjoint"]  # 90 + 15 > 100
    assert identities([{"region": "360722", "measure": "19.2", "value": None, "state": "基本消除"}],
                      ctx(others={("360722", "18.2"): 90.0})) == []


def test_a_required_cell_needs_a_value_or_a_reason():
    found = missing_cells([("r", "1"), ("r", "2"), ("r", "3")],
                          [{"region": "r", "measure": "1", "value": 3.0}, {"region": "r", "measure": "2",
                                                                           "missing_reason": "尚未监测"}])
    assert [(f.measure, f.rule) for f in found] == [("3", "missing_cell")]
