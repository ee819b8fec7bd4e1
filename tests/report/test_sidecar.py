"""meili.report.sidecar and ``meili report check``: a fresh document checks clean against the demo's release; an
edited file, a wrong printed value, a missing row or release fail; a value corrected in a later release is noted."""

from __future__ import annotations

import json
import shutil

import pyarrow as pa
import pytest
from typer.testing import CliRunner

from meili.app import Meili
from meili.cli import app as cli
from meili.report import write_document
from meili.report.model import Document, Heading, Number, Paragraph, Ref, Table
from meili.report.sidecar import check, reformat, sidecar_path
from meili.store import Origin

KEY = {"plan": "ganzhou", "region": "360700", "measure": "2", "year": 2024}


def observation_doc(app: Meili, *, value_shift: float = 0.0, key: dict | None = None) -> Document:
    """A small document printing three stored observations of release 1, each with its reference."""
    release = app.release(1)
    rows = [r for r in release.table("observations").to_pylist()
            if r["plan"] == "ganzhou" and r["value"] is not None][:3]
    refs = [Ref(1, "observations", {k: r[k] for k in ("plan", "region", "measure", "year")}, "value") for r in rows]
    numbers = [Number(f"{r['value'] + value_shift:.1f}", r["value"] + value_shift, ref) for r, ref in zip(rows, refs, strict=True)]
    if key is not None:
        numbers[0] = Number("1.0", 1.0, Ref(1, "observations", key, "value"))
    derived = Number("3", 3, None, tuple(refs), "count")
    return Document("evaluation", "赣州市美丽建设评估报告", release=1, release_digest=release.info.digest,
                    release_created_at=release.info.created_at, blocks=[
                        Heading("一、总体情况", 1), Paragraph(["首项为", numbers[0], "，共", derived, "项。"]),
                        Table("表1 测度", ["区域", "值"], [[r["region"], n] for r, n in zip(rows, numbers, strict=True)])])


@pytest.fixture(scope="module")
def app(demo_workspace):
    return Meili(demo_workspace)


def test_sidecar_lists_every_number_with_its_reference(app, tmp_path):
    doc = observation_doc(app)
    files = write_document(doc, tmp_path / "r.docx")
    data = json.loads(sidecar_path(files[0]).read_text(encoding="utf-8"))
    assert data["release"]["number"] == 1 and data["release"]["digest"] == app.release(1).info.digest
    assert data["document"]["kind"] == "evaluation" and len(data["document"]["sha256"]) == 64
    assert [n["id"] for n in data["numbers"]] == ["n1", "n2", "n3", "n4", "n5"]
    assert data["numbers"][0]["ref"]["table"] == "observations" and "inputs" in data["numbers"][1]


@pytest.mark.parametrize("suffix", [".docx", ".pdf"])
def test_a_fresh_document_checks_clean(app, tmp_path, suffix):
    path = write_document(observation_doc(app), tmp_path / f"r{suffix}")[0]
    result = check(path, app)
    assert result.ok and result.findings == [] and result.numbers == 5 and result.release == 1


def test_an_edited_file_is_noticed(app, tmp_path):
    path = write_document(observation_doc(app), tmp_path / "r.docx")[0]
    path.write_bytes(path.read_bytes() + b"\0")
    result = check(sidecar_path(path), app)
    assert not result.ok and [f.kind for f in result.findings] == ["document_changed"]


def test_a_printed_value_that_differs_from_the_store_is_reported(app, tmp_path):
    path = write_document(observation_doc(app, value_shift=0.5), tmp_path / "r.docx")[0]
    result = check(path, app)
    assert {f.kind for f in result.problems} == {"value_differs"} and len(result.problems) == 4  # n1 twice
    first = result.problems[0]
    assert first.id == "n1" and first.recorded == first.stored + 0.5
    assert first.reprinted == f"{first.stored:.1f}"


def test_a_missing_row_or_release_is_reported(app, tmp_path):
    path = write_document(observation_doc(app, key={**KEY, "year": 1900}), tmp_path / "r.docx")[0]
    assert [f.kind for f in check(path, app).problems] == ["row_missing", "row_missing"]  # printed twice
    side = sidecar_path(path)
    data = json.loads(side.read_text(encoding="utf-8"))
    data["release"]["number"] = 99
    side.write_text(json.dumps(data), encoding="utf-8")
    assert "release_missing" in {f.kind for f in check(path, app).problems}


def test_a_value_corrected_in_a_later_release_is_noted(demo_workspace, tmp_path):
    root = tmp_path / "ws"
    shutil.copytree(demo_workspace, root)
    app = Meili(root, actor="tester")
    doc = observation_doc(app)
    first = doc.numbers()[0].ref
    path = write_document(doc, tmp_path / "r.docx")[0]
    row = app.current(**first.key)
    table = row.select(["plan", "region", "measure", "year", "value", "state", "unit", "source", "note"])
    table = table.set_column(4, "value", pa.array([row["value"][0].as_py() + 7.0]))
    app.workspace.write_observations(table, Origin(file="fix.csv", producer="correction"))
    assert app.publish(note="更正 / correction").number == 2
    result = check(path, app)
    assert result.ok  # still true to release 1
    # the number (in the text and in the table) and the count computed from it
    assert [(f.kind, f.id) for f in result.revised] == [("revised", "n1"), ("revised", "n2"), ("revised", "n3")]
    assert result.revised[0].stored == result.revised[0].recorded + 7.0


def test_cli_check(app, demo_workspace, tmp_path):
    path = write_document(observation_doc(app), tmp_path / "r.pdf")[0]
    runner = CliRunner()
    ok = runner.invoke(cli, ["report", "check", str(path), "-w", str(demo_workspace)])
    assert ok.exit_code == 0, ok.output
    assert "5 个数值，问题 0 个" in ok.output and "5 numbers, 0 problems" in ok.output
    path.write_bytes(path.read_bytes()[:-10])
    bad = runner.invoke(cli, ["report", "check", str(path), "-w", str(demo_workspace)])
    assert bad.exit_code == 1 and "SHA-256" in bad.output and "Traceback" not in bad.output
    missing = runner.invoke(cli, ["report", "check", str(tmp_path / "none.docx"), "-w", str(demo_workspace)])
    assert missing.exit_code == 1 and "none.docx.meili.json" in missing.output and "Traceback" not in missing.output


def test_reformat_prints_like_the_document():
    assert reformat(27.04, "27.0") == "27.0"
    assert reformat(5.65, "5.6%") == "5.6%"  # half to even (GB/T 8170)
    assert reformat(12, "第12名") == "第12名" and reformat(3.0, "—") is None
