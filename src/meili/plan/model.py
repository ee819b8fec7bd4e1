"""The plan model: a plan, its categories, indicators and measures, with every target read from its cell text.

A plan file (YAML, see ``src/meili/data/plans/``) is validated by these models; ``docs/plan.schema.json`` is their
JSON Schema. The measure is the unit of evaluation: one row of the indicator table (``16.1`` = PM2.5 中心城区).
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, field_validator, model_validator

from meili.errors import MeiliError
from meili.observation import normalise_unit
from meili.plan.regions import UnknownRegionError, load_regions
from meili.plan.targets import (
    TREND_WORDS,
    Baseline,
    Direction,
    Target,
    TargetKind,
    TargetTextError,
    parse_baseline,
    parse_target,
)
from meili.standards.computations import Binding, BindingParams, BindingScopeError, computation

_MEASURE_ID = re.compile(r"^(?P<no>\d+)(?:\.(?P<sub>\d+))?$")


def _within(code: str, region: str) -> bool:
    """Whether GB/T 2260 ``code`` (or a zone ``<city>-<n>``) lies in ``region`` (a province xx0000, a city
    xxxx00 or a county)."""
    prefix = region[:2] if region.endswith("0000") else region[:4] if region.endswith("00") else region
    return code.startswith(prefix)


class PlanModelError(MeiliError, ValueError):
    """A plan that is readable YAML but not a valid plan; the message names the measure and the field.

    Raised inside pydantic validation, which :mod:`meili.plan.loader` turns into a :class:`PlanError` problem:
    ``str(e)`` is therefore the bare message ("measure 16.1, field baseline: …"); ``render()`` adds the title.
    """

    kind = "plan"

    def __str__(self) -> str:
        return "\n".join(p.message for p in self.problems)


class Correction(BaseModel):
    """A glitch of the seed text (PDF extraction) and the wording stored instead."""

    model_config = ConfigDict(extra="forbid")

    seed: str = Field(description="The text as the seed has it.")
    corrected: str = Field(description="The wording stored in this plan file.")


class Category(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name: str
    name_en: str
    goals: list[str] = Field(default_factory=list, description="The plan's stated goals for this category.")


Bound = tuple[float | None, float | None]


def _in(value: float, bound: Bound) -> bool:
    low, high = bound
    return (low is None or value >= low) and (high is None or value <= high)


def _shown(bound: Bound) -> str:
    low, high = bound
    return f"[{'−∞' if low is None else f'{low:g}'}, {'∞' if high is None else f'{high:g}'}]"


class Plausible(BaseModel):
    """The values a numeric measure can plausibly take, from its meaning and unit (not from the unit alone: a
    percentage *share* lies in 0–100, a percentage *change* may be negative). ``hard``: a value outside is
    impossible and refused at import (``implausible_value``); ``soft``: a value outside is possible but unusual
    and warned about (``unusual_value``). Each is ``[min, max]``; ``null`` leaves that side open."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    hard: Bound = Field((None, None), description="[min, max] outside which a value is refused; null = open.")
    soft: Bound | None = Field(None, description="[min, max] outside which a value is warned about; null = open. "
                                                 "Lies within hard.")

    @model_validator(mode="after")
    def _ordered(self) -> Plausible:
        for name, bound in (("hard", self.hard), ("soft", self.soft)):
            if bound is not None and None not in bound and bound[0] > bound[1]:  # type: ignore[operator]
                raise ValueError(f"{name}: min {bound[0]:g} > max {bound[1]:g} / 下限大于上限")
        if self.soft is not None:
            for i, side, outer in ((0, "min", max), (1, "max", min)):
                h, v = self.hard[i], self.soft[i]
                if h is not None and v is not None and outer(h, v) != v:
                    raise ValueError(f"soft {side} {_shown(self.soft)} lies outside hard {_shown(self.hard)} / "
                                     f"软限应在硬限之内")
        return self

    def refuses(self, value: float) -> bool:
        return not _in(value, self.hard)

    def warns(self, value: float) -> bool:
        return self.soft is not None and not _in(value, self.soft)


#: The range a measure in % has when its plan gives none: a share (0–100). A measure whose % is a change says so.
PERCENT_SHARE = Plausible(hard=(0.0, 100.0))


