"""`meili water record`: the year's results recorded; bad input is a bilingual message with exit code 1."""

from __future__ import annotations

from typer.testing import CliRunner

from meili.cli import app
from meili.store import init_workspace
from tests.helpers import EXAMPLES

SAMPLES, SECTIONS = EXAMPLES / "water" / "samples.csv", EXAMPLES / "water" / "sections.csv"


def test_water_record_records_the_year_and_says_what(tmp_path):
    ws = init_workspace(tmp_path / "ws")
    r = CliRunner().invoke(app, ["water", "record", str(SAMPLES), "--sections", str(SECTIONS), "--year", "2024",
                                 "-w", str(ws.root)])
    assert r.exit_code == 0, r.output
    assert "section" in r.output and "county" in r.output and "新增 new" in r.output
    assert ws.imports().to_pylist()[0]["file"] == ["samples.csv", "sections.csv"]
    assert ws.current_results(domain="water", year=2024).num_rows > 0


def test_bad_water_input_is_a_bilingual_error_and_writes_nothing(tmp_path):
    ws = init_workspace(tmp_path / "ws")
    bad = tmp_path / "bad.csv"
    bad.write_text("station,value\nx,1\n", encoding="utf-8")
    r = CliRunner().invoke(app, ["water", "record", str(bad), "--year", "2024", "-w", str(ws.root)])
    assert r.exit_code == 1, r.output
    assert "错误 / error" in r.output and "bad.csv" in r.output and "Traceback" not in r.output
    r = CliRunner().invoke(app, ["water", "record", str(SAMPLES), "--sections", str(SECTIONS), "--year", "2019",
                                 "-w", str(ws.root)])
    assert r.exit_code == 1 and "no data for 2019" in r.output and "Traceback" not in r.output
    assert ws.imports().num_rows == 0
