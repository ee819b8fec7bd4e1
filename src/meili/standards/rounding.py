"""Rounding of published numbers (数值修约), exact on the decimal value, the same on every engine.

GB/T 8170-2008 §3.2 (进舍规则): a digit to drop below 5 is dropped; above 5 (or 5 followed by non-zero digits) the
kept digit is raised by one; exactly 5 (nothing after it) raises an odd kept digit and leaves an even one (round
half to even: 0.85 → 0.8, 0.65 → 0.6, 0.75 → 0.8, 2.425 → 2.42, 2.435 → 2.44); negative values are rounded as their
absolute value and the sign kept (§3.3: −0.85 → −0.8).

Float ``round()`` rounds the *binary* double: 2.425 is stored as 2.42499999999999982236431605997495353221893310546875
and 0.65 as 0.65000000000000002220446049250313080847263336181640625, so one engine gives 2.42 and 0.7 where another
gives 2.43 and 0.7 — and neither applies the half-even rule to the number written. Here the value is first put on
an integer grid of 1e-9 (``floor(|x|·1e9 + 0.5)``: for any value with at most 9 decimals below :data:`GRID_LIMIT`
the double nearest to it is within 1e-16 relative of it, so the grid integer is the written number exactly), then
rounded half-even in integers (``%`` and exact division), as :mod:`meili.standards.air.aqi` rounds concentrations.
Binary noise of a computation (``(0.25 − 0.2)/0.2 = 0.24999999999999997``) is absorbed by the grid as well: the
value rounded is the decimal the computation means, 0.25.

Only IEEE double operations (multiply, add, floor, compare) and integer arithmetic are used, so the Ibis expression
(:func:`round_half_even`) gives the same double on any backend, and :func:`round_value` (pure Python) and
:func:`round_array` (pyarrow, for small tables) give the same double as the expression (tested with hypothesis on
random decimals of ≤ 6 places). Values of magnitude ≥ :data:`GRID_LIMIT` (2^53 / 1e9 ≈ 9.0e6, where the grid
integer would no longer be exact in a double) are rounded half-even on their scaled binary value: a double that
large carries no digit beyond 1e-9 to decide a tie with. NULL, NaN and ±∞ pass through.

Where each published number's precision comes from (the clause that asks for the rounding):

- concentrations: integer μg/m³, CO 0.1 mg/m³ — HJ 633-2026 §4.2.2 (``air/tables/rounding.csv``); the PM2.5 annual
  mean of measure 16 is the HJ 663 annual mean so rounded;
- 综合指数 I_sum: 2 decimals, 变化率 2 decimals — 城市环境空气质量排名技术规定 (环办监测〔2018〕19号) [S];
- 优良天数比率 and other rates in %: 1 decimal — as published (城市环境空气质量排名技术规定; 生态环境状况公报) [S];
- 超标倍数 of water items: 1 decimal, section shares in % (18.x, 19.x): 1 decimal — 地表水环境质量评价办法（试行）
  (环办〔2011〕22号) and the bulletins' practice [S].
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import ibis
import ibis.expr.types as ir
import pyarrow as pa

#: Decimals of the exact integer grid.
GRID_DECIMALS = 9
GRID = 10**GRID_DECIMALS
#: Magnitude from which grid integers would exceed 2^53 (no longer exact as doubles): 2^53 / 1e9.
GRID_LIMIT = 2.0**53 / GRID
MAX_DECIMALS = GRID_DECIMALS


def _check_decimals(decimals: int) -> int:
    if not isinstance(decimals, int) or not 0 <= decimals <= MAX_DECIMALS:
        raise ValueError(f"decimals must be an integer from 0 to {MAX_DECIMALS}, not {decimals!r}")
    return decimals


# --- Ibis ---------------------------------------------------------------------------------------------------------
def grid_units(value: ir.NumericValue) -> ir.IntegerValue:
    """A non-negative value on the exact 1e-9 integer grid, ``floor(x·1e9 + 0.5)`` (NULL stays NULL).

    For values below :data:`GRID_LIMIT`; the caller takes the absolute value and guards the range."""
    scaled = value.cast("float64") * ibis.literal(float(GRID), "float64")
    return (scaled + ibis.literal(0.5, "float64")).floor().cast("int64")


def half_even_units(units: ir.IntegerValue, decimals: int) -> ir.IntegerValue:
    """Non-negative grid units (:func:`grid_units`) rounded half-even to ``decimals``, as an integer count of
    10^-decimals (GB/T 8170-2008 §3.2). Integer ``%`` and a division that is exact (the dividend is a multiple of
    the divisor and both are below 2^53), so no engine can round it differently."""
    step = 10 ** (GRID_DECIMALS - _check_decimals(decimals))
    if step == 1:
        return units
    rest = units % step
    quotient = (units - rest) // step
    round_up = (rest * 2 > step) | ((rest * 2 == step) & (quotient % 2 == 1))
    return quotient + round_up.cast("int64")


def round_half_even(value: ir.NumericValue, decimals: int) -> ir.FloatingValue:
    """``value`` rounded to ``decimals`` by GB/T 8170-2008 §3.2 (half to even on the decimal value; negative values
    symmetric), as a double: the double nearest to the rounded decimal (2.425 → 2.42, 2.435 → 2.44, 0.65 → 0.6,
    −0.85 → −0.8). NULL, NaN and ±∞ pass through. See the module docstring for the exactness argument."""
    _check_decimals(decimals)
    x = value.cast("float64")
    magnitude = x.abs()
    scale = ibis.literal(float(10**decimals), "float64")
    finite = x.notnull() & ~x.isnan() & ~x.isinf()
    small = finite & (magnitude < GRID_LIMIT)
    # exact path: the 1e-9 grid, half-even in integers (the input of grid_units is kept below GRID_LIMIT)
    units = half_even_units(grid_units(ibis.ifelse(small, magnitude, ibis.literal(0.0, "float64"))), decimals)
    exact = units.cast("float64") / scale
    # large values: half-even on the scaled double itself (no digit below 1e-9 there to decide a tie)
    # (fmod is exact in IEEE arithmetic; FLOOR would go through a 64-bit integer and overflow)
    big = ibis.ifelse(small | ~finite, ibis.literal(0.0, "float64"), magnitude) * scale
    frac = big % ibis.literal(1.0, "float64")
    floor = big - frac
    up = (frac > 0.5) | ((frac == 0.5) & (floor % ibis.literal(2.0, "float64") == 1.0))
    large = (floor + up.cast("float64")) / scale
    rounded = ibis.ifelse(small, exact, large)
    signed = ibis.ifelse(x < 0, -rounded, rounded)
    return ibis.ifelse(finite, signed, x)


# --- Python and pyarrow twins ---------------------------------------------------------------------------------------
def round_value(x: float | int | None, decimals: int) -> float | None:
    """Pure-Python twin of :func:`round_half_even`: the same double for the same input (GB/T 8170-2008 §3.2).

    >>> [round_value(v, d) for v, d in ((0.85, 1), (0.65, 1), (0.75, 1), (2.425, 2), (2.435, 2), (-0.85, 1))]
    [0.8, 0.6, 0.8, 2.42, 2.44, -0.8]
    """
    _check_decimals(decimals)
    if x is None:
        return None
    x = float(x)
    if not math.isfinite(x):
        return x
    magnitude = abs(x)
    if magnitude < GRID_LIMIT:
        units = math.floor(magnitude * float(GRID) + 0.5)
        step = 10 ** (GRID_DECIMALS - decimals)
        quotient, rest = divmod(units, step)
        if rest * 2 > step or (rest * 2 == step and quotient % 2 == 1):
            quotient += 1
        rounded = float(quotient) / float(10**decimals)
    else:
        big = magnitude * float(10**decimals)
        frac = math.fmod(big, 1.0)
        floor = big - frac
        up = frac > 0.5 or (frac == 0.5 and math.fmod(floor, 2.0) == 1.0)
        rounded = (floor + float(up)) / float(10**decimals)
    return -rounded if x < 0 else rounded


def round_values(values: Iterable[float | int | None], decimals: int) -> list[float | None]:
    """:func:`round_value` over an iterable."""
    return [round_value(v, decimals) for v in values]


def round_array(values: pa.Array | pa.ChunkedArray, decimals: int) -> pa.Array:
    """pyarrow twin of :func:`round_half_even` for small tables (a Python loop: use the Ibis expression on data
    paths): a float64 array, nulls kept."""
    return pa.array(round_values(values.to_pylist(), decimals), pa.float64())


def mean_rounded(values: Iterable[float | int | None], decimals: int) -> float | None:
    """The arithmetic mean of the non-null values, rounded by :func:`round_value` (None when there are none).

    The sum is taken exactly (``math.fsum``) so the order of the values cannot change a tie."""
    present = [float(v) for v in values if v is not None]
    if not present:
        return None
    return round_value(math.fsum(present) / len(present), decimals)


__all__ = ["GRID_LIMIT", "grid_units", "half_even_units", "mean_rounded", "round_array", "round_half_even",
           "round_value", "round_values"]