class Measure(BaseModel):
    """One measure (测度): a row of the indicator table, with its baseline and a target per milestone."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    id: str = Field(description="Official 序号: '16' for a single-measure indicator, '16.1', '16.2'… for sub-measures.")
    name: str | None = Field(None, description="Measure name (zh); defaults to the indicator's name.")
    name_en: str | None = None
    unit: str | None = Field(None, description="Unit as the table gives it; defaults to the indicator's unit.")
    direction: Direction = Field(description="higher or lower is better. Required, never defaulted.")
    scope: str | None = Field(None, description="Where the measure applies, as the table says (中心城区, 国考监测断面…).")
    scope_group: str | None = Field(None, description="Region group id for a scope that is a group of regions.")
    vocabulary: list[str] | None = Field(
        None, description="Ordered states, worst → best, for measures (or targets) that are qualitative states."
    )
    county: bool = Field(False, description="Whether a county-level value exists and makes sense (for rankings).")
    baseline_text: str = Field(alias="baseline", description="The baseline cell text, verbatim (corrected).")
    target_texts: dict[int, str] = Field(alias="targets", description="Milestone year → target cell text, verbatim.")
    corrections: list[Correction] = Field(default_factory=list, description="Corrections of the seed's glitches.")
    note: str | None = None
    computed_by: Binding | None = Field(
        None, description="The computation that produces this measure from monitoring data, with its scope "
                          "(meili.standards.computations; docs/plans.md, 'Bindings').")
    plausible: Plausible | None = Field(
        None, description="Plausible values (hard limits refuse at import, soft limits warn), from the measure's "
                          "meaning; a measure in % without it is a share, 0–100 (docs/plans.md).")

    # Filled from the indicator (the table's row group) when the plan is assembled.
    no: int = 0
    category: str = ""
    indicator: str = ""
    indicator_en: str = ""

    _baseline: Baseline | None = PrivateAttr(None)
    _targets: dict[int, Target] = PrivateAttr(default_factory=dict)

    @field_validator("id")
    @classmethod
    def _id_form(cls, v: str) -> str:
        if not _MEASURE_ID.match(v):
            raise ValueError(f"measure id {v!r} must look like '16' or '16.1' / 测度编号应形如 16 或 16.1")
        return v

    @property
    def baseline(self) -> Baseline:
        assert self._baseline is not None, "measure not assembled into a plan"
        return self._baseline

    @property
    def targets(self) -> dict[int, Target]:
        return self._targets

    @property
    def is_state(self) -> bool:
        """A qualitative measure: its values are states of ``vocabulary``, not numbers."""
        return self.unit is None and bool(self.vocabulary)

    @property
    def plausible_range(self) -> Plausible | None:
        """The range values are checked against: ``plausible`` as the plan gives it, else 0–100 for a measure in %
        (a share: :data:`PERCENT_SHARE`), else none (qualitative measures, and numbers without a stated range)."""
        if self.plausible is not None:
            return self.plausible
        return PERCENT_SHARE if self.unit == "%" else None

    def parse(self, base_year: int, starred_year: int) -> None:
        """Read baseline and targets; raise PlanModelError naming this measure and the field."""
        try:
            self._baseline = parse_baseline(self.baseline_text, base_year, starred_year, self.vocabulary)
        except TargetTextError as e:
            raise PlanModelError(f"measure {self.id}, field baseline: {e}") from None
        targets = {}
        for year, text in sorted(self.target_texts.items()):
            try:
                targets[year] = parse_target(text, self.direction, self.vocabulary)
            except TargetTextError as e:
                raise PlanModelError(f"measure {self.id}, field targets.{year}: {e}") from None
            trend = targets[year].trend
            wanted = TREND_WORDS.get(trend or "")
            if (wanted == "up" and self.direction == Direction.LOWER) or (
                wanted == "down" and self.direction == Direction.HIGHER
            ):
                raise PlanModelError(
                    f"measure {self.id}, field targets.{year}: trend {trend!r} contradicts direction "
                    f"{self.direction.value!r} / 趋势目标与指标方向矛盾"
                )
        self._targets = targets


class Indicator(BaseModel):
    """An indicator (指标) of the table: one numbered row group with one or more measures."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    # YAML 1.1 reads a bare `no:` key as the boolean False, so the file says `number`.
    no: int = Field(ge=1, alias="number", description="The table's 序号.")
    category: str
    name: str
    name_en: str
    unit: str | None = None
    measures: list[Measure] = Field(min_length=1)
    corrections: list[Correction] = Field(default_factory=list)


