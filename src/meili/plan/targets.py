"""Reading the cell texts of a plan's indicator table into structured targets and baselines.

Every kind of target that the 美丽赣州 附表 uses has a reading here; a text that fits none of them is an error.
The original text is always kept beside the reading (``text``), so a reader can check it.
See ``docs/plans.md`` for the rules and the decisions behind them (e.g. a bare ``35`` read with the direction).
"""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict

from meili.errors import MeiliError


class Direction(StrEnum):
    """Which way is better. Required on every measure: never defaulted (Open SDG's default is a known trap)."""

    HIGHER = "higher"
    LOWER = "lower"


class TargetKind(StrEnum):
    BOUND = "bound"
    RANGE = "range"
    CUMULATIVE = "cumulative"
    TREND = "trend"
    STATE = "state"
    DELEGATED = "delegated"
    NONE = "none"


Comparison = Literal[">=", ">", "<=", "<"]

#: Trend words of the plans, with the direction of change each one asks for (None: hold or improve, either way).
TREND_WORDS: dict[str, Literal["up", "down", "hold", "improve"]] = {
    "持续提升": "up",
    "巩固提升": "up",
    "保持稳定": "hold",
    "稳定控制": "hold",
    "保持长治久清": "hold",
    "持续改善": "improve",
    "稳定下降": "down",
    "逐步下降": "down",
}

#: Targets that a higher level assigns: text → (who assigns, comparison the assignment is read with).
DELEGATED_PHRASES: dict[str, tuple[Literal["province", "nation"], Comparison | None]] = {
    "按省下达目标": ("province", None),
    "按省下达任务执行": ("province", None),
    "不低于国家下发数据": ("nation", ">="),
}

NONE_TEXTS = frozenset({"—", "-", "–", "——", ""})

_OPS = {"≥": ">=", ">=": ">=", ">": ">", "＞": ">", "≤": "<=", "<=": "<=", "<": "<", "＜": "<"}
_NUMBER = r"[+-]?\d+(?:\.\d+)?"
_BOUND_RE = re.compile(rf"^(?P<op>≥|>=|>|＞|≤|<=|<|＜)?\s*(?P<value>{_NUMBER})\s*(?P<pct>%|％)?$")
_RANGE_RE = re.compile(rf"^(?P<low>{_NUMBER})\s*(?:~|～|〜|-|－|—)\s*(?P<high>{_NUMBER})\s*(?P<pct>%|％)?$")
_CUMULATIVE_RE = re.compile(rf"^[\[［](?P<value>{_NUMBER})[\]］]$")
_STARRED_RE = re.compile(r"^(?P<body>.*?)\s*[*＊]$")


class TargetTextError(MeiliError, ValueError):
    """A cell text that no target reading fits.

    Usually wrapped into another error's message (a plan's measure and field, an assignment's row): ``str(e)`` is
    therefore the bare bilingual message; ``render()`` adds the title.
    """

    kind = "target_text"

    def __str__(self) -> str:
        return "\n".join(p.message for p in self.problems)


class Target(BaseModel):
    """One milestone's target of one measure, as read from its cell text (kept verbatim in ``text``)."""

    model_config = ConfigDict(frozen=True)

    kind: TargetKind
    text: str
    op: Comparison | None = None
    value: float | None = None
    low: float | None = None
    high: float | None = None
    implicit_op: bool = False
    trend: str | None = None
    state: str | None = None
    assigned_by: Literal["province", "nation"] | None = None

    @property
    def is_numeric(self) -> bool:
        return self.kind in (TargetKind.BOUND, TargetKind.RANGE, TargetKind.CUMULATIVE)

    def met_by(self, x: float, direction: Direction | None = None) -> bool:
        """Whether a value meets a numeric target, by the evaluation's rule (docs/methodology.md §4.1–4.2).

        Bound and cumulative: the comparison. Range: low ≤ x ≤ high, or — given the measure's ``direction`` —
        beyond the range on the better side (a higher-is-better count of 6 meets "3~5"); without a direction only
        the range itself counts. :func:`meili.evaluate.status` applies the same rule to tables (a test checks they
        agree)."""
        if self.kind == TargetKind.RANGE:
            inside = self.low <= x <= self.high  # type: ignore[operator]
            if direction == Direction.HIGHER:
                return inside or x > self.high  # type: ignore[operator]
            if direction == Direction.LOWER:
                return inside or x < self.low  # type: ignore[operator]
            return inside
        if self.kind in (TargetKind.BOUND, TargetKind.CUMULATIVE) and self.op and self.value is not None:
            return {">=": x >= self.value, ">": x > self.value, "<=": x <= self.value, "<": x < self.value}[self.op]
        raise ValueError(f"target {self.text!r} is not a numeric bound or range")

    def describe(self) -> str:
        """A short normalised reading, e.g. '≥ 10', '3–5', 'trend 持续提升'."""
        sym = {">=": "≥", ">": ">", "<=": "≤", "<": "<"}
        if self.kind == TargetKind.BOUND:
            return f"{sym[self.op]} {self.value:g}" if self.op else f"{self.value:g}"
        if self.kind == TargetKind.RANGE:
            return f"{self.low:g}–{self.high:g}"
        if self.kind == TargetKind.CUMULATIVE:
            return f"cumulative {sym[self.op]} {self.value:g}" if self.op else f"cumulative {self.value:g}"
        if self.kind == TargetKind.TREND:
            return f"trend {self.trend}"
        if self.kind == TargetKind.STATE:
            return f"state {self.state}"
        if self.kind == TargetKind.DELEGATED:
            return f"delegated by {self.assigned_by}"
        return "none"


