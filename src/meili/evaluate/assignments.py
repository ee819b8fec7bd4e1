"""Delegated targets (按省下达目标…) and the numbers a higher level later assigns to them.

An assignments file (YAML) lists what was assigned, by whom and in which document::

    assignments:
      - plan: ganzhou
        measure: "5"
        milestone: 2025
        target: "≤95"                 # read with meili.plan.parse_target, with the measure's direction
        assigned_by: province
        document: 江西省“十四五”用水总量和强度双控目标 (赣水发〔2022〕…号)
        region: "360702"              # optional: only for this region; without it, for every region

Every entry is validated against the plan: the measure exists, the milestone is one of the plan's, the plan's
target for it is delegated, the text reads as a concrete target, the same (measure, milestone, region) is not
assigned twice. A delegated target without an assignment gets the status ``target_pending``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from meili.errors import MeiliError
from meili.plan import Plan, Target, TargetKind, TargetTextError, parse_target


class AssignmentError(MeiliError, ValueError):
    """An assignments file that cannot be used; one problem per mistake (file, entry, field)."""

    kind = "assignment"


class Assignment(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    plan: str
    measure: str
    milestone: int
    target: str = Field(description="The assigned target as text, e.g. '≤95', '3~5', '[18]'.")
    assigned_by: Literal["province", "nation"]
    document: str = Field(min_length=1, description="The document that assigns it (title and number).")
    region: str | None = Field(None, description="Region code, when the assignment is for one region only.")

    def parsed(self, plan: Plan) -> Target:
        m = plan.measure(self.measure)
        delegated = m.targets[self.milestone]
        t = parse_target(self.target, m.direction, m.vocabulary)
        if delegated.op and t.kind == TargetKind.BOUND and t.implicit_op:
            # A bare number under 不低于国家下发数据 takes the delegated comparison (≥).
            t = t.model_copy(update={"op": delegated.op})
        return t


class AssignmentsFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    assignments: list[Assignment] = Field(default_factory=list)


def validate_assignments(assignments: list[Assignment], plan: Plan, source: str = "assignments") -> list[Assignment]:
    """The assignments of ``plan`` (others are ignored), checked; raises :class:`AssignmentError` listing problems."""
    problems: list[str] = []
    seen: set[tuple[str, int, str | None]] = set()
    mine = [a for a in assignments if a.plan == plan.id]
    ids = {m.id for m in plan.measures}
    for i, a in enumerate(mine, 1):
        where = f"{source}: entry {i} (measure {a.measure}, milestone {a.milestone})"
        if a.measure not in ids:
            problems.append(f"{where}, field measure: 规划中无此测度 / plan {plan.id} has no measure {a.measure!r}")
            continue
        m = plan.measure(a.measure)
        target = m.targets.get(a.milestone)
        if target is None:
            problems.append(f"{where}, field milestone: 不是规划目标年 / not a milestone of {plan.id} "
                            f"({', '.join(map(str, plan.milestones))})")
            continue
        if target.kind != TargetKind.DELEGATED:
            problems.append(f"{where}, field target: 该目标不是下达目标 / the plan's target {target.text!r} "
                            f"is not delegated")
            continue
        if a.assigned_by != target.assigned_by:
            problems.append(f"{where}, field assigned_by: 规划写明由 {target.assigned_by} 下达 / the plan says "
                            f"{target.assigned_by!r}, not {a.assigned_by!r}")
        try:
            t = a.parsed(plan)
        except TargetTextError as e:
            problems.append(f"{where}, field target: {e}")
            continue
        if t.kind in (TargetKind.DELEGATED, TargetKind.NONE):
            problems.append(f"{where}, field target: 须为具体目标值 / must be a concrete target, not {a.target!r}")
        key = (a.measure, a.milestone, a.region)
        if key in seen:
            problems.append(f"{where}, field region: 重复下达 / assigned twice for region {a.region or '(all)'}")
        seen.add(key)
    if problems:
        raise AssignmentError(*problems)
    return mine


def load_assignments(path: str | Path, plan: Plan) -> list[Assignment]:
    """Read and validate an assignments file for ``plan``."""
    path = Path(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as e:
        raise AssignmentError(f"{path}: 无法读取 / cannot read: {e}") from None
    if isinstance(raw, list):
        raw = {"assignments": raw}
    try:
        parsed = AssignmentsFile.model_validate(raw)
    except ValidationError as e:
        lines = []
        for x in e.errors():
            loc = list(x["loc"])
            entry = f"entry {loc[1] + 1}, " if len(loc) >= 2 and loc[0] == "assignments" else ""
            field = ".".join(map(str, loc[2:] if entry else loc)) or "file"
            lines.append(f"{path}: {entry}field {field}: {x['msg']}")
        raise AssignmentError(*lines) from None
    return validate_assignments(parsed.assignments, plan, str(path))
