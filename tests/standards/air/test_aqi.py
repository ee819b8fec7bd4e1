"""IAQI/AQI: the reference page's test values, every breakpoint segment, special rules, rounding, ties."""

from __future__ import annotations

import datetime as dt
import itertools
import math
from fractions import Fraction

import ibis
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from meili.standards.air import tables
from meili.standards.air.aqi import (
    aqi_of,
    exceeding_mask,
    exceeding_pollutants,
    iaqi_lookup,
    indicator_iaqi,
    level_columns,
    mask_names,
    primary_mask,
    primary_pollutants,
    regime_code,
    regime_name,
    rounded_concentration,
)
from tests.helpers.air import iaqi_value, iaqi_values, rounded_units


# --- the reference page's test values (air.md "Test values") -------------------------------------------------
def test_pm25_75_is_100_in_2012():
    assert iaqi_value(75, "pm25_24h", "2012") == 100


def test_pm25_75_is_114_in_2026():
    # 100 + 50·(75 − 60)/(115 − 60) = 1250/11 = 113.6… → 114 (HJ 633-2026 表3)
    assert iaqi_value(75, "pm25_24h", "2026") == 114


def test_pm25_75_4_rounds_to_75_then_iaqi_100():
    assert rounded_units([75.4], "pm25") == [75]
    assert iaqi_value(75.4, "pm25_24h", "2012") == 100


def test_pm25_35_5_half_even_to_36_then_52():
    assert rounded_units([35.5], "pm25") == [36]
    assert iaqi_value(35.5, "pm25_24h", "2012") == 52  # 51.25 → 52


def test_co_3_9_is_98():
    assert iaqi_value(3.9, "co_24h", "2012") == 98  # 97.5 → 98


def test_co_2_45_half_even_to_2_4_then_60():
    assert rounded_units([2.45], "co") == [24]
    assert iaqi_value(2.45, "co_24h", "2012") == 60


def test_pm10_150_is_112_in_2026():
    assert iaqi_value(150, "pm10_24h", "2026") == 112  # 100 + 50·30/130 = 111.5… → 112


def test_o3_8h_161_is_101():
    assert iaqi_value(161, "o3_8h", "2012") == 101
    assert iaqi_value(161, "o3_8h", "2026") == 101


# --- special rules, both regimes -------------------------------------------------------------------------------
def test_so2_1h_900_2012_reports_the_24h_iaqi():
    # HJ 633-2012 表1 注(2): the SO2 IAQI is the one of the 24-h mean, given here as a substitute
    assert iaqi_value(900, "so2_1h", "2012", method="hj633", substitute=87) == 87
    assert iaqi_value(900, "so2_1h", "2012", method="hj633") is None


def test_so2_1h_900_2026_is_200():
    assert iaqi_value(900, "so2_1h", "2026") == 200


def test_so2_1h_900_cnemc_practice_is_200():
    assert iaqi_value(900, "so2_1h", "2012", method="cnemc") == 200


def test_so2_1h_800_is_still_in_table():
    assert iaqi_value(800, "so2_1h", "2012", method="hj633", substitute=1) == 200
    assert iaqi_value(801, "so2_1h", "2012", method="hj633", substitute=1) == 1


def test_o3_8h_850_2012_reports_the_1h_iaqi():
    assert iaqi_value(850, "o3_8h", "2012", substitute=300) == 300


def test_o3_8h_850_2026_is_300():
    assert iaqi_value(850, "o3_8h", "2026") == 300


def test_above_the_top_is_capped_at_500():
    assert iaqi_values([500, 501, 9999], "pm25_24h", "2012") == [500, 500, 500]
    assert iaqi_value(3841, "no2_1h", "2026") == 500


# --- every breakpoint segment and both ends -------------------------------------------------------------------
def _exact(c_units: int, segments, scale: int) -> int:
    for seg in segments:
        if c_units <= seg.bp_hi * scale:
            value = Fraction(seg.iaqi_hi - seg.iaqi_lo, (seg.bp_hi - seg.bp_lo) * scale) * (c_units - seg.bp_lo * scale)
            return seg.iaqi_lo + math.ceil(value)
    raise AssertionError


