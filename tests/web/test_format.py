"""How numbers look on a page (hand-worked cases)."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime

import pytest

from meili.web import format as fmt


@pytest.mark.parametrize(("value", "shown"), [
    (29.0, "29"), (31.57, "31.57"), (92.1, "92.1"), (3.7300000001, "3.73"), (0.005, "0.01"), (0.004, "0"),
    (-1.5, "-1.5"), (12345.0, "12,345"), (None, "—"), (math.nan, "—"), (7, "7"), (20.419999, "20.42"),
])
def test_number(value, shown):
    assert fmt.number(value) == shown


@pytest.mark.parametrize(("value", "shown"), [(0.8, "80.0%"), (2.058, "205.8%"), (None, "—"), (0, "0.0%")])
def test_percent(value, shown):
    assert fmt.percent(value) == shown


@pytest.mark.parametrize(("value", "shown"), [(1.2, "+1.2"), (-0.5, "−0.5"), (0.0, "0"), (0.001, "0"), (None, "—")])
def test_signed(value, shown):
    assert fmt.signed(value) == shown


def test_day():
    assert fmt.day(datetime(2026, 12, 3, 23, 59, tzinfo=UTC)) == "2026-12-03"
    assert fmt.day(date(2025, 1, 2)) == "2025-01-02"
    assert fmt.day("2024-05-06T01:02:03") == "2024-05-06"
