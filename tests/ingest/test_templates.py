"""The readers of reporting files (issue 15): damaged workbooks, formulas, hidden sheets and rows, separators."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import openpyxl
import pytest

from meili.ingest.issues import ObservationError
from meili.ingest.observations import check_files
from meili.ingest.templates import read_file
from tests.helpers.reports import SHEET, body, rezip

HEADER = ["plan", "region", "measure", "year", "value", "state", "unit", "source", "note"]
ROWS = [["ganzhou", "360700", "4", 2021, 5, None, None, "市统计局", None],
        ["ganzhou", "360722", "16.2", 2022, 20.5, None, None, "信丰县生态环境局", None]]


def workbook(path: Path, rows=ROWS, edit=None) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "数据"
    ws.append(HEADER)
    for r in rows:
        ws.append(r)
    if edit:
        edit(wb, ws)
    wb.save(path)
    return path


def issues_of(*paths) -> list:
    with pytest.raises(ObservationError) as e:
        check_files(paths)
    return e.value.issues


BOMB = (b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
        b'<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">]>')


@pytest.mark.parametrize(("what", "change"), [
    ("malformed sheet XML", lambda n, d: d.replace(b"</sheetData>", b"</sheetDat>") if n == SHEET else d),
    ("a raw control byte", lambda n, d: d.replace(b"<v>", b"<v>\x01", 1) if n == SHEET else d),
    ("an undefined entity", lambda n, d: d.replace(b"<v>", b"<v>&nope;", 1) if n == SHEET else d),
    ("entity expansion", lambda n, d: BOMB + body(d).replace(b"<v>", b"<v>&d;", 1) if n == SHEET else d),
    ("a missing part", lambda n, d: d.replace(b"sheet1.xml", b"sheet9.xml") if n.endswith(".rels") else d),
])
def test_defect_05_unparseable_workbook_is_one_unreadable_file_problem(tmp_path, what, change):
    bad = rezip(workbook(tmp_path / "good.xlsx"), tmp_path / "bad.xlsx", change)
    issues = issues_of(bad)
    assert [(i.kind, i.file) for i in issues] == [("unreadable_file", str(bad))], what
    assert " / " in issues[0].message  # Chinese and English


def test_defect_05_entity_expansion_refused_before_parsing(tmp_path):
    change = lambda n, d: BOMB + body(d) if n == SHEET else d  # noqa: E731
    issues = issues_of(rezip(workbook(tmp_path / "g.xlsx"), tmp_path / "bomb.xlsx", change))
    assert "declares a DTD" in issues[0].message and SHEET in issues[0].message


@pytest.mark.parametrize("damage", ["truncated", "flipped"])
def test_defect_05_truncated_or_flipped_bytes(tmp_path, damage):
    data = bytearray(workbook(tmp_path / "g.xlsx").read_bytes())
    if damage == "truncated":
        data = data[: len(data) // 2]
    else:
        start = data.index(b"sheet1.xml") + 40  # inside the deflated sheet
        for k in range(start, start + 64, 3):
            data[k] ^= 0xFF
    bad = tmp_path / f"{damage}.xlsx"
    bad.write_bytes(bytes(data))
    assert [i.kind for i in issues_of(bad)] == ["unreadable_file"]


def test_defect_16_formula_without_cached_value_names_the_cell(tmp_path):
    path = workbook(tmp_path / "f.xlsx", rows=[["ganzhou", "360700", "4", 2021, "=30+5", None, None, "x", None],
                                              *ROWS[1:]])
    issues = issues_of(path)
    assert [(i.kind, i.sheet, i.row, i.column, i.value) for i in issues] == [
        ("formula_without_value", "数据", 2, "value", "=30+5")]
    assert "cell E2 is a formula without a computed value" in issues[0].message


def test_defect_16_formula_with_cached_value_is_read(tmp_path):
    # Excel writes the computed value beside the formula: <c><f>30+5</f><v>35</v></c>.
    path = workbook(tmp_path / "f.xlsx", rows=[["ganzhou", "360700", "4", 2021, "=30+5", None, None, "x", None]])
    cached = rezip(path, tmp_path / "cached.xlsx",
                   lambda n, d: re.sub(rb"<f>30\+5</f><v\s*/>|<f>30\+5</f><v></v>", b"<f>30+5</f><v>35</v>", d)
                   if n == SHEET else d)  # openpyxl writes <v /> or <v></v> (with lxml, which python-docx brings)
    assert b"<v>35</v>" in zipfile.ZipFile(cached).read(SHEET)
    clean, _, _ = check_files([cached])
    assert clean.column("value").to_pylist() == [35.0]


@pytest.mark.parametrize("state", ["hidden", "veryHidden"])
def test_defect_17_hidden_sheet_with_a_report_is_refused(tmp_path, state):
    def edit(wb, ws):
        other = wb.create_sheet("隐藏")
        other.append(HEADER)
        other.append(["ganzhou", "360702", "4", 2021, 6, None, None, "x", None])
        other.sheet_state = state
        lookup = wb.create_sheet("下拉列表")  # a hidden sheet without a report header is ignored
        lookup.append(["是", "否"])
        lookup.sheet_state = "hidden"

    issues = issues_of(workbook(tmp_path / "h.xlsx", edit=edit))
    assert [(i.kind, i.sheet, i.value) for i in issues] == [("hidden_sheet", "隐藏", state)]


def test_defect_17_hidden_rows_are_refused_with_their_numbers(tmp_path):
    rows = [[*ROWS[0][:3], 2015 + k, 5, None, None, "x", None] for k in range(8)]

    def edit(wb, ws):
        for r in (3, 4, 5, 8):
            ws.row_dimensions[r].hidden = True
        ws.row_dimensions[20].hidden = True  # empty: nothing hidden there

    issues = issues_of(workbook(tmp_path / "rows.xlsx", rows=rows, edit=edit))
    assert [(i.kind, i.sheet, i.row, i.value) for i in issues] == [("hidden_rows", "数据", 3, "3–5, 8")]
    assert "4 rows with content are hidden" in issues[0].message


@pytest.mark.parametrize(("sep", "name"), [(";", "semicolon ';'"), ("\t", "tab"), ("|", "bar '|'")])
def test_defect_27_other_separator_is_one_problem_with_a_hint(tmp_path, sep, name):
    path = tmp_path / "s.csv"
    path.write_text("\n".join(sep.join(map(str, r)) for r in [HEADER, ROWS[0]]) + "\n", encoding="utf-8")
    raw = read_file(path)
    assert [(i.kind, i.row) for i in raw.issues] == [("csv_separator", 1)]
    assert f"the file seems separated by {name}; save it as comma-separated CSV" in raw.issues[0].message
