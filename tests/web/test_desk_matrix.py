"""The policy matrix through the HTTP API: role × action × own/other unit × submission state × period state, each
reachable cell sent as a request by a signed-in user and answered 2xx or 403 exactly as the spec of
tests/app/test_policy.py (``expected_matrix``) says — the same spec the app's and the CLI's matrices are held to.

States are set up through the app (``app.workflow`` with hand-made users, below the web); a cell that changed the
state (an allowed submit, approve …) is followed by driving the unit back. Period actions (no unit) are the same
request whatever the unit and submission: they run once per role × period state, on a year without submissions.
Cells no sequence of actions can reach (a submitted report in a finalized period …) are counted and left out.
"""

from __future__ import annotations

from datetime import date

import pytest

from meili.app.policy import Action, PeriodState, Role, SubmissionState
from meili.errors import MeiliError
from tests.app.test_policy import expected_matrix
from tests.helpers.workflow import PUBLISHER, REVIEWER, full_rows, lead, reporter
from tests.web.test_desk_api import PEOPLE, client_for, desk_app, make_desk_workspace

YEAR, PERIOD_YEAR = 2024, 2025
UNIT_ACTIONS = [Action.save_values, Action.submit, Action.withdraw, Action.approve, Action.return_submission,
                Action.unapprove, Action.raise_query, Action.answer_query, Action.read_submissions]
PERIOD_ACTIONS = [Action.open_period, Action.close_period, Action.finalize_period, Action.publish]
ROLES = [Role(r) for r in PEOPLE]  # public: has no account — anonymous requests are 401 (test_desk_api)
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


def request(world: World, c, action: Action, unit: str, year: int, period: str):
    base = f"/api/desk/submissions/{year}/{unit}"
    if action == Action.save_values:
        sub = world.wf.submission(year, unit)
        r, m, v = world.rows.setdefault(unit, full_rows(world.app, unit))[0]
        return c.put(f"{base}/values", json={"expected_version": sub["version"] if sub else 0,
                                             "rows": [{"region": r, "measure": m, "value": v, "explanation": WHY}]})
    if action == Action.submit:
        return c.post(f"{base}/submit")
    if action == Action.withdraw:
        return c.post(f"{base}/withdraw")
    if action == Action.approve:
        return c.post(f"{base}/approve")
    if action == Action.return_submission:
        return c.post(f"{base}/return", json={"reason": "矩阵测试：请补充该数值的来源说明"})
    if action == Action.unapprove:
        return c.post(f"{base}/unapprove", json={"reason": "矩阵测试：撤销审核通过"})
    if action == Action.raise_query:
        r, m, _ = world.rows.setdefault(unit, full_rows(world.app, unit))[0]
        return c.post(f"{base}/queries", json={"region": r, "measure": m, "question": "矩阵测试：请核实"})
    if action == Action.answer_query:
        qid = world.wf.queries(year, unit)[-1]["id"]
        return c.post(f"/api/desk/queries/{qid}/answer", json={"answer": "矩阵测试：已核实并附来源"})
    if action == Action.read_submissions:
        return c.get(base)
    if action == Action.open_period:
        return c.post(f"/api/desk/periods/{year}/open")
    if action == Action.close_period:
        return c.post(f"/api/desk/periods/{year}/close")
    if action == Action.finalize_period:
        return c.post(f"/api/desk/periods/{year}/finalize")
    if action == Action.publish:  # a published period's "publish" is its revision (release N+1)
        if period == "published":
            return c.post(f"/api/desk/periods/{year}/revise", json={"reason": "矩阵测试：修订"})
        return c.post(f"/api/desk/periods/{year}/publish")
    raise AssertionError(action)


@pytest.fixture(scope="module")
def matrix_world(demo_workspace, tmp_path_factory):
    app = make_desk_workspace(demo_workspace, tmp_path_factory.mktemp("matrix") / "ws")
    asgi = desk_app(app)
    world = World(app)
    for unit in ("360722", "360723", "dept-environment"):  # a (closed) query on each unit, for answer_query cells
        world.period_to(YEAR, "open")
        world.sub_to(YEAR, unit, "submitted", with_query=True)
        world.close_queries(YEAR, unit)
        world.sub_to(YEAR, unit, "draft")
    return world, {role: client_for(asgi, str(role)) for role in ROLES}


def check(status: int, allowed: bool, cell, text: str, wrong: list) -> None:
    ok = 200 <= status < 300 if allowed else status == 403
    if not ok:
        wrong.append((cell, status, text[:300]))


@pytest.mark.slow  # about 8 minutes: 1,700 requests and the approvals and publications that set up the states
def test_unit_actions_through_http(matrix_world):
    world, clients = matrix_world
    expected = expected_matrix()
    wrong, done, unreachable = [], 0, 0
    import time

    for period in PeriodState:
        for sub in SubmissionState:
            started = time.monotonic()
            print(f"{period}/{sub}", end=" ", flush=True)  # progress with -s
            for action in UNIT_ACTIONS:
                for role in ROLES:
                    for whose in ("own", "other"):
                        unit = target(role, whose)
                        year = 2023 if period == "planned" else YEAR  # 2023: never opened
                        live = sub in ("submitted", "returned") and period in ("open", "closed")
                        if not world.setup(year, unit, str(sub), str(period),
                                           with_query=action == Action.answer_query and live):
                            unreachable += 1
                            continue
                        cell = (role, action, whose, sub, period)
                        if action == Action.answer_query and not world.wf.queries(year, unit):
                            unreachable += 1
                            continue
                        r = request(world, clients[role], action, unit, year, str(period))
                        check(r.status_code, expected[cell], cell, r.text, wrong)
                        if r.status_code >= 400:
                            assert r.json()["message"]["zh"] and r.json()["message"]["en"]
                        done += 1
            print(f"{time.monotonic() - started:.1f}s", flush=True)
    assert not wrong, f"{len(wrong)} of {done} cells differ, e.g. {wrong[:5]}"
    assert done >= len(ROLES) * len(UNIT_ACTIONS) * 2 * 8, (done, unreachable)


@pytest.mark.slow
def test_period_actions_through_http(matrix_world):
    world, clients = matrix_world
    expected = expected_matrix()
    wrong, done = [], 0
    spare = iter(range(2026, 2036))  # unopened years for the allowed cells of a planned period
    for period in PeriodState:
        for action in PERIOD_ACTIONS:
            for role in ROLES:
                # a period action involves no unit and no submission: the spec gives it one answer for them all
                answers = {expected[(role, action, w, s, period)] for w in ("own", "other") for s in SubmissionState}
                assert len(answers) == 1
                allowed = answers.pop()
                year = PERIOD_YEAR if period != "planned" else next(spare) if allowed else 2020
                if period != "planned":
                    world.period_to(year, str(period))
                r = request(world, clients[role], action, "-", year, str(period))
                check(r.status_code, allowed, (role, action, "-", "*", period), r.text, wrong)
                done += 1
    assert not wrong, f"{len(wrong)} of {done} cells differ, e.g. {wrong[:5]}"
    assert done == len(PeriodState) * len(PERIOD_ACTIONS) * len(ROLES)
