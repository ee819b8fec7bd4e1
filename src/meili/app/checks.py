"""Checks of a unit's submission: the rules as data (``src/meili/data/checks.yaml``), pure functions over numbers.

Hard checks block a save, a submission and an approval: a value's type and hard plausible range (the import's own
validation, :mod:`meili.ingest.observations`, run by :mod:`meili.app.workflow`), a required cell without a value
or a reason (:func:`missing_cells`), and the logical identities between measures (:func:`identities`). Soft checks
(:func:`soft_checks`) need a written explanation that :func:`explanation_problem` accepts:

- **year-on-year change** beyond ``yoy_pct`` per cent of last year's value;
- **robust z-score** across the units: the modified z-score ``M = 0.6745 (x − x̃) / MAD`` (x̃ the median, MAD the
  median absolute deviation) beyond 3.5 — Iglewicz B. & Hoaglin D. (1993), *How to Detect and Handle Outliers*,
  ASQC Basic References in Quality Control 16, §2.2 (0.6745 is the 0.75 quantile of the standard normal, so that
  M is a z-score for normal data);
- **outside min/max**: the measure's soft range (checks.yaml, else the plan's soft ``plausible`` range).

>>> modified_z({"a": 1.0, "b": 2.0, "c": 3.0, "d": 4.0, "e": 100.0})["e"]  # x̃ 3, MAD 1 → 0.6745 × 97
65.4265
"""

from __future__ import annotations

import re
import statistics
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from meili.errors import Text

#: 0.75 quantile of the standard normal distribution (Iglewicz & Hoaglin 1993, §2.2).
Z_SCALE = 0.6745


class Explanation(BaseModel):
    model_config = ConfigDict(extra="forbid")

    min_chars: int = Field(ge=1, description="Characters an explanation needs, after removing spaces and punctuation.")
    stock_phrases: list[str] = Field(description="Texts that explain nothing (compared normalised).")


class Defaults(BaseModel):
    model_config = ConfigDict(extra="forbid")

    yoy_pct: float = Field(gt=0, description="Year-on-year change (per cent of last year's value) that needs a word.")
    robust_z: float = Field(gt=0, description="Modified z-score across the units that needs a word.")
    min_units: int = Field(ge=3, description="Units with a value needed before the z-score is computed.")


class MeasureRule(BaseModel):
    model_config = ConfigDict(extra="forbid")

    yoy_pct: float | None = Field(None, gt=0)
    robust_z: float | None = Field(None, gt=0)
    min: float | None = None
    max: float | None = None


