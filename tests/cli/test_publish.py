"""`meili publish`: the release number on the first line, then a summary; a user's mistake is a message."""

from __future__ import annotations

from typer.testing import CliRunner

from meili.cli import app
from meili.store import Origin, init_workspace
from tests.store.test_store import ROWS, obs


def test_publish_prints_the_number_first_and_says_when_nothing_changed(tmp_path):
    ws = init_workspace(tmp_path / "ws")
    ws.write_observations(obs(ROWS), Origin(file="a.csv", producer="test"))
    first = CliRunner().invoke(app, ["publish", "-w", str(ws.root), "--note", "月报 2024-06"])
    assert first.exit_code == 0, first.output
    assert first.stdout.splitlines()[0] == "1" and "observations 3" in first.stdout
    second = CliRunner().invoke(app, ["publish", "-w", str(ws.root)])
    assert second.stdout.splitlines()[0] == "2" and "no changes since release 1" in second.stdout


def test_publish_outside_a_workspace_is_a_bilingual_error(tmp_path):
    r = CliRunner().invoke(app, ["publish", "-w", str(tmp_path)])
    assert r.exit_code == 1 and "不是 Meili 工作区" in r.output and "not a Meili workspace" in r.output
    assert "Traceback" not in r.output
