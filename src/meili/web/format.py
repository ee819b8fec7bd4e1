"""How numbers and dates look on a page. One function per kind of value, so that a page and its golden test agree."""

from __future__ import annotations

import math
from datetime import date, datetime


def number(value: float | int | None, decimals: int | None = None) -> str:
    """A stored number as shown: integers without decimals, others with at most ``decimals`` (default 2) and no
    trailing zeros (31.57, 92.1, 3.73); '—' for none. The stored value itself is kept in the cell's ``data-value``."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    if float(value).is_integer():
        return f"{int(value):,}" if abs(value) >= 10000 else str(int(value))
    text = f"{float(value):.{2 if decimals is None else decimals}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def percent(value: float | None) -> str:
    """A share 0–1 as a percentage with one decimal (0.8 → 80.0%)."""
    return "—" if value is None else f"{value * 100:.1f}%"


def signed(value: float | None, decimals: int = 2) -> str:
    """A change with its sign (+1.2, −0.5, 0)."""
    if value is None:
        return "—"
    shown = number(abs(value), decimals)
    return shown if shown == "0" else ("+" if value > 0 else "−") + shown


def day(value: datetime | date | str | None) -> str:
    if value is None:
        return "—"
    if isinstance(value, str):
        return value[:10]
    return value.date().isoformat() if isinstance(value, datetime) else value.isoformat()
