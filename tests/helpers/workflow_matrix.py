"""The cells of the policy matrix (tests/app/test_policy.py ``expected_matrix``) as the workflow reaches them: the
actions, the unit each role × own/other targets, and :class:`World`, which drives a unit's submission and a year's
period into each state through the app (``app.workflow`` with hand-made users, below the CLI and the web).

Used by the matrix through the HTTP API (tests/web/test_desk_matrix.py) and through the CLI
(tests/cli/test_workflow_matrix.py): each sends every reachable cell and compares the answer with the spec.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date

from meili.app.policy import Action, PeriodState, Role, SubmissionState
from meili.errors import MeiliError
from tests.app.test_policy import expected_matrix
from tests.helpers.workflow import PUBLISHER, REVIEWER, full_rows, lead, reporter

YEAR, PERIOD_YEAR = 2024, 2025
UNIT_ACTIONS = [Action.save_values, Action.submit, Action.withdraw, Action.approve, Action.return_submission,
                Action.unapprove, Action.raise_query, Action.answer_query, Action.read_submissions]
PERIOD_ACTIONS = [Action.open_period, Action.close_period, Action.finalize_period, Action.publish]
#: One signed-in person per role (public has no account: anonymous requests are 401, CLI sign-in fails).
ROLES = [Role.reporter, Role.unit_lead, Role.reviewer, Role.publisher, Role.user_admin, Role.auditor]
WHY = "数值已与县统计年鉴及监测站原始记录逐项核对"
#: The unit a cell targets: own = a unit the user is granted (the reviewer's own is the city bureau).
TARGET = {("reviewer", "own"): "dept-environment", ("reviewer", "other"): "360722"}


def target(role: Role, whose: str) -> str:
    return TARGET.get((str(role), whose), "360722" if whose == "own" else "360723")


class World:
    """The workspace and the moves that put a unit's submission and a year's period into a state."""

    def __init__(self, app):
        self.app, self.wf = app, app.workflow
        self.rows = {}

    def period_state(self, year: int) -> str:
        p = self.wf.period(year)
        return p["state"] if p else "planned"

    def sub_state(self, year: int, unit: str) -> str:
        return (self.wf.submission(year, unit) or {}).get("state") or "draft"

    def period_to(self, year: int, state: str) -> None:
        for _ in range(8):
            now = self.period_state(year)
            if now == state:
                return
            if now == "planned" or (now == "closed" and state == "open"):
                self.wf.open_period(PUBLISHER, year, opens=date(2025, 1, 1), closes=date(2025, 3, 31))
            elif now == "open":
                self.wf.close_period(PUBLISHER, year)
            elif now == "closed" and state in ("finalized", "published"):
                self.wf.finalize_period(PUBLISHER, year)
            elif now == "closed":
                self.wf.open_period(PUBLISHER, year)
            elif now == "finalized":
                self.wf.publish_period(PUBLISHER, year)
            elif now == "published":
                self.wf.revise_period(PUBLISHER, year, "矩阵测试：重新开放以设置状态")
        assert self.period_state(year) == state

    def close_queries(self, year: int, unit: str) -> None:
        for q in self.wf.queries(year, unit):
            if q["state"] != "closed":
                self.wf.close_query(REVIEWER, q["id"])

    def sub_to(self, year: int, unit: str, state: str, with_query: bool = False) -> None:
        """The unit's submission into ``state`` (the period open meanwhile); ``with_query``: an open query."""
        wf = self.wf
        if unit not in self.rows:
            self.rows[unit] = full_rows(self.app, unit)
        for _ in range(8):
            now = self.sub_state(year, unit)
            if now == "submitted":
                self.close_queries(year, unit)
            if now == state and (not with_query or any(q["state"] == "open" for q in wf.queries(year, unit))):
                return
            if now == "draft":
                version = wf.submission(year, unit)["version"] if wf.submission(year, unit) else 0
                wf.save_values(reporter(unit), year, unit, [
                    {"region": r, "measure": m, "value": v, "explanation": WHY} for r, m, v in self.rows[unit]],
                    expected_version=version)
                wf.submit(lead(unit), year, unit)
            elif now == "submitted":
                if with_query and not any(q["state"] == "open" for q in wf.queries(year, unit)):
                    r, m, _ = self.rows[unit][0]
                    wf.raise_query(REVIEWER, year, unit, r, m, "矩阵测试：请核实该数值")
                    if state == "submitted":
                        return
                if state == "draft":
                    wf.withdraw(lead(unit), year, unit)
                elif state == "returned":
                    wf.return_submission(REVIEWER, year, unit, "矩阵测试：请补充该数值的来源说明")
                elif state == "approved":
                    wf.approve(REVIEWER, year, unit)
            elif now == "returned":
                wf.submit(lead(unit), year, unit)
            elif now == "approved":
                wf.unapprove(REVIEWER, year, unit, "矩阵测试：撤销以设置状态")
        assert self.sub_state(year, unit) == state

    def setup(self, year: int, unit: str, sub: str, period: str, with_query: bool) -> bool:
        """Put the unit and the period into (sub, period); False when it cannot be reached."""
        if period == "planned":
            return sub == "draft" and self.period_state(year) == "planned"
        if sub == "submitted" and period in ("finalized", "published"):
            return False  # 定库 is refused while a submission awaits review
        if (self.sub_state(year, unit), self.period_state(year)) == (sub, period) and not with_query:
            return True
        try:
            if self.period_state(year) != "open":
                self.period_to(year, "open")
            for other in ("360722", "360723", "dept-environment"):  # nothing awaiting review blocks 定库
                if other != unit and period in ("finalized", "published") and \
                        self.sub_state(year, other) == "submitted":
                    self.sub_to(year, other, "draft")
            self.sub_to(year, unit, sub, with_query=with_query)
            self.period_to(year, period)
        except MeiliError:
            return False
        return (self.sub_state(year, unit), self.period_state(year)) == (sub, period)


