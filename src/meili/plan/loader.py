"""Loading and validating plan files: errors name the file, the measure and the field."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path

import yaml
from pydantic import ValidationError

from meili.errors import MeiliError, Problem, Text
from meili.plan.model import Plan
from meili.standards.computations import COMPUTATIONS


@dataclass(frozen=True, init=False)
class PlanProblem(Problem):
    """One problem of a plan file, a :class:`meili.errors.Problem` (kind ``plan``) naming the measure and the field.

    ``PlanProblem(file, measure, field, message)``; ``message`` is the detail (bilingual text). Rendered as
    ``file: measure 16.1, field targets.2025: …`` (Chinese: ``file: 测度 16.1，字段 targets.2025: …``).
    """

    measure: str | None = None
    field: str = "plan"

    def __init__(self, file: str, measure: str | None, field: str, message: str | Text, kind: str = "plan"):
        super().__init__(kind, file=file, column=field, detail=message)
        object.__setattr__(self, "measure", measure)
        object.__setattr__(self, "field", field)

    def where(self, lang="both") -> str:
        if lang == "zh":
            return f"{self.file}: " + (f"测度 {self.measure}，" if self.measure else "") + f"字段 {self.field}"
        return f"{self.file}: " + (f"measure {self.measure}, " if self.measure else "") + f"field {self.field}"

    def render(self, lang="both") -> str:
        detail = self.detail.render(lang) if isinstance(self.detail, Text) else self.detail
        return f"{self.where(lang)}: {detail}"

    def __str__(self) -> str:
        return self.render()


class PlanError(MeiliError, ValueError):
    """A plan file that cannot be used; ``problems`` lists every problem found (file, measure, field, message)."""

    kind = "plan"
    shown = 1000

    def __init__(self, problems: list[PlanProblem]):
        super().__init__(*problems)


def builtin_plan_dir() -> Path:
    return Path(str(resources.files("meili.data").joinpath("plans")))


def builtin_plans() -> dict[str, Path]:
    """Plan id → file of the plans shipped with Meili (the file stem is the plan id)."""
    return {p.stem: p for p in sorted(builtin_plan_dir().glob("*.yaml"))}


def _binding_fields(loc: list) -> list:
    """``loc`` without the discriminator tag pydantic inserts after ``computed_by`` (``air.pm25_annual_mean``)."""
    return [x for i, x in enumerate(loc) if not (i > 0 and loc[i - 1] == "computed_by" and x in COMPUTATIONS)]


def _message(e: dict, loc: list) -> tuple[list, str]:
    """(location, message) of one pydantic error: the value found and what was expected, in Chinese and English."""
    kind, ctx, value = e["type"], e.get("ctx") or {}, e.get("input")
    names = ", ".join(COMPUTATIONS)
    if kind == "union_tag_invalid":
        return [*loc, "computation"], f"未知计算 / unknown computation {ctx.get('tag')!r}: expected one of {names}"
    if kind == "union_tag_not_found":
        return [*loc, "computation"], f"缺少计算名 / no computation named: expected one of {names}"
    if loc and loc[-1] == "computed_by" and kind in ("model_attributes_type", "dict_type", "model_type"):
        return loc, (f"值 {value!r} 无效，应为映射 / invalid value {value!r}: expected a mapping such as "
                     "{computation: air.pm25_annual_mean, group: central_urban}")
    if kind == "literal_error":
        expected = ctx.get("expected", "")
        return loc, f"值 {value!r} 无效，应为 {expected} / invalid value {value!r}: expected {expected}"
    if kind == "extra_forbidden":
        allowed = ""
        if "computed_by" in loc:
            tag = next((x for x in e["loc"] if x in COMPUTATIONS), None)
            if tag:
                allowed = f": expected one of {', '.join(COMPUTATIONS[tag].params.model_fields)}"
        return loc, f"未知字段 / unknown field {loc[-1]!r} (value {value!r}){allowed}"
    msg = e["msg"].removeprefix("Value error, ")
    if kind == "value_error" or "input" not in e or isinstance(value, dict):
        return loc, msg
    return loc, f"值 {value!r} 无效 / invalid value {value!r}: {msg}"


def _problems_from_validation(file: str, raw: dict, err: ValidationError) -> list[PlanProblem]:
    problems = []
    for e in err.errors():
        loc, msg = _message(e, _binding_fields(list(e["loc"])))
        measure = None
        if len(loc) >= 4 and loc[0] == "indicators" and loc[2] == "measures":
            try:
                measure = str(raw["indicators"][loc[1]]["measures"][loc[3]].get("id", f"#{loc[3] + 1}"))
            except (KeyError, IndexError, TypeError, AttributeError):
                measure = None
            field = ".".join(str(x) for x in loc[4:]) or "measure"
        elif msg.startswith("measure ") and ", field " in msg:
            head, _, msg = msg.partition(": ")
            measure, _, field = head.removeprefix("measure ").partition(", field ")
        else:
            field = ".".join(str(x) for x in loc) or "plan"
        if e["type"] == "missing":
            msg = f"缺少必填字段 / required field missing ({field})"
        problems.append(PlanProblem(file, measure, field, msg))
    return problems


def read_plan_file(path: str | Path, known_plans: set[str] | None = None) -> Plan:
    """Read and validate one plan file.

    ``known_plans`` are the plan ids a ``parent`` may name (default: the built-in plans and the files beside it).
    Raises :class:`PlanError` listing every problem.
    """
    path = Path(path)
    file = str(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as e:
        raise PlanError([PlanProblem(file, None, "file", f"无法读取 / cannot read: {e}")]) from None
    if not isinstance(raw, dict):
        raise PlanError([PlanProblem(file, None, "file", "不是规划文件 / not a plan: expected a YAML mapping")])
    try:
        plan = Plan.model_validate(raw)
    except ValidationError as e:
        raise PlanError(_problems_from_validation(file, raw, e)) from None
    if known_plans is None:
        known_plans = set(builtin_plans()) | {p.stem for p in path.parent.glob("*.yaml")}
    if plan.parent is not None and plan.parent not in known_plans:
        raise PlanError(
            [PlanProblem(file, None, "parent", f"上级规划不存在 / parent plan {plan.parent!r} does not exist "
                         f"(known: {', '.join(sorted(known_plans))})")]
        )
    return plan


def load_plan(plan: str | Path) -> Plan:
    """A built-in plan by id (``ganzhou``, ``jiangxi``), or a plan file by path."""
    plans = builtin_plans()
    if str(plan) in plans:
        return _load_builtin(str(plan))
    path = Path(plan)
    if path.suffix in (".yaml", ".yml") and path.exists():
        return read_plan_file(path)
    raise PlanError([PlanProblem(str(plan), None, "plan", f"未知规划 / unknown plan; built-in plans: {', '.join(plans)}",
                                 kind="unknown_plan")])


@cache
def _load_builtin(plan_id: str) -> Plan:
    """Built-in plans are read and validated once per process."""
    return read_plan_file(builtin_plans()[plan_id])
