"""Load the parameter tables of the air standards (``tables/*.csv``, each row citing its clause).

The numbers a standard fixes (breakpoints, limits, validity thresholds, weights) live in these CSV files,
never in Python. This module only reads them and gives them types.
"""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass
from functools import cache
from importlib import resources

POLLUTANTS = ("so2", "no2", "co", "o3", "pm10", "pm25")
DISPLAY_NAMES = {
    "so2": "SO2",
    "no2": "NO2",
    "co": "CO",
    "o3": "O3",
    "o3_1h": "O3_1h",
    "o3_8h": "O3_8h",
    "pm10": "PM10",
    "pm25": "PM2.5",
}


def _rows(name: str) -> list[dict[str, str]]:
    text = resources.files("meili.standards.air").joinpath("tables", name).read_text(encoding="utf-8")
    return list(csv.DictReader(text.splitlines()))


@dataclass(frozen=True)
class Segment:
    """One linear segment of an IAQI breakpoint table (HJ 633 §4.2 式1)."""

    iaqi_lo: int
    iaqi_hi: int
    bp_lo: int
    bp_hi: int


@dataclass(frozen=True)
class AboveTableRule:
    """What to report when a concentration exceeds the top breakpoint of its indicator."""

    action: str  # "fixed" or "use_indicator"
    value: str
    clause: str


@cache
def breakpoints() -> dict[tuple[str, str], tuple[Segment, ...]]:
    """{(regime, indicator): segments in ascending order} from ``iaqi_breakpoints.csv``."""
    out: dict[tuple[str, str], list[Segment]] = {}
    for row in _rows("iaqi_breakpoints.csv"):
        seg = Segment(int(row["iaqi_lo"]), int(row["iaqi_hi"]), int(row["bp_lo"]), int(row["bp_hi"]))
        out.setdefault((row["regime"], row["indicator"]), []).append(seg)
    return {key: tuple(sorted(segs, key=lambda s: s.bp_lo)) for key, segs in out.items()}


@cache
def regimes() -> tuple[tuple[str, dt.date, dt.date], ...]:
    """(regime, first day, last day) from ``regimes.csv``."""
    return tuple(
        (r["regime"], dt.date.fromisoformat(r["valid_from"]), dt.date.fromisoformat(r["valid_to"]))
        for r in _rows("regimes.csv")
    )


def regime_of_day(day: dt.date) -> str:
    """The regime whose rules apply to a natural day (scalar helper for tests and labels)."""
    for name, first, last in regimes():
        if first <= day <= last:
            return name
    raise ValueError(f"no regime for {day}")


@cache
def above_table_rule(regime: str, method: str, indicator: str) -> AboveTableRule:
    """The most specific row of ``above_table.csv`` for (regime, method, indicator)."""
    rows = _rows("above_table.csv")
    for want_regime, want_method, want_indicator in (
        (regime, method, indicator),
        (regime, "any", indicator),
        ("any", "any", "default"),
    ):
        for r in rows:
            if (r["regime"], r["method"], r["indicator"]) == (want_regime, want_method, want_indicator):
                return AboveTableRule(r["action"], r["value"], r["clause"])
    raise KeyError((regime, method, indicator))  # pragma: no cover - the default row always exists


@cache
def levels() -> tuple[dict[str, str], ...]:
    """AQI levels, categories and colours (HJ 633-2012 表2, 表A.1)."""
    return tuple(_rows("levels.csv"))


@cache
def validity() -> dict[str, int]:
    """Data-validity thresholds (GB 3095 表4, HJ 663) by name."""
    return {r["name"]: int(r["value"]) for r in _rows("validity.csv")}


@cache
def rounding_decimals() -> dict[str, int]:
    """Decimals kept when a concentration is rounded (GB/T 8170; HJ 633-2026 §4.2.2)."""
    return {r["pollutant"]: int(r["decimals"]) for r in _rows("rounding.csv")}


@cache
def limits() -> tuple[dict[str, object], ...]:
    """GB 3095 limits with their validity dates and class."""
    return tuple(
        {
            "edition": r["edition"],
            "valid_from": dt.date.fromisoformat(r["valid_from"]),
            "valid_to": dt.date.fromisoformat(r["valid_to"]),
            "class": int(r["class"]),
            "indicator": r["indicator"],
            "limit": float(r["limit"]),
        }
        for r in _rows("limits.csv")
    )


def limit_on(day: dt.date, indicator: str, klass: int = 2) -> float:
    """The GB 3095 limit of ``indicator`` in force on ``day`` for class ``klass``."""
    for r in limits():
        if r["indicator"] == indicator and r["class"] == klass and r["valid_from"] <= day <= r["valid_to"]:
            return float(r["limit"])  # type: ignore[arg-type]
    raise KeyError((day, indicator, klass))


@cache
def percentiles() -> tuple[dict[str, str], ...]:
    """HJ 663 percentile statistics: indicator, daily series, percentile, limit indicator."""
    return tuple(_rows("percentiles.csv"))


@cache
def composite_index_weights() -> tuple[dict[str, str], ...]:
    """综合指数 terms: indicator, standard value S_i, weight (环办监测〔2018〕19号)."""
    return tuple(_rows("composite_index.csv"))
