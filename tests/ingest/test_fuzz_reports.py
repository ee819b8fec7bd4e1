"""Random malformed rows and files: the importer fails only with clean validation errors; the store is unchanged."""

from __future__ import annotations

import csv
import io
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from meili.ingest.issues import KINDS, ObservationError
from meili.ingest.observations import import_files
from meili.store import init_workspace, open_workspace

GOOD_ROW = ["ganzhou", "360722", "16.2", "2022", "20.5", "", "μg/m³", "信丰县生态环境局", ""]
HEADER = ["plan", "region", "measure", "year", "value", "state", "unit", "source", "note"]

# Values that are sometimes right and mostly wrong, per column.
cell = st.one_of(
    st.sampled_from(["", " ", "ganzhou", "jiangxi", "360700", "中心城区", "central_urban", "南昌市", "16.1", "15.2",
                     "35", "99", "2015", "2022", "2036", "1e3", "-0", "nan", "inf", "101", "50%", "不明显",
                     "基本消除", "#DIV/0!", "#N/A", "μg/m³", "µg/m3", "%", "是", "否", "\"", ",", "\n", "=1+1"]),
    st.text(max_size=12),
)
row = st.lists(cell, min_size=9, max_size=9)


@pytest.fixture(scope="module")
def workspace():
    with tempfile.TemporaryDirectory() as d:
        ws = init_workspace(Path(d) / "ws")
        f = Path(d) / "seed.csv"
        f.write_text(",".join(HEADER) + "\n" + ",".join(GOOD_ROW) + "\n", encoding="utf-8")
        import_files(ws, [f])
        yield ws


def csv_bytes(*row_lists) -> bytes:
    """The header and the given rows as UTF-8 CSV."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(HEADER)
    for rows in row_lists:
        w.writerows(rows)
    return buf.getvalue().encode("utf-8")


def parquet_bytes() -> bytes:
    """A valid one-row Parquet file in the long format (damaged by the fuzz test)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    buf = io.BytesIO()
    pq.write_table(pa.table({k: [v or None] for k, v in zip(HEADER, GOOD_ROW, strict=True)}), buf)
    return buf.getvalue()


def snapshot(ws):
    return ws.imports().num_rows, ws.history().to_pylist()


def attempt(ws, data: bytes, name: str = "fuzz.csv") -> None:
    before = snapshot(ws)
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / name
        path.write_bytes(data)
        try:
            import_files(ws, [path], dry_run=True)
        except ObservationError as e:
            assert e.issues and all(i.kind in KINDS and i.file == str(path) for i in e.issues)
            assert e.total >= len(e.issues)
    assert snapshot(ws) == before


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(row, min_size=1, max_size=8))
def test_random_rows(workspace, rows):
    attempt(workspace, csv_bytes([[*GOOD_ROW[:3], "2023", *GOOD_ROW[4:]]], rows))


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.one_of(st.binary(max_size=300),
                      st.text(max_size=300).map(lambda t: t.encode("utf-8")),
                      st.text(max_size=200).map(lambda t: (",".join(HEADER) + "\n" + t).encode("utf-8", "replace"))),
       name=st.sampled_from(["f.csv", "f.xlsx", "f.txt"]))
def test_random_files(workspace, data, name):
    attempt(workspace, data, name)


def test_parquet_with_a_non_utf8_column_name_is_unreadable_not_a_crash(workspace):
    data = parquet_bytes()
    assert data.count(b"source") >= 1
    before = snapshot(workspace)
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "names.parquet"
        path.write_bytes(data.replace(b"source", b"so\xdbrce"))
        with pytest.raises(ObservationError) as e:
            import_files(workspace, [path], dry_run=True)
    assert [(i.kind, i.file) for i in e.value.issues] == [("unreadable_file", str(path))]
    assert snapshot(workspace) == before


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.data())
def test_damaged_parquet_files(workspace, data):
    """A Parquet file with bytes overwritten or cut short: a clean unreadable-file error (or a valid import),
    never a crash (a damaged file once raised UnicodeDecodeError from its column names)."""
    good = bytearray(parquet_bytes())
    for _ in range(data.draw(st.integers(1, 12))):
        good[data.draw(st.integers(4, len(good) - 1))] = data.draw(st.integers(0, 255))
    cut = data.draw(st.integers(4, len(good)))
    attempt(workspace, bytes(good[:cut]), "f.parquet")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(row, min_size=1, max_size=5))
def test_random_rows_really_imported_leave_store_unchanged_on_error(workspace, rows):
    """Not a dry run: when validation fails, the real import writes nothing either."""
    before = snapshot(workspace)
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "x.csv"
        path.write_bytes(csv_bytes(rows))
        try:
            import_files(open_workspace(workspace.root), [path])
        except ObservationError:
            assert snapshot(workspace) == before
        else:  # all random rows happened to be valid: they are in the store now, which is fine
            pass


# --- issue 15 (fuzz harness): malformed CSV, XLSX and Parquet through the commands, as a user runs them ----------

XLSX_DAMAGE = ("truncate", "flip", "bad_xml", "control_byte", "entity", "hidden_sheet", "very_hidden_sheet",
               "hidden_rows", "formula", "formula_error", "none")


