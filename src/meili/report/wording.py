"""How numbers and changes are written in the bureau's documents: one function per kind of number, one per phrase.

Every printed number of a report goes through a function here, so a document and its tests agree and the wording
is mechanical (issue #17):

- **Rounding** as published, by GB/T 8170-2008 §3.2 (half to even on the decimal value:
  :func:`meili.standards.rounding.round_value`): concentrations in whole μg/m³ and CO in 0.1 mg/m³ (HJ 633-2026
  §4.2.2), rates (优良天数比率, shares of sections) and percentage changes to 0.1, 综合指数 and CWQI to 0.01
  (环办监测〔2018〕19号, 环办监测〔2017〕51号 practice) — :data:`DECIMALS`.
- **Changes are computed from the printed numbers** (34 against 36 μg/m³ is "同比下降5.6%": (34 − 36)/36 =
  −5.555…% → 5.6), so a reader can redo every change from the table; a change that rounds to 0 is "持平".
  Concentrations, 综合指数 and CWQI change in per cent (同比下降/上升 x%); rates in 个百分点.
- **Ties** share the best rank and the next rank is skipped (1, 2, 2, 4): :func:`competition_ranks`; a shared rank
  is written "并列第2" in text and "2（并列）" in a table cell. Lists of the first or last *n* take in every region
  tied at the boundary (:func:`first_n`, :func:`last_n`: "出现并列一并列入").
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

from meili.report.model import Number, Ref
from meili.standards.rounding import round_value

__all__ = [
    "DECIMALS", "Change", "change", "change_phrase", "competition_ranks", "decimals_for", "first_n", "fmt",
    "last_n", "number", "rank_cell", "rank_text", "target_phrase",
]

#: Decimals of each metric as published (a metric not listed: 2). Concentrations μg/m³ → 0, CO mg/m³ → 1.
DECIMALS: dict[str, int] = {
    "so2": 0, "no2": 0, "pm10": 0, "pm25": 0, "o3_8h_p90": 0, "so2_p98": 0, "no2_p98": 0, "pm10_p95": 0,
    "pm25_p95": 0, "co_p95": 1,
    "good_rate": 1, "change_rate": 1, "share_class_1_3": 1, "share_class_1_2": 1, "share_class_5_or_worse": 1,
    "share_worse_than_5": 1, "cwqi_change_rate": 1, "percent": 1, "level_share": 1,
    "composite_index": 2, "cwqi": 2, "score": 2,
    "good_days": 0, "valid_days": 0, "rank": 0, "n_sections": 0, "count": 0,
    **{f"days_level_{n}": 0 for n in range(1, 7)},
}
#: How each metric changes: per cent of the previous value, or percentage points (rates).
RELATIVE = frozenset({"so2", "no2", "pm10", "pm25", "o3_8h_p90", "co_p95", "so2_p98", "no2_p98", "pm10_p95",
                      "pm25_p95", "composite_index", "cwqi"})


def decimals_for(metric: str) -> int:
    return DECIMALS.get(metric, 2)


def fmt(value: float | int | None, decimals: int) -> str:
    """``value`` rounded half-even (GB/T 8170) to ``decimals`` and written with exactly that many ("—" for none):
    fmt(35.5, 0) = "36", fmt(34.5, 0) = "34", fmt(0.85, 1) = "0.8", fmt(3.0, 2) = "3.00"."""
    if value is None or (isinstance(value, float) and value != value):
        return "—"
    rounded = round_value(value, decimals)
    text = f"{rounded:.{decimals}f}"
    return "0" + text[2:] if text.startswith("-0") and float(text) == 0 else text.replace("-", "−")


def rounded(value: float | int | None, metric: str) -> float | None:
    """The value as printed for ``metric``, as a number (None stays None)."""
    return None if value is None else round_value(value, decimals_for(metric))


def number(value: float | int | None, metric: str, ref: Ref | None = None, *, decimals: int | None = None,
           suffix: str = "") -> Number:
    """A stored value as a :class:`Number` printed for ``metric`` (its decimals) with its reference."""
    d = decimals_for(metric) if decimals is None else decimals
    text = fmt(value, d)
    return Number(text + (suffix if text != "—" else ""), value, ref,
                  rounding=f"{d} decimals, GB/T 8170-2008 half-even")


# --- changes ---------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Change:
    """A change between two printed values: ``direction`` (down/up/flat/none), ``amount`` (rounded, ≥ 0, or None)
    and the unit it is in (``%`` of the previous value, or ``个百分点``)."""

    direction: Literal["down", "up", "flat", "none"]
    amount: float | None
    unit: Literal["%", "个百分点", ""]
    signed: float | None  # the rounded change with its sign (None when there is none)


def change(current: float | None, previous: float | None, metric: str, *, relative: bool | None = None,
           decimals: int = 1) -> Change:
    """The change from ``previous`` to ``current`` as published: both rounded as printed for ``metric``, then the
    difference in per cent of the previous value (concentrations, indices) or in 个百分点 (rates), rounded to
    ``decimals`` (GB/T 8170). A change that rounds to 0 is ``flat``; no value, or a relative change from 0, is
    ``none``."""
    rel = metric in RELATIVE if relative is None else relative
    unit: Literal["%", "个百分点"] = "%" if rel else "个百分点"
    if current is None or previous is None:
        return Change("none", None, unit, None)
    d = decimals_for(metric)
    now, before = Decimal(fmt(current, d).replace("−", "-")), Decimal(fmt(previous, d).replace("−", "-"))
    if rel:
        if before == 0:
            return Change("none", None, unit, None)
        diff = (now - before) / before * 100
    else:
        diff = now - before
    amount = round_value(float(diff), decimals)
    if amount == 0:
        return Change("flat", 0.0, unit, 0.0)
    return Change("down" if amount < 0 else "up", abs(amount), unit, amount)


_WORDS = {"down": "下降", "up": "上升", "flat": "持平"}


def change_phrase(c: Change, *, lead: str = "同比", decimals: int = 1) -> str:
    """"同比下降5.6%", "同比上升2.3个百分点", "同比持平"; "" when there is no change to state. ``lead``: 同比 (same
    period last year), 环比 (previous period), "较2020年" …. The direction only: whether it is better is the
    reader's (the bureau's texts say 下降/上升, not 改善/变差)."""
    if c.direction == "none":
        return ""
    if c.direction == "flat":
        return f"{lead}持平"
    return f"{lead}{_WORDS[c.direction]}{fmt(c.amount, decimals)}{c.unit}"


def change_runs(c: Change, inputs: Sequence[Ref], *, lead: str = "同比", decimals: int = 1) -> list[str | Number]:
    """:func:`change_phrase` as runs whose amount is a :class:`Number` computed from ``inputs``:
    ["同比下降", Number("5.6"), "%"], ["同比持平"], or [] when there is no change to state."""
    if c.direction == "none":
        return []
    if c.direction == "flat":
        return [f"{lead}持平"]
    amount = Number(fmt(c.amount, decimals), c.amount, None, tuple(inputs),
                    rounding=f"from printed values; {decimals} decimals, GB/T 8170-2008 half-even")
    return [f"{lead}{_WORDS[c.direction]}", amount, c.unit]


def change_number(c: Change, inputs: Sequence[Ref], *, decimals: int = 1, signed: bool = True) -> Number:
    """A change as a table cell ("−5.6", "+2.3", "0.0", "—"): a number computed in the document from ``inputs``."""
    if c.signed is None:
        return Number("—", None, None, tuple(inputs), rounding="no change computable")
    text = fmt(c.signed, decimals)
    if signed and c.signed > 0:
        text = "+" + text
    return Number(text, c.signed, None, tuple(inputs),
                  rounding=f"from printed values; {decimals} decimals, GB/T 8170-2008 half-even")


def target_phrase(value: float | None, target: float | None, metric: str, *, lower_is_better: bool,
                  what: str = "年度目标") -> str:
    """"优于年度目标", "达到年度目标", "未达到年度目标" from the printed value and target ("" without both)."""
    if value is None or target is None:
        return ""
    v, t = rounded(value, metric), rounded(target, metric)
    assert v is not None and t is not None
    if v == t:
        return f"达到{what}"
    better = v < t if lower_is_better else v > t
    return f"优于{what}" if better else f"未达到{what}"


# --- ranks -----------------------------------------------------------------------------------------------------------
def competition_ranks(values: Sequence[float | None], *, ascending: bool = True) -> list[int | None]:
    """Ranks with ties sharing the best rank and the next ranks skipped (standard competition ranking, 1-2-2-4), as
    the ranking rules of 环办监测〔2018〕19号 and 〔2017〕51号 rank equal values equal. None ranks None."""
    present = sorted((v if ascending else -v) for v in values if v is not None)
    first: dict[float, int] = {}
    for i, v in enumerate(present):
        first.setdefault(v, i + 1)
    return [None if v is None else first[v if ascending else -v] for v in values]


def rank_keys(rows: Sequence[Any], keys: Sequence[Callable[[Any], float | None]]) -> list[int | None]:
    """Competition ranks over several keys in turn (the first decides, the next breaks its ties …); a row with any
    key None ranks None. Each key returns a number where smaller ranks first (negate for "higher is better")."""
    tuples = [tuple(k(r) for k in keys) for r in rows]
    ordered = sorted(t for t in tuples if None not in t)
    first: dict[tuple, int] = {}
    for i, t in enumerate(ordered):
        first.setdefault(t, i + 1)
    return [None if None in t else first[t] for t in tuples]


def tied(ranks: Sequence[int | None]) -> set[int]:
    """The ranks held by more than one row."""
    seen: dict[int, int] = {}
    for r in ranks:
        if r is not None:
            seen[r] = seen.get(r, 0) + 1
    return {r for r, n in seen.items() if n > 1}


def rank_text(rank: int | None, is_tied: bool) -> str:
    """"第3名", "并列第2名"; "无排名" for none."""
    if rank is None:
        return "无排名"
    return f"{'并列' if is_tied else ''}第{rank}名"


def rank_cell(rank: int | None, is_tied: bool) -> str:
    """A table's rank cell: "3", "2（并列）", "—"."""
    if rank is None:
        return "—"
    return f"{rank}（并列）" if is_tied else str(rank)


