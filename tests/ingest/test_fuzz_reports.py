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