@pytest.mark.parametrize("key", sorted(tables.breakpoints()))
def test_every_segment_both_ends_and_inside(key):
    regime, indicator = key
    segments = tables.breakpoints()[key]
    pollutant = indicator.split("_")[0]
    scale = 10 ** tables.rounding_decimals()[pollutant]
    concentrations, expected = [], []
    for seg in segments:
        lo, hi = seg.bp_lo * scale, seg.bp_hi * scale
        for units in (lo, lo + 1, (lo + hi) // 2, hi - 1, hi):
            concentrations.append(units / scale)
            expected.append(_exact(units, segments, scale))
        # the breakpoints themselves give the table's IAQI exactly
        assert _exact(hi, segments, scale) == seg.iaqi_hi
    assert iaqi_values(concentrations, indicator, regime) == expected


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=6000), min_size=1, max_size=30))
def test_iaqi_matches_exact_fractions_and_is_monotone(values):
    segments = tables.breakpoints()[("2012", "no2_1h")]
    got = iaqi_values(values, "no2_1h", "2012")
    expected = [_exact(v, segments, 1) if v <= 3840 else 500 for v in values]
    assert got == expected
    pairs = sorted(zip(values, got, strict=True))
    assert all(a[1] <= b[1] for a, b in itertools.pairwise(pairs))


@settings(max_examples=60, deadline=None)
@given(st.integers(min_value=0, max_value=99_999), st.integers(min_value=0, max_value=3))
def test_half_even_rounding_of_decimal_strings(integer_part, decimals_case):
    # x.5 exactly: half-even; anything else: nearest
    for text, expected in (
        (f"{integer_part}.5", integer_part + (integer_part % 2)),
        (f"{integer_part}.4999", integer_part),
        (f"{integer_part}.5001", integer_part + 1),
    ):
        assert rounded_units([float(text)], "pm25") == [expected]


def test_co_half_even_on_tenths():
    assert rounded_units([2.45, 2.55, 2.451, 0.05, 0.15], "co") == [24, 26, 25, 0, 2]


# --- AQI, primary pollutants with ties, level, colour, exceedance ---------------------------------------------
def _aqi_row(**iaqi):
    t = ibis.memtable({k: [v] for k, v in iaqi.items()}, schema={k: "int64" for k in iaqi})
    iaqis = {k: t[k] for k in iaqi}
    aqi = aqi_of(iaqis)
    cols = {"aqi": aqi, "primary": primary_pollutants(aqi, iaqis),
            "exceeding": exceeding_pollutants(iaqis, "2012"),
            "exceeding_2026": exceeding_pollutants(iaqis, "2026"), **level_columns(aqi)}
    return t.select(**cols).to_pyarrow().to_pylist()[0]


def test_primary_pollutant_ties_are_all_listed():
    row = _aqi_row(so2=20, no2=120, pm10=120, pm25=119)
    assert row["aqi"] == 120
    assert row["primary"] == "NO2,PM10"
    assert row["exceeding"] == "NO2,PM10,PM2.5"
    assert row["exceeding_2026"] is None
    assert (row["level"], row["category"], row["colour"]) == (3, "轻度污染", "#FF7E00")


def test_no_primary_pollutant_at_50_or_below():
    row = _aqi_row(so2=50, pm25=50)
    assert row["aqi"] == 50 and row["primary"] is None and row["level"] == 1 and row["colour"] == "#00E400"


def test_primary_at_51():
    row = _aqi_row(so2=10, pm25=51)
    assert row["primary"] == "PM2.5" and row["level"] == 2 and row["category"] == "良"


@pytest.mark.parametrize(("aqi", "level"), [(0, 1), (50, 1), (51, 2), (100, 2), (101, 3), (150, 3), (151, 4),
                                            (200, 4), (201, 5), (300, 5), (301, 6), (500, 6)])
def test_level_edges(aqi, level):
    assert _aqi_row(pm25=aqi)["level"] == level


