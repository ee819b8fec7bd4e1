"""Every document of the demo workspace through the command line, in both formats: the PDF's pages become PNG
(pdftoppm) and its text holds the headings, tables and county names; every font is embedded; the DOCX's styles
carry the east-Asian fonts; every number of the evaluation report and the monthly 通报 is the release's value, read
back through the sidecar; and a value changed in the store behind Meili's back is caught by `meili report check`."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import zipfile

import duckdb
import pytest
from typer.testing import CliRunner

from meili.cli import app as cli
from meili.report.documents import value_of
from meili.report.model import Ref

DOCUMENTS = {
    "evaluation": ["evaluation", "--year", "2024"],
    "monthly": ["monthly", "--year", "2019", "--month", "6"],
    "bulletin": ["bulletin", "--year", "2024"],
    "assessment": ["assessment", "--year", "2024"],
}
COUNTIES = ["章贡区", "赣县区", "于都县", "龙南市", "瑞金市"]


def _poppler():
    if shutil.which("pdftoppm") is None:
        if os.environ.get("CI"):
            pytest.fail("poppler-utils is missing: .ci/run installs it")
        pytest.skip("poppler-utils (pdftoppm) is not installed")


@pytest.fixture(scope="module")
def written(demo_workspace, tmp_path_factory):
    out = tmp_path_factory.mktemp("documents")
    files = {}
    for kind, args in DOCUMENTS.items():
        folder = out / kind
        result = CliRunner().invoke(cli, ["report", *args, "-w", str(demo_workspace), "-o", f"{folder}/"])
        assert result.exit_code == 0, result.output
        files[kind] = {p.suffix: p for p in folder.iterdir() if p.suffix in (".docx", ".pdf")}
        assert set(files[kind]) == {".docx", ".pdf"}, kind
    return files


@pytest.mark.parametrize("kind", list(DOCUMENTS))
def test_pdf_pages_text_and_fonts(written, kind, tmp_path):
    _poppler()
    pdf = written[kind][".pdf"]
    subprocess.run(["pdftoppm", "-r", "40", "-png", str(pdf), str(tmp_path / "page")], check=True)
    pages = sorted(tmp_path.glob("page*.png"))
    assert pages and all(p.stat().st_size > 2000 for p in pages)
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    sidecar = json.loads(pdf.with_name(pdf.name + ".meili.json").read_text(encoding="utf-8"))
    squeezed = "".join(text.split())
    assert "".join(sidecar["document"]["title"].split()) in squeezed
    headings = {"evaluation": ["一、", "二、", "主要目标指标实现情况"], "monthly": ["PM2.5", "综合指数"],
                "bulletin": ["环境空气", "水环境"], "assessment": ["综合得分"]}[kind]
    for h in headings:
        assert h in squeezed, (kind, h)
    assert any(c in squeezed for c in COUNTIES), kind
    if kind in ("evaluation", "monthly", "assessment"):
        assert all(c in squeezed for c in COUNTIES), kind
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout.splitlines()[2:]
    assert fonts and all(" yes " in line for line in fonts)  # every font embedded
    assert all("Meili" in line.split()[0] for line in fonts)  # only the bundled faces


@pytest.mark.parametrize("kind", list(DOCUMENTS))
def test_docx_styles_name_east_asian_fonts_without_theme_overrides(written, kind):
    with zipfile.ZipFile(written[kind][".docx"]) as z:
        styles = z.read("word/styles.xml").decode("utf-8")
        body = z.read("word/document.xml").decode("utf-8")
    assert 'w:eastAsia="仿宋_GB2312"' in styles and 'w:eastAsia="黑体"' in styles
    assert "Theme=" not in styles and "Theme=" not in body


@pytest.mark.parametrize("kind", ["evaluation", "monthly"])
def test_every_number_equals_the_store_through_the_sidecar(written, demo_workspace, kind):
    from meili.app import Meili

    app = Meili(demo_workspace)
    pdf = written[kind][".pdf"]
    sidecar = json.loads(pdf.with_name(pdf.name + ".meili.json").read_text(encoding="utf-8"))
    release = app.release(sidecar["release"]["number"])
    checked = 0
    for number in sidecar["numbers"]:
        refs = [number["ref"]] if number.get("ref") else number.get("inputs", [])
        for ref in refs:
            stored = value_of(release, Ref(**ref))
            if number.get("ref"):
                assert stored == pytest.approx(number["value"]), number
            checked += 1
    assert checked > (100 if kind == "evaluation" else 20)
    result = CliRunner().invoke(cli, ["report", "check", str(pdf), "-w", str(demo_workspace)])
    assert result.exit_code == 0, result.output


def test_a_value_changed_behind_meilis_back_is_caught(written, demo_workspace, tmp_path):
    folder = tmp_path / "ws"
    shutil.copytree(demo_workspace, folder)
    document = written["evaluation"][".docx"]
    copy = tmp_path / document.name
    shutil.copy(document, copy)
    shutil.copy(document.with_name(document.name + ".meili.json"), copy.with_name(copy.name + ".meili.json"))
    sidecar = json.loads(copy.with_name(copy.name + ".meili.json").read_text(encoding="utf-8"))
    target = next(n for n in sidecar["numbers"] if n.get("ref") and n["ref"]["table"] == "evaluations"
                  and n["ref"]["column"] == "value" and n["value"] is not None)
    key = target["ref"]["key"]
    con = duckdb.connect(str(folder / "meili.duckdb"))
    where = " AND ".join(f"{k} = ?" for k in key)
    changed = con.execute(f"UPDATE release_evaluations SET value = value + 1 WHERE release = ? AND {where}",
                          [target["ref"]["release"], *key.values()]).fetchall()
    con.close()
    assert changed[0][0] >= 1
    result = CliRunner().invoke(cli, ["report", "check", str(copy), "-w", str(folder)])
    assert result.exit_code == 1
    assert target["id"] in result.output or target["text"] in result.output
