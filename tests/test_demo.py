"""`meili demo` runs the whole pipeline on the bundled example (the README's first command)."""

from __future__ import annotations

from typer.testing import CliRunner

from meili.cli import app
from meili.store import open_workspace


def test_demo_runs_the_pipeline_end_to_end(tmp_path):
    result = CliRunner().invoke(app, ["demo", "--workspace", str(tmp_path / "ws")])
    assert result.exit_code == 0, result.output
    out = result.output
    assert "56 测度 measures" in out and "[5/5]" in out
    assert "16.1 中心城区 2019 = 29 μg/m³" in out and "17.1 中心城区 2019 = 92.1 %" in out  # real hourly data
    ws = open_workspace(tmp_path / "ws")
    imports = ws.imports().to_pylist()
    assert [i["producer"] for i in imports] == [
        "meili demo (bundled example)", "meili demo: air indicators", "meili demo: water indicators"]
    # the water computation revised the example's reported values: both revisions kept
    history = ws.history(plan="ganzhou", region="360700", measure="18.1").to_pylist()
    assert sorted(r["revision"] for r in history if r["year"] == 2024) == [1, 2]
    assert "合计 total" in out and "赣县区" in out and "大余县" in out