class Identity(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    left: list[str] = Field(min_length=1)
    op: Literal["<=", ">=", "=="]
    right: list[str] | float
    tolerance: float = Field(0.0, ge=0)
    why: dict[Literal["zh", "en"], str]


class CheckRules(BaseModel):
    """The file ``checks.yaml``: explanation rule, default thresholds, per-plan measure rules and identities."""

    model_config = ConfigDict(extra="forbid")

    version: Literal[1]
    explanation: Explanation
    defaults: Defaults
    measures: dict[str, dict[str, MeasureRule]] = Field(default_factory=dict)
    identities: dict[str, list[Identity]] = Field(default_factory=dict)

    def rule(self, plan: str, measure: str) -> MeasureRule:
        return self.measures.get(plan, {}).get(measure) or MeasureRule()

    def yoy_pct(self, plan: str, measure: str) -> float:
        return self.rule(plan, measure).yoy_pct or self.defaults.yoy_pct

    def robust_z(self, plan: str, measure: str) -> float:
        return self.rule(plan, measure).robust_z or self.defaults.robust_z


@cache
def _builtin() -> CheckRules:
    from importlib import resources

    return _parse(resources.files("meili.data").joinpath("checks.yaml").read_text(encoding="utf-8"), "checks.yaml")


def load_rules(path: str | Path | None = None) -> CheckRules:
    """The built-in rules, or a rules file (every mistake named: :class:`meili.errors.InputError`)."""
    if path is None:
        return _builtin()
    return _parse(Path(path).read_text(encoding="utf-8"), str(path))


def _parse(text: str, file: str) -> CheckRules:
    import yaml
    from pydantic import ValidationError

    from meili.errors import InputError, Problem

    try:
        return CheckRules.model_validate(yaml.safe_load(text))
    except ValidationError as e:
        raise InputError(*[Problem("invalid_input", file=file, column=".".join(map(str, err["loc"])),
                                   detail=err["msg"]) for err in e.errors()]) from None


@dataclass
class Finding:
    """One check's finding on a cell (``region``, ``measure``; None for the whole submission)."""

    rule: str                     # implausible_value, missing_cell, identity:<id>, yoy_change, robust_z, soft_range…
    severity: Literal["hard", "soft"]
    region: str | None
    measure: str | None
    value: str | None
    detail: Text
    explanation: str | None = None
    accepted: bool = False        # a soft finding with an acceptable explanation

    def row(self) -> dict:
        return {"region": self.region, "measure": self.measure, "rule": self.rule, "severity": self.severity,
                "value": self.value, "detail_zh": self.detail.zh, "detail_en": self.detail.en,
                "explanation": self.explanation, "accepted": self.accepted}

    @property
    def blocking(self) -> bool:
        return self.severity == "hard" or not self.accepted


# --- explanations ----------------------------------------------------------------------------------------------
def _normalised(text: str) -> str:
    """Lower-cased, without spaces, punctuation and symbols (Unicode categories Z*, P*, S*)."""
    return "".join(ch for ch in unicodedata.normalize("NFKC", text).casefold()
                   if unicodedata.category(ch)[0] not in "ZPS")


def explanation_problem(text: str | None, rules: CheckRules | None = None) -> Text | None:
    """Why an explanation does not explain (None: it is accepted). Refused: none; a stock phrase, or only stock
    phrases ("已核实，正常"); fewer than ``min_chars`` characters once spaces and punctuation are removed."""
    rules = rules or load_rules()
    n = rules.explanation.min_chars
    if not text or not text.strip():
        return Text(f"需要书面说明（至少 {n} 个字）", f"needs a written explanation (at least {n} characters)")
    body = _normalised(text)
    phrases = sorted({_normalised(p) for p in rules.explanation.stock_phrases} - {""}, key=len, reverse=True)
    rest = re.sub("|".join(map(re.escape, phrases)), "", body) if phrases else body
    if not rest or (len(body) >= n and len(rest) < n and len(rest) <= len(body) // 2):
        return Text(f"“{text.strip()}”是套话，请说明数值变化或异常的具体原因",
                    f"'{text.strip()}' is a stock phrase; say what caused the change or the unusual value")
    if len(body) < n:
        return Text(f"说明太短（{len(body)} 个字，至少 {n} 个）",
                    f"the explanation is too short ({len(body)} characters; at least {n})")
    return None


# --- soft checks ---------------------------------------------------------------------------------------------
def yoy_change_pct(value: float, previous: float | None) -> float | None:
    """(value − previous) / |previous| × 100, or None when there is no previous value or it is 0."""
    if previous is None or previous == 0:
        return None
    return (value - previous) / abs(previous) * 100


def modified_z(values: Mapping[str, float]) -> dict[str, float]:
    """Modified z-score of each value: 0.6745 (x − median) / MAD, rounded to 4 decimals; empty when MAD is 0
    (half the values or more are equal: no spread to measure against)."""
    xs = list(values.values())
    if len(xs) < 3:
        return {}
    med = statistics.median(xs)
    mad = statistics.median(abs(x - med) for x in xs)
    if mad == 0:
        return {}
    return {k: round(Z_SCALE * (x - med) / mad, 4) for k, x in values.items()}


@dataclass
class Context:
    """What the checks of one submission compare with: last year's current values ``previous[(region, measure)]``,
    each measure's values across the units ``peers[measure][unit_region]`` (the submission's own drafts
    included), and the other values of the same regions and year ``others[(region, measure)]`` (identities)."""

    plan: str
    previous: Mapping[tuple[str, str], float]
    peers: Mapping[str, Mapping[str, float]]
    others: Mapping[tuple[str, str], float]
    soft: Mapping[str, tuple[float | None, float | None]]  # the plan's soft range per measure


def soft_checks(entries: Sequence[Mapping], ctx: Context, rules: CheckRules | None = None) -> list[Finding]:
    """Year-on-year change, robust z-score and soft range of each numeric entry; each finding carries the entry's
    explanation and whether it is accepted."""
    rules = rules or load_rules()
    found: list[Finding] = []
    for e in entries:
        x = e.get("value")
        if x is None:
            continue
        region, measure, shown = e["region"], e["measure"], f"{x:g}"
        hits: list[tuple[str, Text]] = []
        threshold = rules.yoy_pct(ctx.plan, measure)
        prev = ctx.previous.get((region, measure))
        change = yoy_change_pct(x, prev)
        if change is not None and abs(change) > threshold:
            hits.append(("yoy_change", Text(
                f"同比变化 {change:+.1f}%（上年 {prev:g}），超过 ±{threshold:g}%",
                f"year-on-year change {change:+.1f}% (last year {prev:g}) beyond ±{threshold:g}%")))
        peers = ctx.peers.get(measure, {})
        if len(peers) >= rules.defaults.min_units:
            z = modified_z(peers).get(region)
            limit = rules.robust_z(ctx.plan, measure)
            if z is not None and abs(z) > limit:
                med = statistics.median(peers.values())
                hits.append(("robust_z", Text(
                    f"与 {len(peers)} 个单位相比异常（稳健 z 值 {z:.2f}，中位数 {med:g}，阈值 {limit:g}）",
                    f"an outlier among {len(peers)} units (robust z-score {z:.2f}, median {med:g}, "
                    f"threshold {limit:g})")))
        low, high = _soft_range(rules, ctx, measure)
        if (low is not None and x < low) or (high is not None and x > high):
            rng = f"{'−∞' if low is None else f'{low:g}'}–{'∞' if high is None else f'{high:g}'}"
            hits.append(("soft_range", Text(f"超出通常范围 {rng}", f"outside the usual range {rng}")))
        for rule, detail in hits:
            why = explanation_problem(e.get("explanation"), rules)
            found.append(Finding(rule, "soft", region, measure, shown, detail, e.get("explanation"), why is None))
    return found


def _soft_range(rules: CheckRules, ctx: Context, measure: str) -> tuple[float | None, float | None]:
    r = rules.rule(ctx.plan, measure)
    low, high = ctx.soft.get(measure, (None, None))
    return (r.min if r.min is not None else low, r.max if r.max is not None else high)


# --- hard checks ---------------------------------------------------------------------------------------------
def identities(entries: Sequence[Mapping], ctx: Context, rules: CheckRules | None = None) -> list[Finding]:
    """The plan's identities on each region of the entries, with the entries' numbers over ``ctx.others``."""
    rules = rules or load_rules()
    values = dict(ctx.others)
    for e in entries:
        key = (e["region"], e["measure"])
        values.pop(key, None)
        if e.get("value") is not None:
            values[key] = float(e["value"])
    regions = dict.fromkeys(e["region"] for e in entries)
    found = []
    for rule in rules.identities.get(ctx.plan, []):
        terms = rule.left + (rule.right if isinstance(rule.right, list) else [])
        mine = {e["measure"] for e in entries}
        if not mine & set(terms):
            continue
        for region in regions:
            if any((region, m) not in values for m in terms):
                continue
            left = sum(values[(region, m)] for m in rule.left)
            right = sum(values[(region, m)] for m in rule.right) if isinstance(rule.right, list) else rule.right
            ok = {"<=": left <= right + rule.tolerance, ">=": left >= right - rule.tolerance,
                  "==": abs(left - right) <= rule.tolerance}[rule.op]
            if not ok:
                lhs = " + ".join(rule.left)
                rhs = " + ".join(rule.right) if isinstance(rule.right, list) else f"{rule.right:g}"
                measure = next(m for m in terms if m in mine)
                found.append(Finding(f"identity:{rule.id}", "hard", region, measure, f"{left:g} {rule.op} {right:g}",
                                     Text(f"{lhs} {rule.op} {rhs} 不成立（{left:g} 对 {right:g}）：{rule.why['zh']}",
                                          f"{lhs} {rule.op} {rhs} fails ({left:g} against {right:g}): "
                                          f"{rule.why['en']}")))
    return found


def missing_cells(expected: Sequence[tuple[str, str]], entries: Sequence[Mapping]) -> list[Finding]:
    """A required cell with neither a value, a state nor a reason for its absence."""
    have = {(e["region"], e["measure"]) for e in entries
            if e.get("value") is not None or e.get("state") is not None or e.get("missing_reason")}
    return [Finding("missing_cell", "hard", r, m, None, Text("未填写，也未说明缺失原因",
                                                             "neither filled nor given a reason for being missing"))
            for r, m in expected if (r, m) not in have]
