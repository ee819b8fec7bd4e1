"""Issue 15 #23: published numbers rounded by GB/T 8170-2008 §3.2 on their decimal value, the same on every engine
(:mod:`meili.standards.rounding`), wherever Meili publishes a rounded number."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_EVEN, Decimal

import ibis
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from meili.standards.air.annual import annual_table, period_statistics
from meili.standards.rounding import mean_rounded, round_array, round_half_even, round_value

# (value, decimals, rounded): the issue's cases and GB/T 8170-2008 §3.2's own examples (修约间隔 0.1, 1, 0.001)
CASES = [
    (0.85, 1, 0.8), (0.65, 1, 0.6), (0.75, 1, 0.8), (2.425, 2, 2.42), (2.435, 2, 2.44),
    (12.1498, 1, 12.1),   # §3.2.1: the digit dropped is below 5 → dropped
    (10.5002, 0, 11.0),   # §3.2.2: 5 followed by non-zero digits → raised
    (1.050, 1, 1.0),      # §3.2.3: exactly 5, kept digit even (0) → dropped
    (0.35, 1, 0.4),       # §3.2.3: exactly 5, kept digit odd (3) → raised
    (-0.0365, 3, -0.036),  # §3.2.4 (negative): the absolute value rounded, the sign kept
    (-0.85, 1, -0.8), (-2.435, 2, -2.44), (35.5, 0, 36.0), (34.5, 0, 34.0), (0.0, 1, 0.0),
]


def _ibis_round(values, decimals):
    t = ibis.memtable(pa.table({"x": pa.array(values, pa.float64())}))
    return t.select(r=round_half_even(t.x, decimals)).to_pyarrow().column("r").to_pylist()


def test_defect_23_gbt8170_cases_in_python_pyarrow_and_ibis():
    for value, decimals, expected in CASES:
        assert round_value(value, decimals) == expected, (value, decimals)
        assert _ibis_round([value], decimals) == [expected], (value, decimals)
        assert round_array(pa.array([value, None]), decimals).to_pylist() == [expected, None]
    # (float round() rounds the binary double instead: round(0.65, 1) is 0.7 and round(2.675, 2) is 2.67)
    assert round_value(2.675, 2) == 2.68 and round_value(0.65, 1) == 0.6


def test_defect_23_binary_noise_of_a_computation_is_the_decimal_it_means():
    # (0.25 − 0.2)/0.2 = 0.24999999999999997 in binary; the decimal is 0.25 → 0.2 (GB/T 8170, 2 is even)
    noisy = (0.25 - 0.2) / 0.2
    assert noisy != 0.25 and round_value(noisy, 1) == 0.2 and _ibis_round([noisy], 1) == [0.2]
    # (0.35 − 0.2)/0.2 = 0.7499999999999998 in binary; the decimal 0.75 → 0.8 (7 is odd)
    noisy = (0.35 - 0.2) / 0.2
    assert round(noisy, 1) == 0.7 and round_value(noisy, 1) == 0.8 and _ibis_round([noisy], 1) == [0.8]


def test_defect_23_nulls_non_finite_and_large_values_pass_through_or_round_alike():
    values = [None, float("nan"), float("inf"), -float("inf"), 1.5e300, 12_345_678.125, -1e12 - 0.5]
    got = _ibis_round(values, 2)
    assert got[0] is None and got[1] != got[1] and got[2:4] == [float("inf"), -float("inf")]
    assert got[4:] == [round_value(v, 2) for v in values[4:]] == [1.5e300, 12_345_678.12, -1e12 - 0.5]
    assert mean_rounded([None, 1, 2], 1) == 1.5 and mean_rounded([None], 1) is None
    with pytest.raises(ValueError):
        round_value(1.0, -1)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.decimals(min_value=-999_999, max_value=999_999, places=6, allow_nan=False, allow_infinity=False),
                min_size=1, max_size=40),
       st.integers(min_value=0, max_value=4))
def test_defect_23_ibis_and_python_agree_with_the_decimal_rule(decimals_list, decimals):
    """On random decimals of ≤ 6 places: Ibis (DuckDB) = Python = Decimal's ROUND_HALF_EVEN on the written number."""
    values = [float(d) for d in decimals_list]
    expected = [float(d.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_EVEN)) for d in decimals_list]
    python = [round_value(v, decimals) for v in values]
    assert python == expected
    assert _ibis_round(values, decimals) == python


def _daily(key, dates, aqi, **values):
    return {"key": [key] * len(dates), "date": dates, "aqi": aqi, "level": [2 if a > 50 else 1 for a in aqi],
            **{k: [v] * len(dates) for k, v in values.items()}}


def _frame(parts):
    data = {k: [x for p in parts for x in p[k]] for k in parts[0]}
    schema = {"key": "string", "date": "date", "aqi": "int64", "level": "int64"}
    return ibis.memtable(data, schema={**schema, **{k: "float64" for k in data if k not in schema}})


def test_defect_23_composite_index_2_425_rounds_to_2_42():
    # I = 6/60 + 16/40 + 35/70 + 21/35 + 0.7/4 + 104/160 = 0.1 + 0.4 + 0.5 + 0.6 + 0.175 + 0.65 = 2.425 exactly;
    # summed in doubles it is 2.4250000000000003 (float round: 2.43); GB/T 8170: 2.42 (2 is even)
    values = {"so2": 6.0, "no2": 16.0, "co": 0.7, "pm10": 35.0, "pm25": 21.0, "o3_8h_max": 104.0}
    assert round(6 / 60 + 16 / 40 + 35 / 70 + 21 / 35 + 0.7 / 4 + 104 / 160, 2) == 2.43
    days = [dt.date(2019, 1, 1) + dt.timedelta(days=i) for i in range(365)]
    s = period_statistics(_frame([_daily("K", days, [40] * 365, **values)]), period="year").to_pyarrow()
    assert s.column("composite_index").to_pylist() == [2.42]


def test_defect_23_good_day_rate_86_25_rounds_to_86_2():
    # a quarter with 80 valid days, 69 good: 86.25 % exactly → 86.2 (2 is even; DuckDB's round gave 86.3)
    days = [dt.date(2019, 1, 1) + dt.timedelta(days=i) for i in range(80)]
    aqi = [40] * 69 + [120] * 11
    t = _frame([_daily("K", days, aqi, so2=6.0, no2=4.0, co=0.4, pm10=7.0, pm25=3.5, o3_8h_max=16.0)])
    s = period_statistics(t, period="quarter").to_pyarrow().to_pylist()[0]
    assert (s["valid_days"], s["good_days"], s["good_rate"]) == (80, 69, 86.2)
    out = annual_table(t, period="quarter").to_pyarrow().to_pylist()[0]
    assert out["good_rate"] == 86.2
