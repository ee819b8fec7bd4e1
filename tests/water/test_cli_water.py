"""``meili water`` commands on the synthetic example: outputs and the exit code on bad input."""

from __future__ import annotations

import csv
from pathlib import Path

from typer.testing import CliRunner

from meili.cli import app

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "water"
ARGS = [str(EXAMPLES / "samples.csv"), "--sections", str(EXAMPLES / "sections.csv")]


def rows(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_indicators_command_writes_observations(tmp_path):
    out = tmp_path / "ind.csv"
    result = CliRunner().invoke(app, ["water", "indicators", *ARGS, "--plan", "ganzhou", "--year", "2024", "-o", str(out)])
    assert result.exit_code == 0, result.output
    got = rows(out)
    assert list(got[0]) == ["plan", "region", "measure", "year", "value", "state", "unit", "source", "note"]
    city = {r["measure"]: float(r["value"]) for r in got if r["region"] == "360700"}
    assert set(city) == {"18.1", "18.2", "19.1", "19.2"}
    assert all(0 <= v <= 100 for v in city.values())


def test_classify_summary_rank_columns(tmp_path):
    runner = CliRunner()
    for command, extra, first in [
        ("classify", ["--period", "month"], ["section", "period", "class", "status", "main_pollutants"]),
        ("summary", ["--year", "2024", "--by", "level"], ["key", "n_sections", "share_i_iii", "share_i_ii",
                                                         "share_v_worse", "share_worse_than_v", "status",
                                                         "main_pollutants"]),
        ("rank", ["--year", "2024", "--by", "region"], ["key", "cwqi", "rank", "change_rate"]),
    ]:
        out = tmp_path / f"{command}.csv"
        result = runner.invoke(app, ["water", command, *ARGS, *extra, "-o", str(out)])
        assert result.exit_code == 0, result.output
        got = rows(out)
        assert list(got[0])[: len(first)] == first
    classes = {r["class"] for r in rows(tmp_path / "classify.csv")}
    assert classes <= {"Ⅰ", "Ⅱ", "Ⅲ", "Ⅳ", "Ⅴ", "劣Ⅴ"}
    ranks = [int(r["rank"]) for r in rows(tmp_path / "rank.csv")]
    assert ranks == sorted(ranks) and ranks[0] == 1


def test_bad_input_exits_1_with_a_clear_message(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("section,date,nh3n\nGZ01,2024-01-05,x\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["water", "classify", str(bad), "-o", str(tmp_path / "o.csv")])
    assert result.exit_code == 1
    assert "row 2" in result.output and "'nh3n'" in result.output
    assert not (tmp_path / "o.csv").exists()
