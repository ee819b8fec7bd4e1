"""``meili water`` commands on the synthetic example: outputs and the exit code on bad input."""

from __future__ import annotations

import csv
from pathlib import Path

from typer.testing import CliRunner

from meili.cli import app
from tests.helpers import REPO

EXAMPLES = REPO / "examples" / "water"
ARGS = [str(EXAMPLES / "samples.csv"), "--sections", str(EXAMPLES / "sections.csv")]


def rows(path: Path) -> list[dict]:
    with path.open(encoding="utf-8-sig") as fh:  # CSV outputs carry a BOM for Excel
        return list(csv.DictReader(fh))


def test_indicators_command_records_observations_in_the_workspace(tmp_path):
    from meili.store import init_workspace

    ws = init_workspace(tmp_path / "ws")
    out = tmp_path / "ind.csv"
    result = CliRunner().invoke(app, ["water", "indicators", *ARGS, "--plan", "ganzhou", "--year", "2024", "-o", str(out),
                                      "--workspace", str(ws.root)])
    assert result.exit_code == 0, result.output
    got = rows(out)
    assert list(got[0]) == ["plan", "region", "measure", "year", "value", "state", "unit", "source", "note",
                            "provisional"]
    city = {r["measure"]: float(r["value"]) for r in got if r["region"] == "360700"}
    assert set(city) == {"18.1", "18.2", "19.1", "19.2"}
    assert city["18.1"] == 90.9  # 10 of the 11 national sections are Ⅰ–Ⅲ in 2024 (docs/water.md), to 0.1
    stored = ws.current_observations(plan="ganzhou", region="360700").to_pylist()
    assert {r["measure"]: r["value"] for r in stored} == city
    assert {r["file"] for r in stored} == {"samples.csv,sections.csv"}
    [imp] = [i for i in ws.imports().to_pylist()]
    digests = [imp["sha256"]] if isinstance(imp["sha256"], str) else imp["sha256"]  # store schema 1 or 2
    assert imp["producer"] == "meili water indicators" and digests and all(len(d) == 64 for d in digests)
    again = CliRunner().invoke(app, ["water", "indicators", *ARGS, "--year", "2024", "--workspace", str(ws.root)])
    assert again.exit_code == 0 and "unchanged 62" in again.output


def test_defect_21_indicators_output_imports_as_it_is(tmp_path):
    """``water indicators -o out.csv``, then ``data import out.csv`` into a fresh workspace: exit 0, same values."""
    from meili.store import init_workspace

    first, fresh = init_workspace(tmp_path / "ws"), init_workspace(tmp_path / "fresh")
    out = tmp_path / "out.csv"
    runner = CliRunner()
    result = runner.invoke(app, ["water", "indicators", *ARGS, "--year", "2024", "-o", str(out),
                                 "--workspace", str(first.root)])
    assert result.exit_code == 0, result.output
    written = rows(out)
    assert {r["state"] for r in written} == {""} and {r["provisional"] for r in written} == {"false"}
    imported = runner.invoke(app, ["data", "import", str(out), "--workspace", str(fresh.root)])
    assert imported.exit_code == 0, imported.output
    key = ("plan", "region", "measure", "year", "value", "state", "unit", "note", "provisional")
    computed = sorted(tuple(r[k] for k in key) for r in first.current_observations(plan="ganzhou").to_pylist())
    again = sorted(tuple(r[k] for k in key) for r in fresh.current_observations(plan="ganzhou").to_pylist())
    assert again == computed and len(again) == 62
    assert ("ganzhou", "360700", "18.1", 2024, 90.9) in {r[:5] for r in again}


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
    assert "row 2" in result.output and "column nh3n" in result.output
    assert not (tmp_path / "o.csv").exists()


def test_trophic_command_grades_the_reservoir(tmp_path):
    """The example's one reservoir (GZ11) gets a TLI per quarter; TLI(Σ) = Σ W_j·TLI(j) with the weights of
    总站生字〔2001〕090号 (chla 0.2663, TP 0.1879, TN 0.1790, SD 0.1834, CODMn 0.1834)."""
    out = tmp_path / "tli.csv"
    result = CliRunner().invoke(app, ["water", "trophic", *ARGS, "--year", "2024", "--period", "quarter", "-o", str(out)])
    assert result.exit_code == 0, result.output
    got = rows(out)
    assert [(r["section"], r["period"]) for r in got] == [("GZ11", f"2024-Q{q}") for q in range(1, 5)]
    weights = {"chla": 0.2663, "tp": 0.1879, "tn": 0.1790, "sd": 0.1834, "codmn": 0.1834}
    for r in got:
        expected = sum(w * float(r[f"tli_{k}"]) for k, w in weights.items())
        assert abs(float(r["tli"]) - expected) < 1e-3  # the published weights are r²/Σr² rounded to 4 places
        tli = float(r["tli"])  # grades of 总站生字〔2001〕090号: < 30, 30–50, (50, 60], (60, 70], > 70
        expected_grade = ("贫营养" if tli < 30 else "中营养" if tli <= 50 else "轻度富营养" if tli <= 60
                          else "中度富营养" if tli <= 70 else "重度富营养")
        assert r["grade"] == expected_grade
