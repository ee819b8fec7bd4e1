"""The importer: every error kind named exactly (file, sheet, row, column, value), nothing written on error."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from meili.cli import app
from meili.ingest.observations import import_files
from meili.ingest.templates import read_file, write_template
from meili.plan import load_plan, load_regions
from meili.store import init_workspace

HEADER = "plan,region,measure,year,value,state,unit,source,note"
GOOD = [
    "ganzhou,中心城区,16.1,2022,21,,μg/m³,赣州市生态环境状况公报,",
    "ganzhou,360722,16.2,2022,20.5,,ug/m3,信丰县生态环境局,",
    "ganzhou,赣州市,35,2022,,基本健全,,市生态环境局,",
    "ganzhou,信丰县,21.2,2023,,基本消除,%,信丰县住建局,",
    "ganzhou,360782,17.2,2023,97.5%,,,南康区生态环境局,retired code of 南康区",
]


def write_csv(path: Path, lines: list[str], header: str = HEADER, encoding: str = "utf-8") -> Path:
    path.write_text("\n".join([header, *lines]) + "\n", encoding=encoding)
    return path


@pytest.fixture
def ws(tmp_path):
    return init_workspace(tmp_path / "ws")


def state(ws) -> tuple:
    return ws.imports().to_pylist(), ws.history().to_pylist()


def fail(ws, *paths):
    """Import that must fail: return the issues, after checking that nothing was written."""
    from meili.ingest.issues import ObservationError

    before = state(ws)
    with pytest.raises(ObservationError) as e:
        import_files(ws, paths)
    assert state(ws) == before
    return e.value.issues


def test_good_csv_imports_with_resolution_and_normalisation(ws, tmp_path):
    r = import_files(ws, [write_csv(tmp_path / "a.csv", GOOD)])
    assert (r.rows, r.new, r.revised, r.unchanged) == (5, 5, 0, 0)
    cur = {(o["region"], o["measure"]): o for o in ws.current_observations().to_pylist()}
    assert cur[("central_urban", "16.1")]["value"] == 21.0
    assert cur[("360722", "16.2")]["unit"] == "μg/m³"  # ug/m3 is a spelling of the measure's unit
    assert cur[("360700", "35")]["state"] == "基本健全" and cur[("360700", "35")]["unit"] is None
    assert cur[("360722", "21.2")]["state"] == "基本消除" and cur[("360722", "21.2")]["value"] is None
    assert cur[("360703", "17.2")]["value"] == 97.5  # retired code → 南康区; '97.5%' → 97.5
    assert cur[("360703", "17.2")]["row"] == 6 and cur[("360703", "17.2")]["file"].endswith("a.csv")


# One test per error kind: (kind, bad line, column, value found). Each file = the good rows + one bad row.
CASES = [
    ("unknown_plan", "gz,中心城区,16.1,2021,23,,,公报,", "plan", "gz"),
    ("unknown_region", "ganzhou,火星,16.2,2021,20,,,x,", "region", "火星"),
    ("region_outside_plan", "ganzhou,南昌市,4,2021,5,,,x,", "region", "南昌市"),
    ("unknown_measure", "ganzhou,360700,99.9,2021,5,,,x,", "measure", "99.9"),
    ("year_outside_plan", "ganzhou,360700,4,2040,5,,,x,", "year", "2040"),
    ("year_outside_plan", "ganzhou,360700,4,2014,5,,,x,", "year", "2014"),
    ("year_outside_plan", "ganzhou,360700,4,二〇二一,5,,,x,", "year", "二〇二一"),
    ("non_numeric", "ganzhou,360700,4,2021,约5,,,x,", "value", "约5"),
    ("non_numeric", "ganzhou,360700,4,2021,nan,,,x,", "value", "nan"),
    ("state_not_in_vocabulary", "ganzhou,360700,36,2021,,差不多,,x,", "state", "差不多"),
    ("state_not_in_vocabulary", "ganzhou,360700,15.2,2021,3,,,x,", "value", "3"),
    ("percent_out_of_range", "ganzhou,360700,17.2,2021,101.5,,%,x,", "value", "101.5"),
    ("percent_out_of_range", "ganzhou,360700,4,2021,-1,,,x,", "value", "-1"),
    ("unit_mismatch", "ganzhou,central_urban,16.1,2021,23,,mg/m³,x,", "unit", "mg/m³"),
    ("unit_mismatch", "ganzhou,360700,35,2021,,基本健全,%,x,", "unit", "%"),
    ("duplicate_key", "ganzhou,章贡区,16.2,2022,20.5,,,x,", "region", "章贡区"),  # + the row below
    ("empty_cell", "ganzhou,360700,4,2021,,,,x,", "value", None),
    ("empty_cell", "ganzhou,360700,,2021,5,,,x,", "measure", None),
    ("empty_cell", "ganzhou,360700,4,2021,5,,,,", "source", None),
    ("formula_error", "ganzhou,360700,4,2021,#DIV/0!,,,x,", "value", "#DIV/0!"),
    ("formula_error", "ganzhou,#REF!,4,2021,5,,,x,", "region", "#REF!"),
    ("value_and_state", "ganzhou,360700,36,2020,1,基本建立,,x,", "state", "基本建立"),
]


@pytest.mark.parametrize(("kind", "line", "column", "value"), CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_each_error_kind_is_reported_once_and_nothing_written(ws, tmp_path, kind, line, column, value):
    lines = [*GOOD, line]
    if kind == "duplicate_key":
        lines.insert(0, "ganzhou,360702,16.2,2022,21,,,x,")
    issues = fail(ws, write_csv(tmp_path / "bad.csv", lines))
    assert [(i.kind, i.column, i.value) for i in issues] == [(kind, column, value)]
    issue = issues[0]
    assert issue.file.endswith("bad.csv")
    assert issue.row == len(lines) + 1  # header = row 1
    text = str(issue)
    assert f"第 {issue.row} 行 row {issue.row}" in text and f"列 column {column}" in text
    assert " / " in issue.message  # Chinese and English


def test_duplicate_names_the_first_row(ws, tmp_path):
    issues = fail(ws, write_csv(tmp_path / "d.csv", ["ganzhou,360702,4,2021,5,,,x,", "ganzhou,章贡区,4,2021,6,,,x,"]))
    assert len(issues) == 1 and "row 2" in issues[0].message and issues[0].row == 3


def test_duplicates_across_files_of_one_import(ws, tmp_path):
    a = write_csv(tmp_path / "a.csv", GOOD)
    b = write_csv(tmp_path / "b.csv", ["ganzhou,360700,35,2022,,初步建立,,x,"])
    issues = fail(ws, a, b)
    assert [(i.kind, i.file, i.row) for i in issues] == [("duplicate_key", str(b), 2)]


def test_n_distinct_mistakes_give_exactly_n_issues(ws, tmp_path):
    counties = [r.code for r in load_regions().children("360700")]
    # Rows about 360700/4/2021 get a county each, so that they do not also repeat each other's key.
    lines = [line for kind, line, *_ in CASES if kind != "duplicate_key"]
    bad = [line.replace(",360700,4,2021,", f",{counties[i % len(counties)]},4,2021,") for i, line in enumerate(lines)]
    issues = fail(ws, write_csv(tmp_path / "many.csv", GOOD + bad))
    assert len(issues) == len(bad)
    assert [i.row for i in issues] == list(range(len(GOOD) + 2, len(GOOD) + 2 + len(bad)))


def test_dependent_checks_are_not_double_counted(ws, tmp_path):
    # An unknown plan hides the measure, year and value checks of that row; a formula error is not also "empty".
    issues = fail(ws, write_csv(tmp_path / "x.csv", ["nope,360700,99,3000,abc,,kg,x,", "ganzhou,360700,4,2021,#N/A,,,x,"]))
    assert [i.kind for i in issues] == ["unknown_plan", "formula_error"]


def test_missing_column(ws, tmp_path):
    issues = fail(ws, write_csv(tmp_path / "m.csv", ["ganzhou,360700,4,5,x"], header="plan,region,measure,value,source"))
    assert [(i.kind, i.column, i.row) for i in issues] == [("missing_column", "year", 1)]


def test_unreadable_files(ws, tmp_path):
    binary = tmp_path / "b.csv"
    binary.write_bytes(b"\x00\x01\x02garbage")
    fake = tmp_path / "fake.xlsx"
    fake.write_bytes(b"PK\x03\x04 not really a zip")
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    issues = fail(ws, binary, fake, empty, tmp_path / "missing.csv")
    assert [(i.kind, Path(i.file).name) for i in issues] == [
        ("unreadable_file", "b.csv"), ("unreadable_file", "fake.xlsx"), ("unreadable_file", "empty.csv"),
        ("unreadable_file", "missing.csv")]


def test_malformed_row_has_its_line_number(ws, tmp_path):
    issues = fail(ws, write_csv(tmp_path / "r.csv", [*GOOD[:2], "ganzhou,360700,4,2021,5,,,x,,extra", "", GOOD[2]]))
    assert [(i.kind, i.row) for i in issues] == [("malformed_row", 4)]


def test_parquet_imports_like_the_csv_and_names_record_numbers(ws, tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    rows = [line.split(",") for line in GOOD]
    cols = HEADER.split(",")
    table = pa.table({c: [r[i] or None for r in rows] for i, c in enumerate(cols)})
    # typed columns, as another system would export them: year int64, value float64 where numeric
    table = table.set_column(cols.index("year"), "year", pa.array([int(r[3]) for r in rows], pa.int64()))
    pq.write_table(table, tmp_path / "good.parquet")
    r = import_files(ws, [tmp_path / "good.parquet"])
    assert (r.rows, r.new) == (5, 5)
    cur = {(o["region"], o["measure"]): o for o in ws.current_observations().to_pylist()}
    assert cur[("360703", "17.2")]["value"] == 97.5 and cur[("360722", "21.2")]["state"] == "基本消除"
    # a bad cell in record 2 is named by its record number; nothing is written
    bad = table.set_column(cols.index("value"), "value", pa.array([r[4] or None for r in rows[:1]] + ["abc"]
                                                                   + [r[4] or None for r in rows[2:]]))
    pq.write_table(bad, tmp_path / "bad.parquet")
    before = state(ws)
    issues = fail(ws, tmp_path / "bad.parquet")
    assert [(i.column, i.row, i.value) for i in issues] == [("value", 2, "abc")]
    assert state(ws) == before
    pq.write_table(table.drop_columns(["year"]), tmp_path / "noyear.parquet")
    assert [(i.kind, i.column) for i in fail(ws, tmp_path / "noyear.parquet")] == [("missing_column", "year")]


def test_gb18030_csv_with_chinese_headers(ws, tmp_path):
    header = "规划,区域,测度,年份,填报值,状态,单位,数据来源,备注"
    r = import_files(ws, [write_csv(tmp_path / "gbk.csv", GOOD, header=header, encoding="gb18030")])
    assert r.new == 5


def test_utf16_csv_with_a_bom_is_read_like_every_other_reader_reads_it(ws, tmp_path):
    r = import_files(ws, [write_csv(tmp_path / "u16.csv", GOOD, encoding="utf-16")])
    assert r.new == 5


def test_reimport_corrected_value_gives_revision_2(ws, tmp_path):
    import_files(ws, [write_csv(tmp_path / "a.csv", GOOD)])
    again = import_files(ws, [write_csv(tmp_path / "a.csv", GOOD)])
    assert (again.new, again.revised, again.unchanged) == (0, 0, 5)
    fixed = [GOOD[0], GOOD[1].replace("20.5", "19.9"), *GOOD[2:]]
    r = import_files(ws, [write_csv(tmp_path / "a_fixed.csv", fixed)])
    assert (r.new, r.revised, r.unchanged) == (0, 1, 4)
    hist = ws.history(region="360722", measure="16.2").to_pylist()
    assert [(h["revision"], h["value"], Path(h["file"]).name) for h in hist] == [(1, 20.5, "a.csv"), (2, 19.9, "a_fixed.csv")]


# --- Excel: template round trip, formula errors, percent-formatted cells ---------------------------------------

def fill(path: Path, values: dict[int, tuple]) -> None:
    wb = openpyxl.load_workbook(path)
    ws = wb["填报数据"]
    for row, (value, source, *rest) in values.items():
        ws.cell(row, 11).value = value
        ws.cell(row, 13).value = source
        if rest:
            ws.cell(row, 11).number_format = rest[0]
    wb.save(path)


def test_template_layout(tmp_path):
    plan = load_plan("ganzhou")
    n = write_template(tmp_path / "t.xlsx", plan, 2023)
    county_measures = sum(m.county for m in plan.measures)
    assert n == len(plan.measures) + 20 * county_measures  # the city + 18 counties and 2 zones
    wb = openpyxl.load_workbook(tmp_path / "t.xlsx")
    assert wb.sheetnames == ["填报说明", "填报数据"]
    ws = wb["填报数据"]
    rows = list(ws.iter_rows(min_row=2, values_only=True))
    pm = next(r for r in rows if r[3] == "16.1")
    assert pm[1:4] == ("central_urban", "中心城区", "16.1") and pm[6] == "μg/m³"
    assert pm[7] == "30.3（2020）" and pm[8] == "25.5"
    assert ws.protection.sheet and ws.cell(2, 2).protection.locked and not ws.cell(2, 11).protection.locked
    lists = {dv.formula1 for dv in ws.data_validations.dataValidation if dv.type == "list"}
    assert '"严重,明显,不明显"' in lists and '"是,否"' in lists
    assert {r[1] for r in rows if r[3] == "16.2"} >= {"county_level_cities", "360722"}


def test_template_round_trip(ws, tmp_path):
    path = tmp_path / "信丰县_2023.xlsx"
    write_template(path, load_plan("ganzhou"), 2023, regions=["信丰县"])
    rows = list(openpyxl.load_workbook(path)["填报数据"].iter_rows(min_row=2, values_only=True))
    at = {r[3]: i + 2 for i, r in enumerate(rows)}
    fill(path, {at["11.1"]: (80.2, "信丰县林业局"), at["17.2"]: (0.981, "信丰县生态环境局", "0.0%"),
                at["15.2"]: ("不明显", "信丰县农业农村局"), at["16.2"]: ("21", "信丰县生态环境局")})
    r = import_files(ws, [path])
    assert (r.new, r.skipped) == (4, len(rows) - 4)
    cur = {o["measure"]: o for o in ws.current_observations(region="360722").to_pylist()}
    assert cur["11.1"]["value"] == 80.2 and cur["11.1"]["sheet"] == "填报数据" and cur["11.1"]["row"] == at["11.1"]
    assert cur["17.2"]["value"] == pytest.approx(98.1)  # typed as 98.1% in Excel
    assert cur["15.2"]["state"] == "不明显" and cur["16.2"]["value"] == 21.0
    assert all(o["year"] == 2023 and o["provisional"] is False for o in cur.values())


def test_excel_formula_error_and_state_errors(ws, tmp_path):
    path = tmp_path / "t.xlsx"
    write_template(path, load_plan("ganzhou"), 2023, regions=["信丰县"])
    rows = list(openpyxl.load_workbook(path)["填报数据"].iter_rows(min_row=2, values_only=True))
    at = {r[3]: i + 2 for i, r in enumerate(rows)}
    fill(path, {at["11.1"]: ("#DIV/0!", "x"), at["15.2"]: ("很严重", "x"), at["2"]: (9.9, None)})
    issues = fail(ws, path)
    assert [(i.kind, i.sheet, i.row, i.column) for i in issues] == sorted([
        ("formula_error", "填报数据", at["11.1"], "value"), ("state_not_in_vocabulary", "填报数据", at["15.2"], "value"),
        ("empty_cell", "填报数据", at["2"], "source")], key=lambda x: x[2])


def test_read_xlsx_reports_sheet_and_excel_rows(tmp_path):
    wb = openpyxl.Workbook()
    wb.active.title = "说明"
    ws = wb.create_sheet("数据")
    ws.append(["2023年填报"])
    ws.append(HEADER.split(","))
    ws.append(["ganzhou", 360722, "16.2", 2023.0, 20.0, None, None, "x", None])
    wb.save(tmp_path / "w.xlsx")
    raw = read_file(tmp_path / "w.xlsx")
    assert raw.issues == [] and not raw.template
    row = raw.table.to_pylist()[0]
    assert (row["region"], row["year"], row["value"], row["_sheet"], row["_row"]) == ("360722", "2023", "20", "数据", 3)


# --- CLI -----------------------------------------------------------------------------------------------------

def test_cli_import_list_history_export(tmp_path):
    runner = CliRunner()
    w = str(tmp_path / "ws")
    assert runner.invoke(app, ["init", w]).exit_code == 0
    res = runner.invoke(app, ["init", w])
    assert res.exit_code == 1 and "already a workspace" in res.output
    a = write_csv(tmp_path / "a.csv", GOOD)
    dry = runner.invoke(app, ["data", "import", str(a), "--dry-run", "-w", w])
    assert dry.exit_code == 0 and "dry run" in dry.stdout and "新增 new 5" in dry.stdout
    ok = runner.invoke(app, ["data", "import", str(a), "-w", w])
    assert ok.exit_code == 0 and "新增 new 5" in ok.stdout
    bad = write_csv(tmp_path / "bad.csv", [GOOD[0].replace("21,", "二十一,")])
    res = runner.invoke(app, ["data", "import", str(bad), "-w", w])
    assert res.exit_code == 1 and "not a number" in res.output and "1 issues, nothing written" in res.output
    res = runner.invoke(app, ["data", "list", "--region", "中心城区", "--format", "csv", "-w", w])
    assert res.exit_code == 0 and res.stdout.splitlines()[1].startswith("ganzhou,central_urban,16.1,2022,21.0")
    fixed = write_csv(tmp_path / "fixed.csv", [GOOD[0].replace(",21,", ",21.4,")])
    runner.invoke(app, ["data", "import", str(fixed), "-w", w])
    res = runner.invoke(app, ["data", "history", "--region", "central_urban", "--measure", "16.1", "-f", "json", "-w", w])
    import json

    assert [(h["revision"], h["value"]) for h in json.loads(res.stdout)] == [(1, 21.0), (2, 21.4)]
    out = tmp_path / "obs.parquet"
    res = runner.invoke(app, ["data", "export", "--format", "parquet", "-o", str(out), "-w", w])
    import pyarrow.parquet as pq

    assert res.exit_code == 0 and pq.read_table(out).num_rows == 5
    res = runner.invoke(app, ["data", "list", "-w", str(tmp_path)])
    assert res.exit_code == 1 and "not a Meili workspace" in res.output


# --- issue 15 ---------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("column", "line", "bad"), [
    ("source", "ganzhou,360700,4,2021,5,,,\x1b[31m红色来源,", "\x1b[31m红色来源"),
    ("note", "ganzhou,360700,4,2021,5,,,x,注\u202egnp.exe", "注\u202egnp.exe"),
    ("note", "ganzhou,360700,4,2021,5,,,x,\"一\t二\"", "一\t二"),
    ("note", "ganzhou,360700,4,2021,5,,,x,\"第一行\n第二行\"", "第一行\n第二行"),
    ("region", "ganzhou,3607\u206600,4,2021,5,,,x,", "3607\u206600"),
])
def test_defect_04_control_and_bidi_characters_are_refused(ws, tmp_path, column, line, bad):
    issues = fail(ws, write_csv(tmp_path / "cc.csv", [*GOOD, line]))
    assert [(i.kind, i.column, i.value, i.row) for i in issues] == [("control_character", column, bad, 7)]
    position = next(n for n, ch in enumerate(bad, start=1) if ch in "\x1b\u202e\t\n\u2066")
    assert f"at character {position}" in issues[0].message
    assert "\x1b" not in str(issues[0]) and "\u202e" not in str(issues[0])  # the message shows escapes, not the bytes


def test_defect_04_free_text_is_capped_at_2000_characters(ws, tmp_path):
    from meili.ingest.observations import MAX_CELL_CHARS

    assert MAX_CELL_CHARS == 2000
    ok = import_files(ws, [write_csv(tmp_path / "ok.csv", ["ganzhou,360700,4,2021,5,,,x," + "备" * 2000])], dry_run=True)
    assert ok.rows == 1
    issues = fail(ws, write_csv(tmp_path / "long.csv", ["ganzhou,360700,4,2021,5,,,x," + "备" * 2001]))
    assert [(i.kind, i.column, i.row, i.value) for i in issues] == [("text_too_long", "note", 2, "备" * 60 + "…")]
    assert "2001 characters; at most 2000" in issues[0].message


@pytest.mark.parametrize(("line", "column", "value", "kind"), [
    ("ganzhou,360700,4,2021,1_000,,,x,", "value", "1_000", "non_numeric"),
    ("ganzhou,360700,17.2,2021,9_7.5,,,x,", "value", "9_7.5", "non_numeric"),
    ("ganzhou,360700,17.2,2021,9_7.5%,,,x,", "value", "9_7.5%", "non_numeric"),
    ("ganzhou,360700,4,2_0_2_3,5,,,x,", "year", "2_0_2_3", "year_outside_plan"),
    ("ganzhou,360700,4,0x7E7,5,,,x,", "year", "0x7E7", "year_outside_plan"),
    ("ganzhou,360700,4,2021,0x10,,,x,", "value", "0x10", "non_numeric"),
    ("ganzhou,360700,4,2021,infinity,,,x,", "value", "infinity", "non_numeric"),
])
def test_defect_15_only_plain_decimal_numbers_are_values(ws, tmp_path, line, column, value, kind):
    issues = fail(ws, write_csv(tmp_path / "u.csv", [line]))
    assert [(i.kind, i.column, i.value) for i in issues] == [(kind, column, value)]


def test_defect_15_plain_numbers_percent_and_exponents_still_read(ws, tmp_path):
    lines = ["ganzhou,360700,17.2,2021,97.5 %,,,x,", "ganzhou,360700,4,2021.0,+1.5e1,,,x,",
             "ganzhou,360700,4,2022,.5,,,x,"]
    import_files(ws, [write_csv(tmp_path / "p.csv", lines)])
    got = {(o["measure"], o["year"]): o["value"] for o in ws.current_observations().to_pylist()}
    assert got == {("17.2", 2021): 97.5, ("4", 2021): 15.0, ("4", 2022): 0.5}


def test_defect_20_soft_limits_warn_and_write(ws, tmp_path):
    # 16.1 PM2.5: soft 0–150 μg/m³ (hard 0–1000): 180 is written, with a warning naming the cell.
    lines = ["ganzhou,中心城区,16.1,2021,180,,,x,", "ganzhou,中心城区,16.1,2022,21,,,x,"]
    dry = import_files(ws, [write_csv(tmp_path / "w.csv", lines)], dry_run=True)
    assert [(w.kind, w.row, w.column, w.value) for w in dry.warnings] == [("unusual_value", 2, "value", "180")]
    assert "measure 16.1 usually lies from 0 to 150 μg/m³" in dry.warnings[0].message
    assert dry.summary().splitlines()[0].endswith("警告 / warnings 1（请核实 / please check）")
    assert "unusual value" in dry.summary().splitlines()[1] and dry.notes()[0].startswith("⚠ ")
    r = import_files(ws, [tmp_path / "w.csv"])
    assert (r.new, len(r.warnings)) == (2, 1)
    got = {o["year"]: o["value"] for o in ws.current_observations(measure="16.1").to_pylist()}
    assert got == {2021: 180.0, 2022: 21.0}


def test_defect_20_no_warning_when_the_import_fails(ws, tmp_path):
    issues = fail(ws, write_csv(tmp_path / "x.csv", ["ganzhou,中心城区,16.1,2021,180,,,x,", "ganzhou,中心城区,16.1,2022,2500,,,x,"]))
    assert [(i.kind, i.value) for i in issues] == [("implausible_value", "2500")]