def _implied_op(direction: Direction) -> Comparison:
    return ">=" if direction == Direction.HIGHER else "<="


def parse_target(text: str, direction: Direction, vocabulary: list[str] | None = None) -> Target:
    """Read a target cell text.

    ``direction`` gives the comparison of a bare number (``35`` for a higher-is-better measure means ≥ 35) and of a
    cumulative change; ``vocabulary`` is the measure's ordered list of states (worst → best), if it has one.
    Raises :class:`TargetTextError` when no reading fits.
    """
    t = text.strip()
    if t in NONE_TEXTS:
        return Target(kind=TargetKind.NONE, text=text)
    if t in TREND_WORDS:
        return Target(kind=TargetKind.TREND, text=text, trend=t)
    if t in DELEGATED_PHRASES:
        who, op = DELEGATED_PHRASES[t]
        return Target(kind=TargetKind.DELEGATED, text=text, assigned_by=who, op=op)
    if vocabulary and t in vocabulary:
        return Target(kind=TargetKind.STATE, text=text, state=t)
    if m := _CUMULATIVE_RE.match(t):
        return Target(
            kind=TargetKind.CUMULATIVE, text=text, value=float(m["value"]), op=_implied_op(direction),
            implicit_op=True,
        )
    if m := _RANGE_RE.match(t):
        low, high = float(m["low"]), float(m["high"])
        if low > high:
            raise TargetTextError(f"range {t!r} has its low end above its high end / 区间下限大于上限")
        return Target(kind=TargetKind.RANGE, text=text, low=low, high=high)
    if m := _BOUND_RE.match(t):
        op = _OPS[m["op"]] if m["op"] else _implied_op(direction)
        return Target(kind=TargetKind.BOUND, text=text, op=op, value=float(m["value"]), implicit_op=not m["op"])
    hint = f"; states of this measure / 该测度状态: {', '.join(vocabulary)}" if vocabulary else ""
    raise TargetTextError(
        f"无法识别的目标值 / unreadable target {text!r}: expected a bound (≥10, <3.5, 35, 96%), a range (3~5), "
        f"a cumulative change ([22.01]), a trend ({'、'.join(TREND_WORDS)}), a delegated target "
        f"({'、'.join(DELEGATED_PHRASES)}), a state, or — {hint}"
    )


class Baseline(BaseModel):
    """The baseline cell: a value, a bound (``≥93``), a cumulative change, a state or nothing, with its year."""

    model_config = ConfigDict(frozen=True)

    text: str
    year: int
    kind: Literal["value", "bound", "cumulative", "state", "none"]
    value: float | None = None
    op: Comparison | None = None
    state: str | None = None


def parse_baseline(
    text: str, base_year: int, starred_year: int, vocabulary: list[str] | None = None
) -> Baseline:
    """Read a baseline cell. A trailing ``*`` means the value is of ``starred_year`` (the 附表's note: *为2021年)."""
    t = text.strip()
    year = base_year
    if m := _STARRED_RE.match(t):
        t, year = m["body"].strip(), starred_year
    if t in NONE_TEXTS:
        return Baseline(text=text, year=year, kind="none")
    if vocabulary and t in vocabulary:
        return Baseline(text=text, year=year, kind="state", state=t)
    if m := _CUMULATIVE_RE.match(t):
        return Baseline(text=text, year=year, kind="cumulative", value=float(m["value"]))
    if m := _BOUND_RE.match(t):
        if m["op"]:
            return Baseline(text=text, year=year, kind="bound", value=float(m["value"]), op=_OPS[m["op"]])
        return Baseline(text=text, year=year, kind="value", value=float(m["value"]))
    raise TargetTextError(
        f"无法识别的基准值 / unreadable baseline {text!r}: expected a number (30.3, 92.2*), a bound (≥93), "
        f"a cumulative change ([22.01]), a state of the measure's vocabulary, or —"
    )
