"""`meili demo` runs the whole pipeline on the bundled example (the README's first command)."""

from __future__ import annotations

from typer.testing import CliRunner

from meili.cli import app
from meili.store import open_workspace


def test_demo_runs_the_pipeline_end_to_end(tmp_path):
    result = CliRunner().invoke(app, ["demo", "--workspace", str(tmp_path / "ws")])
    assert result.exit_code == 0, result.output
    out = result.output
    assert "56 测度 measures" in out and "[7/7]" in out
    assert "16.1 中心城区 2019 = 29 μg/m³" in out and "17.1 中心城区 2019 = 92.1 %" in out  # real hourly data
    ws = open_workspace(tmp_path / "ws")
    imports = ws.imports().to_pylist()
    assert [i["producer"] for i in imports] == [
        "meili demo (bundled example)", "meili demo: air indicators", "meili demo: water indicators",
        "meili demo: air results", "meili demo: water results", "meili demo: water results"]
    # release 1 holds the recorded results: Ganzhou 2019 air (as `meili air annual` computes it) and water 2023–2024
    from meili.app import Meili

    release = Meili(tmp_path / "ws").release()
    assert release.number == 1 and "发布 / release 1" in out
    results = release.table("results").to_pylist()
    city = {r["metric"]: r["value"] for r in results
            if (r["domain"], r["scope"], r["code"], r["year"], r["month"]) == ("air", "city", "360700", 2019, None)}
    assert (city["pm25"], city["good_rate"], city["composite_index"]) == (29.0, 92.1, 3.73)
    assert {r["year"] for r in results if r["domain"] == "water"} == {2023, 2024}
    assert release.info.counts["evaluations"] > 0 and release.info.counts["rankings"] > 0
    # the water computation revised the example's reported values: both revisions kept
    history = ws.history(plan="ganzhou", region="360700", measure="18.1").to_pylist()
    assert sorted(r["revision"] for r in history if r["year"] == 2024) == [1, 2]
    assert "合计 total" in out and "赣县区" in out and "大余县" in out


def test_defect_03_demo_refuses_a_workspace_holding_other_data_unless_forced(tmp_path):
    """Issue 15 #3: the demo's simulated values must not become current over real ones without a word."""
    from meili.examples import EXAMPLE_CSV
    from meili.store import init_workspace

    ws = init_workspace(tmp_path / "real")
    real = tmp_path / "real.csv"
    real.write_text(EXAMPLE_CSV.read_text(encoding="utf-8").splitlines()[0] + "\n"
                    "ganzhou,360700,2,2024,99,,%,统计局,,false\n", encoding="utf-8")
    assert CliRunner().invoke(app, ["data", "import", str(real), "-w", str(ws.root)]).exit_code == 0
    result = CliRunner().invoke(app, ["demo", "-w", str(ws.root)])
    assert result.exit_code == 1 and "--force" in result.output and "1 次非演示导入" in result.output
    assert [r["value"] for r in ws.current_observations(measure="2").to_pylist()] == [99.0]  # nothing written
    assert len(ws.imports()) == 1


def test_demo_runs_again_on_its_own_workspace_and_changes_nothing(tmp_path):
    root = tmp_path / "ws"
    assert CliRunner().invoke(app, ["demo", "-w", str(root)]).exit_code == 0
    before = open_workspace(root).current_observations()
    result = CliRunner().invoke(app, ["demo", "-w", str(root)])
    assert result.exit_code == 0, result.output
    assert "新增 new 0" in result.output
    keys = ["plan", "region", "measure", "year", "value", "state", "unit", "provisional"]
    assert open_workspace(root).current_observations().select(keys).equals(before.select(keys))
