"""The policy matrix through the HTTP API: role × action × own/other unit × submission state × period state, each
reachable cell sent as a request by a signed-in user and answered 2xx or 403 exactly as the spec of
tests/app/test_policy.py (``expected_matrix``) says — the same spec the app's and the CLI's matrices are held to.

States are set up through the app (``app.workflow`` with hand-made users, below the web); a cell that changed the
state (an allowed submit, approve …) is followed by driving the unit back. Period actions (no unit) are the same
request whatever the unit and submission: they run once per role × period state, on a year without submissions.
Cells no sequence of actions can reach (a submitted report in a finalized period …) are counted and left out.
"""

from __future__ import annotations

import pytest

from meili.app.policy import Action
from tests.helpers.workflow import full_rows
from tests.helpers.workflow_matrix import (
    PERIOD_CELLS,
    ROLES,
    UNIT_CELLS_AT_LEAST,
    WHY,
    Cell,
    Walk,
    World,
    period_cells,
    prepared,
    unit_cells,
)
from tests.web.test_desk_api import client_for, desk_app, make_desk_workspace


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
    return prepared(World(app)), {role: client_for(asgi, str(role)) for role in ROLES}


def send(world: World, clients, cell: Cell, walk: Walk) -> None:
    r = request(world, clients[cell.role], cell.action, cell.unit, cell.year, cell.period)
    walk.check(cell, 200 <= r.status_code < 300 if cell.allowed else r.status_code == 403, f"{r.status_code} {r.text}")
    if r.status_code >= 400:
        assert r.json()["message"]["zh"] and r.json()["message"]["en"]


@pytest.mark.slow  # about 8 minutes: 1,700 requests and the approvals and publications that set up the states
def test_unit_actions_through_http(matrix_world):
    world, clients = matrix_world
    walk = Walk()
    for cell in unit_cells(world, walk):
        send(world, clients, cell, walk)
    walk.verdict(UNIT_CELLS_AT_LEAST)


@pytest.mark.slow
def test_period_actions_through_http(matrix_world):
    world, clients = matrix_world
    walk = Walk()
    for cell in period_cells(world):
        send(world, clients, cell, walk)
    walk.verdict(PERIOD_CELLS)
