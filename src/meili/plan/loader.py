"""Loading and validating plan files: errors name the file, the measure and the field."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path

import yaml
from pydantic import ValidationError

from meili.plan.model import Plan


@dataclass(frozen=True)
class PlanProblem:
    file: str
    measure: str | None
    field: str
    message: str

    def __str__(self) -> str:
        where = f"measure {self.measure}, " if self.measure else ""
        return f"{self.file}: {where}field {self.field}: {self.message}"


class PlanError(ValueError):
    """A plan file that cannot be used; ``problems`` lists every problem found (file, measure, field, message)."""

    def __init__(self, problems: list[PlanProblem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


def builtin_plan_dir() -> Path:
    return Path(str(resources.files("meili.data").joinpath("plans")))


def builtin_plans() -> dict[str, Path]:
    """Plan id → file of the plans shipped with Meili (the file stem is the plan id)."""
    return {p.stem: p for p in sorted(builtin_plan_dir().glob("*.yaml"))}


def _problems_from_validation(file: str, raw: dict, err: ValidationError) -> list[PlanProblem]:
    problems = []
    for e in err.errors():
        loc = list(e["loc"])
        msg = e["msg"].removeprefix("Value error, ")
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
    raise PlanError([PlanProblem(str(plan), None, "plan", f"未知规划 / unknown plan; built-in plans: {', '.join(plans)}")])


@cache
def _load_builtin(plan_id: str) -> Plan:
    """Built-in plans are read and validated once per process."""
    return read_plan_file(builtin_plans()[plan_id])
