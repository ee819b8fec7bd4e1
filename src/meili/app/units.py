"""Reporting units and cell ownership (#18), read from ``src/meili/data/units.yaml`` and ``ownership.yaml``.

>>> owner_of("ganzhou", "11.1", "360702")      # forest cover: the Forestry Bureau, for every county
'dept-forestry'
>>> owner_of("ganzhou", "27.3", "360702")      # anything else: the county itself
'360702'
>>> owner_of("ganzhou", "27.3", "central_urban") is None   # a region group is computed, never reported
True
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources

from meili.errors import InputError, Problem, Text

__all__ = ["Ownership", "Rule", "Unit", "load_ownership", "load_units", "owner_of", "unit", "unit_codes"]

UNIT_KINDS = ("county", "zone", "department", "city_bureau")


@dataclass(frozen=True)
class Unit:
    code: str
    name: str
    name_en: str
    kind: str
    region: str | None = None


@dataclass(frozen=True)
class Rule:
    measures: frozenset[str]
    regions: str | frozenset[str]
    owner: str
    plan: str | None = None
    note: str | None = None


@dataclass(frozen=True)
class Ownership:
    default: str
    city_owner: str
    rules: tuple[Rule, ...]


def _yaml(name: str) -> dict:
    import yaml

    return yaml.safe_load(resources.files("meili.data").joinpath(name).read_text(encoding="utf-8"))


def _bad(file: str, where: str, value: object, zh: str, en: str) -> Problem:
    return Problem("invalid_input", file=file, column=where, value=str(value), detail=Text(zh, en))


@cache
def load_units() -> dict[str, Unit]:
    """Every reporting unit by code (units.yaml), checked: codes unique, kinds known, regions known."""
    from meili.plan import load_regions

    regions, problems, units = load_regions(), [], {}
    for i, raw in enumerate(_yaml("units.yaml")["units"]):
        u = Unit(**raw)
        if u.code in units:
            problems.append(_bad("units.yaml", f"units[{i}].code", u.code, "重复的单位代码", "duplicate unit code"))
        if u.kind not in UNIT_KINDS:
            problems.append(_bad("units.yaml", f"units[{i}].kind", u.kind, "未知的单位类别", "unknown unit kind"))
        if u.region is not None and u.region not in {r.code for r in regions.regions}:
            problems.append(_bad("units.yaml", f"units[{i}].region", u.region, "未知区域", "unknown region"))
        units[u.code] = u
    if problems:
        raise InputError(*problems)
    return units


def unit_codes() -> frozenset[str]:
    return frozenset(load_units())


def unit(code: str) -> Unit:
    from meili.errors import NotFoundError

    try:
        return load_units()[code]
    except KeyError:
        raise NotFoundError(Problem("not_found", column="unit", value=code, detail=Text(
            "没有该报送单位", "no such reporting unit"), expected=Text(
            "units.yaml 中的单位代码（县区代码或 dept-…）", "a unit code of units.yaml (a county code or dept-…)"))) from None


@cache
def load_ownership() -> Ownership:
    """The ownership rules (ownership.yaml), checked against units.yaml."""
    raw, units, problems = _yaml("ownership.yaml"), load_units(), []
    if raw.get("default") != "region":
        problems.append(_bad("ownership.yaml", "default", raw.get("default"), "只支持 region", "only 'region' is known"))
    if raw.get("city_owner") not in units:
        problems.append(_bad("ownership.yaml", "city_owner", raw.get("city_owner"), "未知单位", "unknown unit"))
    rules = []
    for i, r in enumerate(raw.get("rules") or []):
        regions = r.get("regions", "all")
        if not isinstance(regions, str):
            regions = frozenset(map(str, regions))
        elif regions not in ("counties", "city", "all"):
            problems.append(_bad("ownership.yaml", f"rules[{i}].regions", regions,
                                 "应为 counties、city、all 或代码列表", "counties, city, all or a list of codes"))
        if r.get("owner") not in units:
            problems.append(_bad("ownership.yaml", f"rules[{i}].owner", r.get("owner"), "未知单位", "unknown unit"))
        rules.append(Rule(frozenset(map(str, r.get("measures") or [])), regions, r.get("owner"), r.get("plan"),
                          r.get("note")))
    if problems:
        raise InputError(*problems)
    return Ownership(raw["default"], raw["city_owner"], tuple(rules))


def owner_of(plan: str, measure: str, region: str, *, city: str = "360700") -> str | None:
    """The unit that reports ``measure`` for ``region`` in ``plan``: the first matching rule, else the region's
    own unit (``city``'s cells: ``city_owner``); None for a region group, or a region no unit reports for."""
    from meili.plan import load_regions

    if region in {g.id for g in load_regions().groups}:
        return None
    own = load_ownership()
    county_units = {u.region: u.code for u in load_units().values() if u.region}
    for r in own.rules:
        if r.plan not in (None, plan) or measure not in r.measures:
            continue
        if ((r.regions == "all" and (region in county_units or region == city))
                or (r.regions == "counties" and region in county_units)
                or (r.regions == "city" and region == city)
                or (isinstance(r.regions, frozenset) and region in r.regions)):
            return r.owner
    if region == city:
        return own.city_owner
    return county_units.get(region)
