"""The reports' configuration files (``meili/data/report/*.yaml``) and their schema.

Each builder reads its file once per process; a user may pass a file of the same schema instead (``config=``).
A file that breaks the schema is an :class:`~meili.errors.InputError` naming the file and the field.
"""

from __future__ import annotations

import datetime as dt
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from meili.errors import InputError, Problem, Text


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class EvaluationConfig(_Model):
    status_words: dict[Literal["achieved_early", "achieved", "on_track_ahead", "on_track", "lagging", "regressing",
                               "trend_achieved", "no_data", "target_pending", "not_applicable"], str]
    ahead_margin: float = Field(ge=0, le=1)
    provisional_prefix: str
    judgements: list[str]
    summary_order: list[str]
    slots: dict[str, str]

    @model_validator(mode="after")
    def _complete(self):
        missing = {"achieved_early", "achieved", "on_track_ahead", "on_track", "lagging", "regressing",
                   "trend_achieved", "no_data", "target_pending", "not_applicable"} - set(self.status_words)
        if missing:
            raise ValueError(f"status_words lacks {sorted(missing)}")
        return self


class RankKey(_Model):
    metric: str
    order: Literal["ascending", "descending"]


class RankRule(_Model):
    name: str
    keys: list[RankKey] = Field(min_length=1)
    note: str


class MonthlyConfig(_Model):
    default_rule: str
    rules: dict[str, RankRule]
    top_n: int = Field(ge=1)
    pollutants: list[str]
    slots: dict[str, str]

    @model_validator(mode="after")
    def _default_known(self):
        if self.default_rule not in self.rules:
            raise ValueError(f"default_rule {self.default_rule!r} is not one of the rules {sorted(self.rules)}")
        return self


class Block(_Model):
    id: str
    name: str
    categories: list[str] = Field(min_length=1)
    points: float = Field(gt=0)


class Grade(_Model):
    grade: str
    min: float


class Veto(_Model):
    id: str
    name: str
    grade: str


class AssessmentConfig(_Model):
    method: Literal["efficacy", "progress"]
    blocks: list[Block] = Field(min_length=1)
    grades: list[Grade] = Field(min_length=1)
    vetoes: list[Veto]
    max_bonus: float = Field(ge=0)
    max_deduction: float = Field(ge=0)
    slots: dict[str, str]

    @model_validator(mode="after")
    def _consistent(self):
        mins = [g.min for g in self.grades]
        if mins != sorted(mins, reverse=True):
            raise ValueError("grades must be listed from the highest minimum down")
        names = {g.grade for g in self.grades}
        bad = [v.id for v in self.vetoes if v.grade not in names]
        if bad:
            raise ValueError(f"vetoes {bad} name a grade not in grades")
        return self

    @property
    def total_points(self) -> float:
        return sum(b.points for b in self.blocks)

    def grade(self, score: float) -> str:
        return next((g.grade for g in self.grades if score >= g.min), self.grades[-1].grade)


class Standard(_Model):
    id: str
    title: str
    domain: Literal["air", "water", "noise", "radiation", "ecology"]
    from_: dt.date = Field(alias="from")
    to: dt.date | None = None
    certainty: Literal["P", "S", "U"]

    def in_force(self, year: int) -> bool:
        """In force on some day of ``year``."""
        return self.from_ <= dt.date(year, 12, 31) and (self.to is None or self.to >= dt.date(year, 1, 1))


class StandardsConfig(_Model):
    standards: list[Standard]

    def for_year(self, year: int, domain: str | None = None) -> list[Standard]:
        return [s for s in self.standards if s.in_force(year) and (domain is None or s.domain == domain)]


MODELS = {"evaluation": EvaluationConfig, "monthly": MonthlyConfig, "assessment": AssessmentConfig,
          "standards": StandardsConfig}


def read_config(kind: str, path: str | Path | None = None):
    """The configuration ``kind`` (evaluation | monthly | assessment | standards): the bundled file, or ``path``."""
    if path is None:
        return _bundled(kind)
    return _parse(kind, Path(path).read_text(encoding="utf-8"), str(path))


@cache
def _bundled(kind: str):
    text = resources.files("meili.data").joinpath("report", f"{kind}.yaml").read_text(encoding="utf-8")
    return _parse(kind, text, f"meili/data/report/{kind}.yaml")


def _parse(kind: str, text: str, name: str):
    try:
        return MODELS[kind].model_validate(yaml.safe_load(text))
    except yaml.YAMLError as e:
        raise InputError(Problem("invalid_input", file=name, detail=str(e))) from None
    except ValidationError as e:
        raise InputError(*[Problem("invalid_input", file=name, column=".".join(map(str, err["loc"])),
                                   detail=Text(err["msg"], err["msg"])) for err in e.errors()]) from None
