"""Every table Meili writes: formats by suffix, nothing overwritten that must not be, text made safe, encodings.

Regression tests of issue 15 are named ``test_defect_NN_…`` after its numbered items.
"""

from __future__ import annotations

import csv
import io

import pyarrow as pa
import pytest
from openpyxl import load_workbook

from meili.app.outputs import (
    check_output,
    export_table,
    neutralise_arrow,
    safe_text,
    write_rows_csv,
    write_table,
)
from meili.errors import OutputError

HOSTILE = ["=1+2", "+SUM(A1)", "-2+3", "@cmd", "\tx", "\rx"]
SAFE = ["'=1+2", "'+SUM(A1)", "'-2+3", "'@cmd", "'\tx", "'\rx"]


def table() -> pa.Table:
    return pa.table({"region": [*HOSTILE, "章贡区"], "value": [-1.5, 2.0, 3.0, 4.0, 5.0, 6.0, -7.0]})


def test_safe_text_follows_owasp_and_leaves_ordinary_text_alone():
    assert [safe_text(s) for s in HOSTILE] == SAFE
    assert safe_text("章贡区") == "章贡区" and safe_text("a=b") == "a=b" and safe_text("") == ""


def test_defect_02_every_writer_neutralises_formulas_and_keeps_numbers_numeric(tmp_path):
    t = table()
    assert neutralise_arrow(t)["region"].to_pylist() == [*SAFE, "章贡区"]
    assert neutralise_arrow(t)["value"].to_pylist() == t["value"].to_pylist()  # numbers untouched
    for name in ("t.csv", "t.xlsx"):
        write_table(t, tmp_path / name)
    with (tmp_path / "t.csv").open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    assert [r["region"] for r in rows] == [*SAFE, "章贡区"] and rows[0]["value"] == "-1.5"
    sheet = load_workbook(tmp_path / "t.xlsx").active
    cells = list(sheet.iter_rows(min_row=2, values_only=True))
    # (a carriage return comes back as a line feed where XML normalises it, or kept where lxml — which python-docx
    # brings — writes it as &#13;: either way the cell still begins with ', not with a formula)
    assert [c[0].replace("\r", "\n") for c in cells] == [*(s.replace("\r", "\n") for s in SAFE), "章贡区"]
    assert cells[0][1] == -1.5  # a number in Excel, not text
    assert all(cell.data_type == "s" for cell in next(sheet.iter_cols(min_col=1, max_col=1, min_row=2)))
    out = io.StringIO()
    write_rows_csv(t.to_pylist(), t.column_names, out)
    assert [r["region"] for r in csv.DictReader(io.StringIO(out.getvalue(), newline=""))] == [*SAFE, "章贡区"]
    stream = io.BytesIO()
    export_table(t, None, None, stdout=stream)
    assert "'=1+2" in stream.getvalue().decode("utf-8")


def test_defect_02_an_ibis_table_is_made_safe_by_its_engine(tmp_path):
    import ibis
    import pyarrow.parquet as pq

    pq.write_table(table(), tmp_path / "t.parquet")
    t = ibis.duckdb.connect().read_parquet(tmp_path / "t.parquet")
    write_table(t, tmp_path / "i.csv", encoding="utf-8")
    with (tmp_path / "i.csv").open(encoding="utf-8", newline="") as f:
        assert [r["region"] for r in csv.DictReader(f)] == [*SAFE, "章贡区"]


def test_defect_28_csv_has_a_bom_by_default_and_other_encodings_on_request(tmp_path):
    t = pa.table({"region": ["章贡区"], "value": [1.0]})
    write_table(t, tmp_path / "bom.csv")
    assert (tmp_path / "bom.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    write_table(t, tmp_path / "plain.csv", encoding="utf-8")
    assert (tmp_path / "plain.csv").read_bytes().startswith(b'"region"')
    write_table(t, tmp_path / "gb.csv", encoding="gb18030")
    assert "章贡区" in (tmp_path / "gb.csv").read_text(encoding="gb18030")
    write_table(t, tmp_path / "t.xlsx")
    assert [c.value for c in load_workbook(tmp_path / "t.xlsx").active[1]] == ["区域 region", "现状值 value"]


def test_defect_01_outputs_refuse_a_wrong_suffix_an_input_and_the_store(tmp_path):
    from meili.store import init_workspace

    with pytest.raises(OutputError, match="xlsx"):
        check_output(tmp_path / "x.txt")
    data = tmp_path / "wide.csv"
    data.write_text("x\n", encoding="utf-8")
    with pytest.raises(OutputError, match="input"):
        check_output(data, inputs=[data])
    ws = init_workspace(tmp_path / "ws")
    for protected in ("meili.duckdb", "meili.toml"):
        with pytest.raises(OutputError, match="store or configuration"):
            check_output(ws.root / protected, {".duckdb": "x", ".toml": "x"})
    own = ws.root / "report.csv"
    own.write_text("a user's own file\n", encoding="utf-8")
    with pytest.raises(OutputError, match="did not write"):
        write_table(pa.table({"a": [1]}), own)
    assert own.read_text(encoding="utf-8") == "a user's own file\n"
    write_table(pa.table({"a": [1]}), ws.root / "out.csv")
    write_table(pa.table({"a": [2]}), ws.root / "out.csv")  # Meili's own output may be written again
    assert (ws.root / "out.csv").read_text(encoding="utf-8-sig").splitlines()[1] == "2"


def test_a_failed_write_leaves_no_file_under_the_name(tmp_path, monkeypatch):
    import pyarrow.parquet as pq

    def fail(*_a, **_k):
        raise OSError("disk full")

    monkeypatch.setattr(pq, "write_table", fail)
    with pytest.raises(OSError):
        write_table(pa.table({"a": [1]}), tmp_path / "t.parquet")
    assert list(tmp_path.iterdir()) == []


def test_defect_02_a_plan_text_beginning_with_equals_is_text_in_the_template(tmp_path):
    """`meili data template --plan evil.yaml`: a measure named "=HYPERLINK(…)" must stay text, never a formula."""
    import yaml

    from meili.app import Meili
    from meili.plan.loader import builtin_plans

    data = yaml.safe_load(builtin_plans()["ganzhou"].read_text(encoding="utf-8"))
    data["id"] = "evil"
    data["indicators"][0]["name"] = '=HYPERLINK("http://x","点击")'
    plan = tmp_path / "evil.yaml"
    plan.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    Meili().template(tmp_path / "t.xlsx", plan, 2023, regions=["360702"])
    sheet = load_workbook(tmp_path / "t.xlsx")["填报数据"]
    titles = [c for c in next(sheet.iter_cols(min_col=5, max_col=5, min_row=2))]
    assert titles[0].value.startswith("=HYPERLINK") and titles[0].data_type == "s"
    assert all(c.data_type != "f" for row in sheet.iter_rows() for c in row)