def xlsx_bytes(rows: list[list], damage: str, where: int, byte: int) -> bytes:
    """A workbook in the long format built with openpyxl, then damaged: cut short, bytes flipped, its sheet XML
    broken or given a control byte or an entity, a sheet hidden, rows hidden, formulas without computed values."""
    import openpyxl

    from tests.helpers.reports import SHEET, body, rezip

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(HEADER)
    for r in rows:
        ws.append(r)
    if damage in ("hidden_sheet", "very_hidden_sheet"):
        ws.sheet_state = "hidden" if damage == "hidden_sheet" else "veryHidden"
        wb.create_sheet("visible").append(["nothing here"])
    if damage == "hidden_rows":
        ws.row_dimensions[2].hidden = True
    if damage in ("formula", "formula_error"):
        ws.cell(2, 5).value = "=30+5" if damage == "formula" else "=1/0"
    buf = io.BytesIO()
    wb.save(buf)
    data = buf.getvalue()
    if damage == "truncate":
        return data[: 4 + where % (len(data) - 4)]
    if damage == "flip":
        out = bytearray(data)
        for k in range(8):
            out[4 + (where + 97 * k) % (len(out) - 4)] ^= byte or 1
        return bytes(out)
    if damage in ("bad_xml", "control_byte", "entity"):
        with tempfile.TemporaryDirectory() as d:
            src = Path(d) / "a.xlsx"
            src.write_bytes(data)
            new = {"bad_xml": lambda x: x.replace(b"</row>", b"</rw>", 1),
                   "control_byte": lambda x: x.replace(b"<v>", b"<v>" + bytes([byte % 32]), 1),
                   "entity": lambda x: b'<!DOCTYPE x [<!ENTITY e "' + b"e" * 50 + b'">]>' + body(x).replace(
                       b"<v>", b"<v>&e;", 1)}[damage]
            return rezip(src, Path(d) / "b.xlsx", lambda n, x: new(x) if n == SHEET else x).read_bytes()
    return data


def store_rows(ws_dir: Path) -> tuple[int, int]:
    ws = open_workspace(ws_dir)
    return ws.history().num_rows, ws.imports().num_rows


@pytest.fixture(scope="module")
def cli_workspace():
    from typer.testing import CliRunner

    from meili.cli import app

    with tempfile.TemporaryDirectory() as d:
        root = Path(d) / "ws"
        runner = CliRunner()
        assert runner.invoke(app, ["init", str(root)]).exit_code == 0
        seed = Path(d) / "seed.csv"
        seed.write_bytes(csv_bytes([GOOD_ROW]))
        assert runner.invoke(app, ["data", "import", str(seed), "-w", str(root)]).exit_code == 0
        yield runner, app, root


def through_commands(cli_workspace, data: bytes, name: str) -> None:
    """`meili data import FILE` and `meili evaluate --observations FILE`: exit 0 or 1 (never 70, never an
    exception) and, when the import fails, the store's rows and imports unchanged."""
    runner, app, root = cli_workspace
    before = store_rows(root)
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / name
        path.write_bytes(data)
        res = runner.invoke(app, ["data", "import", str(path), "-w", str(root)])
        assert res.exit_code in (0, 1) and (res.exception is None or isinstance(res.exception, SystemExit)), (
            res.exit_code, res.output, res.exception)
        if res.exit_code == 1:
            assert store_rows(root) == before, res.output
        ev = runner.invoke(app, ["evaluate", "--plan", "ganzhou", "--year", "2023", "--observations", str(path),
                                 "-w", str(root), "--format", "csv"])
        assert ev.exit_code in (0, 1) and (ev.exception is None or isinstance(ev.exception, SystemExit)), (
            ev.exit_code, ev.output, ev.exception)


xlsx_cell = st.one_of(cell, st.integers(-10, 3000), st.floats(allow_nan=True, allow_infinity=False), st.none())


@settings(max_examples=45, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.lists(xlsx_cell, min_size=9, max_size=9), min_size=1, max_size=4),
       damage=st.sampled_from(XLSX_DAMAGE), where=st.integers(0, 1 << 20), byte=st.integers(0, 255))
def test_defect_fuzz_xlsx_through_import_and_evaluate(cli_workspace, rows, damage, where, byte):
    rows = [[*GOOD_ROW[:3], 2023, *GOOD_ROW[4:]], *rows]
    from openpyxl.utils.exceptions import IllegalCharacterError

    try:
        data = xlsx_bytes(rows, damage, where, byte)
    except (IllegalCharacterError, ValueError, TypeError):  # openpyxl refuses to *write* some cells: not a case
        return
    through_commands(cli_workspace, data, "fuzz.xlsx")


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(row, min_size=1, max_size=5), sep=st.sampled_from([",", ";", "\t", "|"]),
       extra=st.sampled_from(["", "\x1b[31m", "\u202e", "1_000", "2_0_2_3", "\x00", "\r", "a" * 2100]))
def test_defect_fuzz_csv_through_import_and_evaluate(cli_workspace, rows, sep, extra):
    buf = io.StringIO()
    csv.writer(buf, delimiter=sep, lineterminator="\n").writerows(
        [HEADER, [*GOOD_ROW[:3], "2023", *GOOD_ROW[4:8], extra], *rows])
    through_commands(cli_workspace, buf.getvalue().encode("utf-8", "surrogatepass"), "fuzz.csv")


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.data())
def test_defect_fuzz_parquet_through_import_and_evaluate(cli_workspace, data):
    good = bytearray(parquet_bytes())
    for _ in range(data.draw(st.integers(0, 8))):
        good[data.draw(st.integers(4, len(good) - 1))] = data.draw(st.integers(0, 255))
    through_commands(cli_workspace, bytes(good[: data.draw(st.integers(4, len(good)))]), "fuzz.parquet")
