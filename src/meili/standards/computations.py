"""The computations a plan measure can be bound to: name → parameter model, unit and what it computes.

A plan file says which computation feeds which of its measures (``computed_by`` on the measure, see
docs/plans.md), e.g. ``{computation: air.pm25_annual_mean, group: central_urban}``. The plan model validates a
binding against the parameter model registered here under its name; :func:`meili.standards.air.indicators.plan_indicators`
and :func:`meili.standards.water.indicators.plan_indicators` compute every measure bound to one of their
computations. Neither knows any plan's numbering: the measure ids come from the bindings.

This module imports no data engine (pydantic only): the plan model loads it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, field_validator, model_validator

if TYPE_CHECKING:
    from meili.plan.model import Plan

Domain = Literal["air", "water"]


class BindingScopeError(ValueError):
    """A binding whose scope is incomplete once the measure's defaults are applied; ``field`` names the parameter."""

    def __init__(self, field: str, text: str):
        self.field = field
        super().__init__(text)


class BindingParams(BaseModel):
    """The parameters of one binding; ``computation`` names the computation (the discriminator)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    computation: str

    def with_scope_group(self, scope_group: str | None) -> BindingParams:
        """The binding completed with the measure's ``scope_group`` where it takes one (default: unchanged);
        :class:`BindingScopeError` when the scope is still incomplete."""
        return self

    def region_keys(self) -> dict[str, tuple[str, Literal["group", "region"]]]:
        """Parameters that name a region group or a region: field → (key, which of the two)."""
        return {}


# --- air ----------------------------------------------------------------------------------------------------
AIR_COMPUTATION_NAMES = ("air.pm25_annual_mean", "air.pm10_annual_mean", "air.o3_8h_p90", "air.good_day_rate")


class AirScope(BindingParams):
    """An HJ 663 annual statistic of a set of assessment stations (background sites excluded).

    The stations are those the station registry puts in ``group`` (its ``groups`` column), or those of ``region``
    (a city by ``city_code``, a county by ``region_code``). ``aggregate``: ``stations`` — the set's daily values
    are the means of its valid stations (HJ 663), the statistic is that of those days; ``mean_of_counties`` —
    the statistic of each county (``region_code``) of the set, then their arithmetic mean (1 decimal).
    """

    computation: Literal[AIR_COMPUTATION_NAMES]  # type: ignore[valid-type]
    group: str | None = Field(
        None, pattern=r"^[a-z][a-z0-9_]*$",
        description="Region group id (regions.yaml) whose stations the registry lists in its `groups` column. "
                    "Default: the measure's scope_group.")
    region: str | None = Field(
        None, description="GB/T 2260 code: the assessment stations of this city (city_code) or county "
                          "(region_code), instead of a group.")
    aggregate: Literal["stations", "mean_of_counties"] = Field(
        "stations", description="stations: HJ 663 daily means over the set's stations, then the annual statistic; "
                                "mean_of_counties: the annual statistic of each county, then their mean.")
    fallback: Literal["city"] | None = Field(
        None, description="city: when the station registry puts no station in the group, the plan city's "
                          "assessment stations stand for it (the national station list has no groups).")

    @model_validator(mode="after")
    def _one_scope(self) -> AirScope:
        if self.group is not None and self.region is not None:
            raise ValueError(
                f"group {self.group!r} 与 region {self.region!r} 只能给一个 / give group or region, not both")
        if self.fallback is not None and self.region is not None:
            raise ValueError("fallback 只用于 group / fallback applies to a group only")
        return self

    def with_scope_group(self, scope_group: str | None) -> AirScope:
        if self.group is None and self.region is None:
            if not scope_group:
                raise BindingScopeError("group", "缺少 group 或 region（测度无 scope_group）/ give group or region "
                                                 "(the measure has no scope_group to default to)")
            return self.model_copy(update={"group": scope_group})
        return self

    def region_keys(self) -> dict[str, tuple[str, Literal["group", "region"]]]:
        keys: dict[str, tuple[str, Literal["group", "region"]]] = {}
        if self.group is not None:
            keys["group"] = (self.group, "group")
        if self.region is not None:
            keys["region"] = (self.region, "region")
        return keys

    @property
    def scope(self) -> str:
        """The region the rows are for: the group id or the region code."""
        return self.group or self.region or ""

    @property
    def scope_key(self) -> tuple:
        """Bindings with equal keys share one computation of the station set."""
        return (self.group, self.region, self.aggregate, self.fallback)


# --- water --------------------------------------------------------------------------------------------------
#: Water quality classes (GB 3838-2002), best first, with the spellings accepted for each.
WATER_CLASSES = ("Ⅰ", "Ⅱ", "Ⅲ", "Ⅳ", "Ⅴ", "劣Ⅴ")
_CLASS_SPELLINGS = {**{c: c for c in WATER_CLASSES},
                    **dict(zip(("I", "II", "III", "IV", "V", "劣V"), WATER_CLASSES, strict=True))}
WaterClass = Literal["Ⅰ", "Ⅱ", "Ⅲ", "Ⅳ", "Ⅴ", "劣Ⅴ", "I", "II", "III", "IV", "V", "劣V"]
SectionLevel = Literal["national", "provincial", "municipal"]


class SectionShare(BindingParams):
    """The share (%) of sections of the given levels whose annual class is one of ``classes``, over the sections
    with a valid annual class (地表水环境质量评价办法（试行）), for the plan's city and each of its counties."""

    computation: Literal["water.section_share"]
    levels: list[SectionLevel] = Field(
        min_length=1, description="Section networks counted (registry column `level`): national 国考, provincial "
                                  "省考, municipal 市考.")
    classes: list[WaterClass] = Field(
        min_length=1, description="Classes counted in the numerator, e.g. [Ⅰ, Ⅱ, Ⅲ]; Latin I–V and 劣V accepted.")
    regions: list[Literal["city", "counties"]] = Field(
        ["city", "counties"], min_length=1,
        description="Rows for the plan's city (all its sections) and/or each county with sections.")

    @field_validator("classes")
    @classmethod
    def _canonical_classes(cls, v: list[str]) -> list[str]:
        canonical = {_CLASS_SPELLINGS[c] for c in v}
        return [c for c in WATER_CLASSES if c in canonical]

    @property
    def ranks(self) -> tuple[int, ...]:
        """The counted classes as ranks (1 = Ⅰ … 6 = 劣Ⅴ)."""
        return tuple(WATER_CLASSES.index(c) + 1 for c in self.classes)