def prepared(world: World) -> World:
    """A (closed) query on each target unit, so that answer_query cells have one to reopen; every unit back to
    draft in an open period."""
    for unit in ("360722", "360723", "dept-environment"):
        world.period_to(YEAR, "open")
        world.sub_to(YEAR, unit, "submitted", with_query=True)
        world.close_queries(YEAR, unit)
        world.sub_to(YEAR, unit, "draft")
    return world


@dataclass
class Cell:
    """One cell of the matrix, the world already in its state: ``send`` it and compare with ``allowed``."""

    key: tuple  # (role, action, own/other or "-", submission state or "*", period state)
    role: Role
    action: Action
    unit: str
    year: int
    period: str
    allowed: bool


@dataclass
class Walk:
    """Counts of a walk through the matrix: cells sent, cells no sequence of actions reaches."""

    done: int = 0
    unreachable: int = 0
    wrong: list = field(default_factory=list)

    def check(self, cell: Cell, ok: bool, answer: object) -> None:
        self.done += 1
        if not ok:
            self.wrong.append((cell.key, str(answer)[:300]))

    def verdict(self, at_least: int) -> None:
        assert not self.wrong, f"{len(self.wrong)} of {self.done} cells differ, e.g. {self.wrong[:5]}"
        assert self.done >= at_least, (self.done, self.unreachable)


def unit_cells(world: World, walk: Walk) -> Iterator[Cell]:
    """Every reachable cell of the unit actions, each yielded once ``world`` is in its state (progress with -s)."""
    expected = expected_matrix()
    for period in PeriodState:
        for sub in SubmissionState:
            started = time.monotonic()
            print(f"{period}/{sub}", end=" ", flush=True)
            for action in UNIT_ACTIONS:
                for role in ROLES:
                    for whose in ("own", "other"):
                        unit = target(role, whose)
                        year = 2023 if period == "planned" else YEAR  # 2023: never opened
                        live = sub in ("submitted", "returned") and period in ("open", "closed")
                        if not world.setup(year, unit, str(sub), str(period),
                                           with_query=action == Action.answer_query and live) or \
                                (action == Action.answer_query and not world.wf.queries(year, unit)):
                            walk.unreachable += 1
                            continue
                        key = (role, action, whose, sub, period)
                        yield Cell(key, role, action, unit, year, str(period), expected[key])
            print(f"{time.monotonic() - started:.1f}s", flush=True)


def period_cells(world: World) -> Iterator[Cell]:
    """Every cell of the period actions (no unit, no submission: the spec gives them one answer for all), each
    yielded once ``world`` has the year's period in its state; a planned period's allowed cells use unopened years."""
    expected = expected_matrix()
    spare = iter(range(2026, 2036))
    for period in PeriodState:
        for action in PERIOD_ACTIONS:
            for role in ROLES:
                answers = {expected[(role, action, w, s, period)] for w in ("own", "other") for s in SubmissionState}
                assert len(answers) == 1
                allowed = answers.pop()
                year = PERIOD_YEAR if period != "planned" else next(spare) if allowed else 2020
                if period != "planned":
                    world.period_to(year, str(period))
                yield Cell((role, action, "-", "*", period), role, action, "-", year, str(period), allowed)


#: Cells each walk must reach (the rest no sequence of actions reaches: a submitted report in a finalized period …).
UNIT_CELLS_AT_LEAST = len(ROLES) * len(UNIT_ACTIONS) * 2 * 8
PERIOD_CELLS = len(PeriodState) * len(PERIOD_ACTIONS) * len(ROLES)