def rank_change_text(change: int | None) -> str:
    """A rank change (previous rank − rank): "上升2位", "下降1位", "持平", "—" (no previous rank)."""
    if change is None:
        return "—"
    if change == 0:
        return "持平"
    return f"上升{change}位" if change > 0 else f"下降{-change}位"


def first_n(ranks: Sequence[int | None], n: int) -> list[int]:
    """Indexes of the rows in the first ``n`` places, ties at the boundary included ("出现并列一并列入"): every
    row whose rank is at most the rank of the n-th row in rank order. In rank order (stable for equal ranks)."""
    order = sorted((i for i, r in enumerate(ranks) if r is not None), key=lambda i: ranks[i])  # type: ignore[arg-type]
    if not order:
        return []
    cut = ranks[order[min(n, len(order)) - 1]]
    return [i for i in order if ranks[i] <= cut]  # type: ignore[operator]


def last_n(ranks: Sequence[int | None], n: int) -> list[int]:
    """Indexes of the rows in the last ``n`` places, ties at the boundary included: every row whose rank is at
    least the rank of the n-th row from the bottom. Worst first."""
    order = sorted((i for i, r in enumerate(ranks) if r is not None), key=lambda i: ranks[i])  # type: ignore[arg-type]
    if not order:
        return []
    cut = ranks[order[max(len(order) - n, 0)]]
    return [i for i in reversed(order) if ranks[i] >= cut]  # type: ignore[operator]


def names_list(names: Sequence[str]) -> str:
    """Names joined with the enumeration comma (顿号): "章贡区、南康区、赣县区"."""
    return "、".join(names)


TIE_NOTE = "注：排名数值相同者并列，其后名次顺延（如两地并列第2名，则下一名次为第4名）。"