# --- the registry -------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Computation:
    """A computation a measure can be bound to."""

    name: str
    domain: Domain
    params: type[BindingParams]
    unit: str
    zh: str
    en: str
    #: Air: the column of :func:`meili.standards.air.annual.period_statistics` that holds the value.
    statistic: str | None = None


COMPUTATIONS: dict[str, Computation] = {c.name: c for c in (
    Computation("air.pm25_annual_mean", "air", AirScope, "μg/m³", "PM2.5 年均浓度", "PM2.5 annual mean",
                statistic="pm25"),
    Computation("air.pm10_annual_mean", "air", AirScope, "μg/m³", "PM10 年均浓度", "PM10 annual mean",
                statistic="pm10"),
    Computation("air.o3_8h_p90", "air", AirScope, "μg/m³", "臭氧日最大8小时平均第90百分位数",
                "O3 daily max 8-h mean, 90th percentile", statistic="o3_8h_p90"),
    Computation("air.good_day_rate", "air", AirScope, "%", "优良天数比率", "share of good days (AQI ≤ 100)",
                statistic="good_rate"),
    Computation("water.section_share", "water", SectionShare, "%", "断面水质类别比例",
                "share of sections in the given classes"),
)}
assert set(AIR_COMPUTATION_NAMES) == {n for n, c in COMPUTATIONS.items() if c.params is AirScope}

#: The type of a measure's ``computed_by``: one of the parameter models, chosen by ``computation``.
Binding = Annotated[AirScope | SectionShare, Field(discriminator="computation")]


def computation(name: str) -> Computation:
    """The registered computation ``name`` (KeyError naming the known ones otherwise)."""
    try:
        return COMPUTATIONS[name]
    except KeyError:
        raise KeyError(f"未知计算 / unknown computation {name!r}: expected one of "
                       f"{', '.join(sorted(COMPUTATIONS))}") from None


def as_binding(value: BindingParams | Mapping) -> BindingParams:
    """A binding, from its model or from a mapping as a plan file writes it (pydantic ValidationError if bad);
    :class:`BindingScopeError` when its scope is incomplete (an air binding with neither group nor region)."""
    binding = value if isinstance(value, BindingParams) else TypeAdapter(Binding).validate_python(value)
    return binding.with_scope_group(None)


def domain_bindings(bindings: Mapping[str, BindingParams | Mapping], domain: Domain) -> dict[str, BindingParams]:
    """The bindings (measure id → binding) whose computation belongs to ``domain``, in their order."""
    checked = {m: as_binding(b) for m, b in bindings.items()}
    return {m: b for m, b in checked.items() if computation(b.computation).domain == domain}


def resolve_plan(
    plan: str | Path | Plan, bindings: Mapping[str, BindingParams | Mapping] | None, city_code: str | None,
    domain: Domain,
) -> tuple[str, dict[str, BindingParams], str | None]:
    """(plan id, the ``domain``'s bindings, city code) for a computation's arguments.

    ``bindings`` None: the bindings of the plan ``plan`` names (:func:`meili.plan.load_plan`: a built-in plan id
    or a plan file), or is. ``city_code`` None: that plan's region. The plan is loaded only when one of the two
    is None; the rows' ``plan`` column is then the plan's id, else ``plan`` as given.
    """
    plan_id = plan if isinstance(plan, str) else str(plan)
    if bindings is None or city_code is None:
        from meili.plan import Plan, load_plan

        loaded = plan if isinstance(plan, Plan) else load_plan(plan)
        plan_id = loaded.id
        bindings = loaded.bindings if bindings is None else bindings
        city_code = loaded.region if city_code is None else city_code
    elif not isinstance(plan, str | Path):
        plan_id = plan.id
    return plan_id, domain_bindings(bindings, domain), city_code
