"""``meili evaluate`` and ``meili rank`` on a small hand-made CSV (values worked in test_status/test_composite)."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from typer.testing import CliRunner

from meili.cli import app
from tests.helpers import REPO

DATA = REPO / "tests" / "evaluate" / "data"
OBS = str(DATA / "observations.csv")


def run(*args: str):
    return CliRunner().invoke(app, list(args))


def test_evaluate_csv_columns_and_values():
    r = run("evaluate", "--plan", "ganzhou", "--year", "2023", "--region", "赣州市", "--observations", OBS,
            "--format", "csv")
    assert r.exit_code == 0, r.output
    rows = {x["measure"]: x for x in csv.DictReader(io.StringIO(r.stdout))}
    head = "region,measure,year,milestone,value,value_year,target,status,progress,expected_progress,"
    assert r.stdout.startswith(head + "required_annual_change,projection,cagr_ratio,cagr_status")
    # 16.1: 26 in 2023 from 30.3 towards ≤ 25.5: p = 4.3/4.8 ≥ e = 0.6 (test_status has the working).
    assert rows["16.1"]["status"] == "on_track" and rows["16.1"]["milestone"] == "2025"
    assert abs(float(rows["16.1"]["progress"]) - 4.3 / 4.8) < 1e-9
    assert rows["15.2"]["status"] == "regressing"
    assert rows["5"]["status"] == "target_pending"
    assert len(rows) == 56


def test_evaluate_with_assignments_json_and_milestone():
    r = run("evaluate", "-y", "2023", "-r", "360700", "--observations", OBS, "-a", str(DATA / "assignments.yaml"), "-f", "json",
            "-m", "2025")
    assert r.exit_code == 0, r.output
    rows = {x["measure"]: x for x in json.loads(r.stdout)}
    # 5: (104 − 116)/(100 − 116) = 0.75 ≥ 0.6
    assert rows["5"]["status"] == "on_track" and rows["5"]["progress"] == 0.75
    assert rows["5"]["document"] == "江西省用水强度控制目标（测试用示例）"


def test_evaluate_table_and_errors(tmp_path):
    r = run("evaluate", "-y", "2023", "-r", "360700", "--observations", OBS)
    assert r.exit_code == 0 and "进度正常" in r.stdout  # statuses shown Chinese first in tables
    bad = tmp_path / "a.yaml"
    bad.write_text("assignments:\n  - {plan: ganzhou, measure: '3', milestone: 2025, target: '36', "
                   "assigned_by: province, document: x}\n", encoding="utf-8")
    r = run("evaluate", "-y", "2023", "--observations", OBS, "-a", str(bad))
    assert r.exit_code == 1 and "not delegated" in r.output
    r = run("evaluate", "-y", "2023", "--observations", OBS, "-m", "2030")
    assert r.exit_code == 1 and "not milestones" in r.output
    r = run("evaluate", "-y", "2023", "--observations", OBS, "-r", "火星")
    assert r.exit_code == 1 and "unknown region" in r.output


def test_evaluate_outside_a_workspace_says_what_to_do(tmp_path):
    r = run("evaluate", "-y", "2023", "-w", str(tmp_path))
    assert r.exit_code == 1
    assert "meili init" in r.output and str(tmp_path) in r.output


def test_evaluate_reads_the_workspace(tmp_path):
    from meili.ingest.observations import import_files
    from meili.store import init_workspace

    ws = init_workspace(tmp_path / "ws")
    import_files(ws, [OBS])
    from_file = run("evaluate", "-y", "2023", "--observations", OBS, "--format", "csv")
    from_ws = run("evaluate", "-y", "2023", "-w", str(ws.root), "--format", "csv")
    assert from_ws.exit_code == 0, from_ws.output
    assert from_ws.stdout == from_file.stdout


def test_rank_csv():
    r = run("rank", "--plan", "ganzhou", "--year", "2023", "--method", "efficacy", "--observations", OBS, "--format", "csv")
    assert r.exit_code == 0, r.output
    rows = list(csv.DictReader(io.StringIO(r.stdout)))
    assert {"region", "score", "rank", "rank_change"} <= set(rows[0])
    assert any(c.startswith("score_") for c in rows[0])
    # 11.1: 章贡区 80 → 100, 南康区 70 → 60; 16.2 (lower): 20 → 100, 25 → 60. 2022 (16.2 only): 24 → 60, 21 → 100.
    # Only those measures have county data; every other applicable measure gives both 60 (missing), so
    # 章贡区 ranks 1, 南康区 2 in 2023; in 2022 南康区 was 1: rank changes +1 and −1.
    by = {x["region"]: x for x in rows}
    assert (by["360702"]["rank"], by["360702"]["rank_change"]) == ("1", "1")
    assert (by["360703"]["rank"], by["360703"]["rank_change"]) == ("2", "-1")
    r = run("rank", "-y", "2023", "--method", "magic", "--observations", OBS)
    # issue 15 #7: a choice is checked while parsing (exit 2, click's usage error), before any input is read
    assert r.exit_code == 2 and "magic" in r.output and "efficacy" in r.output


def test_observations_file_is_checked_as_an_import_is(tmp_path):
    """--observations goes through the import's validation: a bad cell stops the run with file, row, column and
    value named (nothing is evaluated from a half-read file)."""
    lines = Path(OBS).read_text(encoding="utf-8").splitlines()
    bad = tmp_path / "bad.csv"
    # row 3 of the file (header = row 1): the value becomes text
    fields = lines[2].split(",")
    fields[4] = "二十七"
    bad.write_text("\n".join([lines[0], lines[1], ",".join(fields), *lines[3:]]) + "\n", encoding="utf-8")
    r = run("evaluate", "-y", "2023", "--observations", str(bad), "--format", "csv")
    assert r.exit_code == 1
    out = " ".join(r.output.split())
    assert "bad.csv" in out and "第 3 行" in out and "value" in out and "二十七" in out


def test_observations_from_parquet_evaluate_like_the_csv(tmp_path):
    import pyarrow.csv as pcsv
    import pyarrow.parquet as pq

    table = pcsv.read_csv(OBS)  # typed by pyarrow: year int64, value float64
    pq.write_table(table, tmp_path / "obs.parquet")
    from_csv = run("evaluate", "-y", "2023", "--observations", OBS, "--format", "csv")
    from_parquet = run("evaluate", "-y", "2023", "--observations", str(tmp_path / "obs.parquet"), "--format", "csv")
    assert from_parquet.exit_code == 0, from_parquet.output
    assert from_parquet.stdout == from_csv.stdout
