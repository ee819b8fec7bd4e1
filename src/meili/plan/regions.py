"""Regions (GB/T 2260 codes, province → city → county) and the named groups plans speak of (中心城区…).

The data live in ``src/meili/data/regions.yaml``; this module validates and looks them up.
"""

from __future__ import annotations

from functools import cache, cached_property
from importlib import resources
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

from meili.errors import MeiliError, Problem, Text


class UnknownRegionError(MeiliError, KeyError):
    """A region key that names no region (or a region that is not a group where a group is needed)."""

    kind = "unknown_region"

    def __str__(self) -> str:  # KeyError quotes its message; keep it readable
        return self.render()


_REGION_KEYS = Text("区划代码（如 360702）、名称（如 章贡区）或区域组（如 中心城区 / central_urban）",
                    "a GB/T 2260 code (e.g. 360702), a name (e.g. 章贡区) or a group (e.g. 中心城区 / central_urban)")


class Region(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str = Field(description="GB/T 2260 code, or a project id <city code>-<n> for a zone without one.")
    name: str
    name_en: str
    level: Literal["province", "city", "county"]
    kind: Literal["district", "county", "county_city", "functional_zone"] | None = None
    parent: str | None = None
    retired: list[str] = Field(default_factory=list, description="Retired codes that now mean this region.")


class RegionGroup(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name: str
    name_en: str
    parent: str
    members: list[str] = Field(min_length=1)
    note: str | None = None


class Regions(BaseModel):
    """All regions and groups, with look-up by code, retired code, name or group id."""

    model_config = ConfigDict(extra="forbid")

    regions: list[Region]
    groups: list[RegionGroup] = Field(default_factory=list)

    @model_validator(mode="after")
    def _check(self) -> Regions:
        codes = [r.code for r in self.regions]
        dupes = {c for c in codes if codes.count(c) > 1}
        if dupes:
            raise ValueError(f"duplicate region codes / 区划代码重复: {sorted(dupes)}")
        known = set(codes)
        for r in self.regions:
            if r.parent and r.parent not in known:
                raise ValueError(f"region {r.code}: unknown parent {r.parent}")
        for g in self.groups:
            missing = [m for m in g.members if m not in known]
            if missing:
                raise ValueError(f"group {g.id}: unknown members {missing}")
        return self

    def get(self, code: str) -> Region:
        return self._by_code[self.resolve(code)]

    @cached_property
    def _by_code(self) -> dict[str, Region]:
        return {r.code: r for r in self.regions}

    @cached_property
    def index(self) -> dict[str, str]:
        """Every accepted key (code, retired code, names, group id and names) → current code or group id."""
        idx: dict[str, str] = {}
        for r in self.regions:
            for k in (r.code, r.name, r.name_en, *r.retired):
                idx[k] = r.code
        for g in self.groups:
            for k in (g.id, g.name, g.name_en):
                idx[k] = g.id
        return idx

    def resolve(self, key: str) -> str:
        """The current code (or group id) for a code, a retired code, a Chinese or English name, or a group id."""
        k = str(key).strip()
        if k in self.index:
            return self.index[k]
        raise UnknownRegionError(Problem("unknown_region", value=str(key), expected=_REGION_KEYS))

    def is_group(self, key: str) -> bool:
        return any(g.id == key for g in self.groups)

    def group(self, key: str) -> RegionGroup:
        gid = self.resolve(key)
        for g in self.groups:
            if g.id == gid:
                return g
        raise UnknownRegionError(Problem("not_a_group", value=str(key), expected=Text(
            "区域组，如 中心城区（central_urban）", "a region group such as 中心城区 (central_urban)")))

    def name(self, key: str) -> str:
        k = self.resolve(key)
        return self.group(k).name if self.is_group(k) else self._by_code[k].name

    def children(self, parent: str | None) -> list[Region]:
        p = self.resolve(parent) if parent else None
        return [r for r in self.regions if r.parent == p]


@cache
def load_regions() -> Regions:
    """The regions shipped with Meili (validated once)."""
    text = resources.files("meili.data").joinpath("regions.yaml").read_text(encoding="utf-8")
    return Regions.model_validate(yaml.safe_load(text))
