"""The policy matrix through the CLI: role × action × own/other unit × submission state × period state, each
reachable cell run as a ``meili submissions …`` or ``meili periods …`` command signed in as the role's user
(``--as`` and ``$MEILI_PASSWORD``) and answered exit 0, or exit 1 with a bilingual ``forbidden`` error, exactly as
the spec of tests/app/test_policy.py (``expected_matrix``) says — the spec the HTTP matrix
(tests/web/test_desk_matrix.py) is held to. The states are set up by the same :class:`World`.
"""

from __future__ import annotations

import csv

import pytest
from typer.testing import CliRunner

from meili.app.policy import Action
from meili.cli import app as cli
from tests.helpers.workflow import full_rows
from tests.helpers.workflow_matrix import (
    PERIOD_CELLS,
    UNIT_CELLS_AT_LEAST,
    WHY,
    Cell,
    Walk,
    World,
    period_cells,
    prepared,
    unit_cells,
)
from tests.web.test_desk_api import PASSWORD, login_name, make_desk_workspace


def arguments(world: World, cell: Cell, scratch) -> list[str]:
    """The command line of ``cell``'s action (without ``--as`` and ``-w``)."""
    y, unit, a = str(cell.year), cell.unit, cell.action
    if a == Action.save_values:
        sub = world.wf.submission(cell.year, unit)
        region, measure, value = world.rows.setdefault(unit, full_rows(world.app, unit))[0]
        path = scratch / f"{unit}.csv"
        with open(path, "w", newline="", encoding="utf-8") as f:
            w = csv.writer(f)
            w.writerow(["plan", "region", "measure", "year", "value", "source", "note"])
            w.writerow(["ganzhou", region, measure, y, value, "矩阵测试", WHY])
        return ["submissions", "save", y, unit, str(path), "--version", str(sub["version"] if sub else 0)]
    if a == Action.raise_query:
        region, measure, _ = world.rows.setdefault(unit, full_rows(world.app, unit))[0]
        return ["submissions", "query", "raise", y, unit, region, measure, "矩阵测试：请核实"]
    if a == Action.answer_query:
        return ["submissions", "query", "answer", str(world.wf.queries(cell.year, unit)[-1]["id"]), "矩阵测试：已核实"]
    if a == Action.publish and cell.period == "published":  # a published period's "publish" is its revision
        return ["periods", "revise", y, "--reason", "矩阵测试：修订"]
    return {
        Action.submit: ["submissions", "submit", y, unit],
        Action.withdraw: ["submissions", "withdraw", y, unit],
        Action.approve: ["submissions", "approve", y, unit],
        Action.return_submission: ["submissions", "return", y, unit, "--reason", "矩阵测试：请补充该数值的来源说明"],
        Action.unapprove: ["submissions", "unapprove", y, unit, "--reason", "矩阵测试：撤销审核通过"],
        Action.read_submissions: ["submissions", "show", y, unit],
        Action.open_period: ["periods", "open", y],
        Action.close_period: ["periods", "close", y],
        Action.finalize_period: ["periods", "finalize", y],
        Action.publish: ["periods", "publish", y],
    }[a]


def send(world: World, cell: Cell, walk: Walk, scratch) -> None:
    args = [*arguments(world, cell, scratch), "--as", login_name(str(cell.role)), "-w", str(world.app.workspace.root)]
    r = CliRunner().invoke(cli, args, env={"MEILI_PASSWORD": PASSWORD, "MEILI_USER": None})
    assert "Traceback" not in r.output, (cell.key, r.output)
    if cell.allowed:
        ok = r.exit_code == 0
    else:  # refused: exit 1 with the bilingual reason of meili.app.policy
        ok = r.exit_code == 1 and "forbidden" in r.output and "不能" in r.output and "may not" in r.output
    walk.check(cell, ok, f"exit {r.exit_code}: {r.output}")


@pytest.fixture(scope="module")
def cli_world(demo_workspace, tmp_path_factory):
    root = tmp_path_factory.mktemp("cli-matrix")
    return prepared(World(make_desk_workspace(demo_workspace, root / "ws"))), root


@pytest.mark.slow  # several minutes: 1,700 commands and the approvals and publications that set up the states
def test_unit_actions_through_the_cli(cli_world):
    world, scratch = cli_world
    walk = Walk()
    for cell in unit_cells(world, walk):
        send(world, cell, walk, scratch)
    walk.verdict(UNIT_CELLS_AT_LEAST)


@pytest.mark.slow
def test_period_actions_through_the_cli(cli_world):
    world, scratch = cli_world
    walk = Walk()
    for cell in period_cells(world):
        send(world, cell, walk, scratch)
    walk.verdict(PERIOD_CELLS)
