"""`meili plan validate`: each kind of broken plan rejected with file, measure and field named."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from meili.cli import app
from meili.plan import PlanError, builtin_plans, read_plan_file

runner = CliRunner()


def write_variant(tmp_path: Path, mutate) -> Path:
    data = yaml.safe_load(builtin_plans()["ganzhou"].read_text(encoding="utf-8"))
    mutate(data)
    path = tmp_path / "broken.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def measure(data, mid):
    return next(m for ind in data["indicators"] for m in ind["measures"] if m["id"] == mid)


def test_builtin_plans_validate():
    result = runner.invoke(app, ["plan", "validate", *map(str, builtin_plans().values())])
    assert result.exit_code == 0, result.output
    assert "56 measures" in result.output


def test_unreadable_target(tmp_path):
    path = write_variant(tmp_path, lambda d: measure(d, "9.3")["targets"].__setitem__(2025, "三到五个"))
    result = runner.invoke(app, ["plan", "validate", str(path)])
    assert result.exit_code == 1
    assert str(path) in result.output and "measure 9.3" in result.output and "field targets.2025" in result.output
    assert "三到五个" in result.output


def test_missing_direction(tmp_path):
    path = write_variant(tmp_path, lambda d: measure(d, "17.2").pop("direction"))
    with pytest.raises(PlanError) as e:
        read_plan_file(path)
    [p] = e.value.problems
    assert (p.file, p.measure, p.field) == (str(path), "17.2", "direction")
    result = runner.invoke(app, ["plan", "validate", str(path)])
    assert result.exit_code == 1 and "measure 17.2, field direction" in result.output


def test_duplicate_measure_id(tmp_path):
    path = write_variant(tmp_path, lambda d: measure(d, "9.4").__setitem__("id", "9.3"))
    result = runner.invoke(app, ["plan", "validate", str(path)])
    assert result.exit_code == 1
    assert "measure 9.3, field id" in result.output and "duplicate" in result.output


def test_parent_that_does_not_exist(tmp_path):
    path = write_variant(tmp_path, lambda d: d.__setitem__("parent", "guangdong"))
    result = runner.invoke(app, ["plan", "validate", str(path)])
    assert result.exit_code == 1
    assert str(path) in result.output and "field parent" in result.output and "guangdong" in result.output


def test_trend_against_direction(tmp_path):
    path = write_variant(tmp_path, lambda d: measure(d, "20")["targets"].__setitem__(2035, "持续提升"))
    with pytest.raises(PlanError, match=r"measure 20, field targets.2035: trend '持续提升' contradicts"):
        read_plan_file(path)


def test_not_yaml(tmp_path):
    path = tmp_path / "x.yaml"
    path.write_text("a: [unclosed", encoding="utf-8")
    with pytest.raises(PlanError, match="cannot read"):
        read_plan_file(path)


def test_show_measure_and_unknown_measure():
    result = runner.invoke(app, ["plan", "show", "ganzhou", "17.2"])
    assert result.exit_code == 0 and "97.2%" in result.output and "≥ 97.2" in result.output
    result = runner.invoke(app, ["plan", "show", "ganzhou", "99.9"])
    assert result.exit_code == 1 and "99.9" in result.output


def test_regions_list_and_retired_codes():
    from meili.plan import load_regions

    regions = load_regions()
    assert regions.resolve("360727") == "360783" and regions.resolve("南康市" if False else "360782") == "360703"
    assert regions.resolve("中心城区") == "central_urban" and regions.name("360781") == "瑞金市"
    assert len([r for r in regions.children("360700") if r.kind != "functional_zone"]) == 18
    result = runner.invoke(app, ["regions", "list", "--parent", "360700", "--format", "csv"])
    assert result.exit_code == 0
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 1 + 20 + 2  # header, 18 counties + 2 zones, 2 groups


def test_published_json_schema_is_current():
    from meili.plan.schema import plan_json_schema
    from tests.conftest import REPO

    assert (REPO / "docs" / "plan.schema.json").read_text(encoding="utf-8") == plan_json_schema(), (
        "regenerate: python -c \"from meili.plan.schema import plan_json_schema; "
        "open('docs/plan.schema.json','w').write(plan_json_schema())\""
    )
