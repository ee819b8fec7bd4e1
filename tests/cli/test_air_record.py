"""`meili air record`: the year's results recorded; bad input is a bilingual message with exit code 1."""

from __future__ import annotations

from typer.testing import CliRunner

from meili.cli import app
from meili.store import init_workspace
from tests.helpers import EXAMPLES

AIR = EXAMPLES / "air" / "ganzhou-2019-hourly.parquet"
STATIONS = EXAMPLES / "air" / "ganzhou-stations.csv"


def test_a_year_the_data_do_not_cover_is_refused_and_nothing_is_written(tmp_path):
    ws = init_workspace(tmp_path / "ws")
    r = CliRunner().invoke(app, ["air", "record", str(AIR), "--stations", str(STATIONS), "--year", "2030",
                                 "-w", str(ws.root)])
    assert r.exit_code == 1, r.output
    assert "没有 2030 年的数据" in r.output and "no data for 2030" in r.output and "Traceback" not in r.output
    assert ws.imports().num_rows == 0


def test_a_file_that_is_not_hourly_data_is_a_bilingual_error(tmp_path):
    ws = init_workspace(tmp_path / "ws")
    bad = tmp_path / "bad.csv"
    bad.write_text("a,b\n1,2\n", encoding="utf-8")
    r = CliRunner().invoke(app, ["air", "record", str(bad), "--year", "2019", "-w", str(ws.root)])
    assert r.exit_code == 1, r.output
    assert "错误 / error" in r.output and "bad.csv" in r.output and "Traceback" not in r.output