# --- the optimised path (one IAQI per distinct concentration, joined back) equals the per-row exact expressions ---
@settings(max_examples=25, deadline=None)
@given(
    st.lists(st.one_of(st.none(), st.integers(min_value=0, max_value=5_000_000).map(lambda n: n / 1000),
                       st.integers(min_value=0, max_value=5000).map(lambda n: n + 0.5)), min_size=1, max_size=60),
    st.sampled_from(sorted({(ind, m) for (_, ind) in tables.breakpoints() for m in ("any", "cnemc", "hj633")})),
)
def test_iaqi_lookup_equals_the_exact_per_row_expressions(values, case):
    indicator, method = case
    pollutant = indicator.split("_")[0]
    t = ibis.memtable({"row": list(range(len(values))), "c": values}, schema={"row": "int64", "c": "float64"})
    lookup = iaqi_lookup(t.c, pollutant, indicator, method=method)
    joined = t.left_join(lookup, t.c == lookup._v)
    units = rounded_concentration(t.c, pollutant)
    for regime, _, _ in tables.regimes():
        reference = t.select("row", v=indicator_iaqi(units, indicator, regime, method=method))
        optimised = joined.select("row", v=joined[f"_i{regime}"])
        ref = {r["row"]: r["v"] for r in reference.to_pyarrow().to_pylist()}
        rows = optimised.to_pyarrow().to_pylist()
        assert len(rows) == len(values)  # the join neither drops nor duplicates rows
        assert {r["row"]: r["v"] for r in rows} == ref


def test_pollutant_masks_decode_to_the_text_of_primary_and_exceeding_pollutants():
    # the numeric hourly result keeps bit masks; the names written at output must equal the text functions',
    # ties, NULL IAQIs and the 2026 regime included (every combination of a few telling values)
    import itertools

    from meili.standards.air.hourly import MASK_BITS

    values = [None, 30, 51, 100, 101, 150]
    names = ("so2", "no2", "pm10", "pm25", "o3_8h")
    rows = [dict(zip(names, combo, strict=True)) for combo in itertools.product(values, repeat=len(names))]
    t = ibis.memtable(rows, schema={k: "int64" for k in names})
    iaqis = {k: t[k] for k in names}
    aqi = aqi_of(iaqis)
    out = t.select(
        text_primary=primary_pollutants(aqi, iaqis),
        mask_primary=mask_names(primary_mask(aqi, iaqis, MASK_BITS), MASK_BITS),
        **{f"text_ex_{r}": exceeding_pollutants(iaqis, r) for r in ("2012", "2026")},
        **{f"mask_ex_{r}": mask_names(exceeding_mask(iaqis, r, MASK_BITS), MASK_BITS) for r in ("2012", "2026")},
        regime=regime_name(regime_code(ibis.literal("2026"))),
    ).to_pyarrow().to_pylist()
    assert len(out) == 6 ** 5
    for row in out:
        assert row["mask_primary"] == row["text_primary"]
        assert row["mask_ex_2012"] == row["text_ex_2012"] and row["mask_ex_2026"] == row["text_ex_2026"] is None
        assert row["regime"] == "2026"


def test_hourly_labels_decode_every_mask_by_the_name_table():
    # hourly_labels joins the masks with mask_name_table: each of the 128 masks, and NULL, must give the text that
    # mask_names gives bit by bit (0 → '', NULL → NULL), and the join must keep every row exactly once
    from meili.standards.air.hourly import MASK_BITS, hourly_labels

    masks = [*range(128), None]
    n = len(masks)
    values = ibis.memtable({
        "station": [f"S{i}" for i in range(n)], "label": [dt.datetime(2019, 1, 1, 1)] * n, "aqi": [60] * n,
        "level": [2] * n, "primary_mask": masks, **{f"iaqi_{p}": [10] * n for p in tables.POLLUTANTS},
        "iaqi_o3_8h": [None] * n, "exceeding_mask": masks[::-1], "regime_code": [0] * n,
    }, schema={"station": "string", "label": "timestamp", "aqi": "int64", "level": "int64", "primary_mask": "int8",
               **{f"iaqi_{p}": "int64" for p in tables.POLLUTANTS}, "iaqi_o3_8h": "int64", "exceeding_mask": "int8",
               "regime_code": "int8"})
    got = {r["station"]: r for r in hourly_labels(values).to_pyarrow().to_pylist()}
    expected = values.select("station", p=mask_names(values.primary_mask, MASK_BITS),
                             e=mask_names(values.exceeding_mask, MASK_BITS)).to_pyarrow().to_pylist()
    assert len(got) == n
    assert all((got[r["station"]]["primary_pollutant"], got[r["station"]]["exceeding_pollutants"]) == (r["p"], r["e"])
               for r in expected)
    assert got["S0"]["primary_pollutant"] == "" and got[f"S{n - 1}"]["primary_pollutant"] is None
    assert got["S127"]["primary_pollutant"] == "SO2,NO2,CO,O3,PM10,PM2.5,O3_8h"