class Plan(BaseModel):
    """A construction plan (规划纲要): the province's, a city's or a county's."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=r"^[a-z][a-z0-9_-]*$")
    title: str
    title_en: str
    level: Literal["province", "city", "county"]
    region: str = Field(description="GB/T 2260 code of the plan's region.")
    parent: str | None = Field(None, description="Id of the higher-level plan; its targets are the '按省下达' ones.")
    base_year: int
    starred_year: int | None = Field(None, description="Year of baselines marked * in the table (附表: *为2021年).")
    milestones: list[int] = Field(min_length=1)
    source: str = Field(description="Where the plan's text comes from.")
    goals: dict[int, str] = Field(default_factory=dict, description="Milestone year → the plan's stated goal.")
    categories: list[Category]
    indicators: list[Indicator] = Field(default_factory=list)

    @model_validator(mode="after")
    def _assemble(self) -> Plan:
        category_ids = {c.id for c in self.categories}
        seen: dict[str, int] = {}
        for ind in self.indicators:
            if ind.category not in category_ids:
                raise PlanModelError(f"indicator {ind.no}, field category: unknown category {ind.category!r}")
            for m in ind.measures:
                if m.id in seen:
                    raise PlanModelError(f"measure {m.id}, field id: duplicate measure id / 测度编号重复")
                seen[m.id] = ind.no
                if _MEASURE_ID.match(m.id)["no"] != str(ind.no):  # type: ignore[index]
                    raise PlanModelError(f"measure {m.id}, field id: does not belong to indicator {ind.no}")
                m.no, m.category, m.indicator, m.indicator_en = ind.no, ind.category, ind.name, ind.name_en
                m.name = m.name or ind.name
                m.name_en = m.name_en or ind.name_en
                m.unit = m.unit if m.unit is not None else ind.unit
                unknown = set(m.target_texts) - set(self.milestones)
                if unknown:
                    raise PlanModelError(
                        f"measure {m.id}, field targets: years {sorted(unknown)} are not milestones {self.milestones}"
                    )
                m.parse(self.base_year, self.starred_year or self.base_year)
                self._check_plausible(m)
                if m.computed_by is not None:
                    m.computed_by = self._checked_binding(m, m.computed_by)
        return self

    @staticmethod
    def _check_plausible(m: Measure) -> None:
        """A range only on a numeric measure, holding the measure's own numbers (baseline, bounds of targets)."""
        if m.plausible is None:
            return
        if m.is_state:
            raise PlanModelError(f"measure {m.id}, field plausible: 定性测度没有数值范围 / a qualitative measure "
                                 f"takes states, not numbers: leave plausible out")
        values = [("baseline", m.baseline.value)] if m.baseline.kind in ("value", "bound", "cumulative") else []
        for year, t in m.targets.items():
            values += [(f"targets.{year}", v) for v in (t.value, t.low, t.high)]
        for field, v in values:
            if v is not None and m.plausible.refuses(v):
                raise PlanModelError(f"measure {m.id}, field plausible: {field} {v:g} 超出硬限 "
                                     f"{_shown(m.plausible.hard)} / {field} {v:g} lies outside the hard limits "
                                     f"{_shown(m.plausible.hard)}")

    def _checked_binding(self, m: Measure, binding: BindingParams) -> BindingParams:
        """The measure's binding completed (a group from ``scope_group``) and checked against the measure and the
        regions; PlanModelError naming the measure, the field, the value and what was expected otherwise."""
        comp = computation(binding.computation)

        def error(field: str, text: str) -> PlanModelError:
            return PlanModelError(f"measure {m.id}, field computed_by.{field}: {text}")

        unit = normalise_unit(m.unit)
        if not unit or unit != normalise_unit(comp.unit):
            raise error("computation", f"{comp.name} 的单位是 {comp.unit}，测度单位为 {m.unit or '（无，定性测度）'} / "
                        f"{comp.name} gives {comp.unit}, the measure is in {m.unit or 'no unit (qualitative)'}")
        try:
            binding = binding.with_scope_group(m.scope_group)
        except BindingScopeError as e:
            raise error(e.field, str(e)) from None
        regions = load_regions()
        for field, (key, kind) in binding.region_keys().items():
            if kind == "group":
                if not regions.is_group(key):
                    known = ", ".join(g.id for g in regions.groups)
                    raise error(field, f"未知区域组 / unknown region group {key!r}: expected one of {known}")
                if m.scope_group is not None and key != m.scope_group:
                    raise error(field, f"区域组 {key!r} 与测度的 scope_group {m.scope_group!r} 不一致 / group {key!r} "
                                f"is not the measure's scope_group {m.scope_group!r}")
                parent = regions.group(key).parent
            else:
                try:
                    code = regions.resolve(key)
                except UnknownRegionError:
                    code = None
                if code is None or regions.is_group(code):
                    raise error(field, f"未知区划代码 / unknown region code {key!r}: expected a GB/T 2260 code such "
                                f"as {self.region} (a group goes in computed_by.group)")
                if code != key:
                    raise error(field, f"应写现行区划代码 {code} / write the current GB/T 2260 code {code} for {key!r}")
                parent = code
            if not _within(parent, self.region):
                raise error(field, f"{key!r} 不在规划区域 {self.region} 内 / {key!r} is not within the plan's "
                            f"region {self.region}")
        return binding

    @property
    def bindings(self) -> dict[str, BindingParams]:
        """Measure id → the binding of every measure computed from monitoring data (``computed_by``), in table
        order: what :func:`meili.standards.air.indicators.plan_indicators` and its water twin take."""
        return {m.id: m.computed_by for m in self.measures if m.computed_by is not None}

    @property
    def measures(self) -> list[Measure]:
        """All measures in table order."""
        return [m for ind in self.indicators for m in ind.measures]

    def measure(self, measure_id: str) -> Measure:
        for m in self.measures:
            if m.id == measure_id:
                return m
        from meili.errors import NotFoundError, Problem, Text

        raise NotFoundError(Problem("unknown_measure", value=measure_id, detail=Text(
            f"规划 {self.id} 中无此测度", f"plan {self.id} has no such measure")))

    def category(self, category_id: str) -> Category:
        return next(c for c in self.categories if c.id == category_id)

    def delegated_targets(self) -> list[tuple[Measure, int, Target]]:
        """(measure, milestone, target) for every target a higher level assigns."""
        return [
            (m, y, t) for m in self.measures for y, t in m.targets.items() if t.kind == TargetKind.DELEGATED
        ]
