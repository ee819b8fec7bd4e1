"""meili.report.pdf: a sample document typeset by Typst with the bundled fonts only — rendered by poppler
(pdftoppm), its text extracted (pdftotext), every embedded font a bundled one covering every character."""

from __future__ import annotations

import os
import re
import shutil
import subprocess

import pytest
from fontTools.ttLib import TTFont

from meili.errors import OutputError
from meili.report import fonts, pdf
from meili.report.model import Heading
from tests.report.conftest import COUNTIES, sample_document


@pytest.fixture(scope="module")
def poppler():
    missing = [t for t in ("pdftoppm", "pdftotext", "pdffonts", "pdfinfo") if shutil.which(t) is None]
    if missing:
        if os.environ.get("CI"):
            pytest.fail(f"poppler-utils is missing in CI ({missing}): apt-get install -y poppler-utils")
        pytest.skip(f"poppler-utils not installed ({missing})")


@pytest.fixture(scope="module")
def written(tmp_path_factory, poppler):
    return pdf.write(sample_document(), tmp_path_factory.mktemp("pdf") / "monthly.pdf")


def run(*args) -> str:
    return subprocess.run(args, check=True, capture_output=True, text=True).stdout


def test_renders_and_its_text_holds_headings_table_and_counties(written, tmp_path):
    run("pdftoppm", "-r", "40", "-png", str(written), str(tmp_path / "page"))
    pages = sorted(tmp_path.glob("page-*.png"))
    assert len(pages) >= 2 and all(p.read_bytes()[:4] == b"\x89PNG" for p in pages)
    text = run("pdftotext", "-layout", str(written), "-")
    for words in ["赣州市环境空气质量状况通报", "一、总体情况", "（一）各县（市、区）排名", "1. 空间分布",
                  "表1 各县（市、区）PM₂.₅浓度及排名", "注：数值相同者并列", "二、主要任务推进情况",
                  "【此处由分析人员填写：主要任务推进情况", "第一段 <b>#不是标记</b> $x$ *星号* [方括号]",
                  "赣州市生态环境局", "2025年1月10日", "27.0微克/立方米"]:
        assert words in text, words
    for _code, name, value in COUNTIES:
        assert re.search(rf"{name}\s+{value:.1f}", text), name  # the table's row
    assert re.search(r"—\s*1\s*—", text) and re.search(r"—\s*2\s*—", text)


def test_page_size_and_metadata(written):
    info = run("pdfinfo", str(written))
    assert re.search(r"Page size:\s+595.27\d? x 841.8\d pts \(A4\)", info)
    assert "Title:           赣州市环境空气质量状况通报" in info
    assert "meili release 1 digest " + "ab" * 32 in info
    assert "2025" in re.search(r"CreationDate:(.*)", info).group(1)


def test_every_embedded_font_is_bundled_and_covers_every_character(written):
    lines = run("pdffonts", str(written)).splitlines()[2:]
    rows = [line.split() for line in lines if line.strip()]
    names = {r[0].split("+", 1)[-1].removesuffix("-Identity-H") for r in rows}
    assert all("yes" == r[-5] for r in rows), lines  # emb
    bundled = {ps.removesuffix(".otf").removesuffix(".ttf"): ps for ps in fonts.FILES.values()}
    assert names <= set(bundled), names  # no system font, no Typst default font
    cover: set[int] = set()
    for name in names:
        with TTFont(str(fonts.font_dir() / bundled[name])) as f:
            cover |= set(f.getBestCmap())
    text = run("pdftotext", str(written), "-")
    missing = {c for c in text if not c.isspace() and ord(c) not in cover}
    assert not missing, missing
    # and per role, before typesetting: nothing of the sample falls outside its faces
    _data, texts = pdf._data(sample_document())
    assert not any(fonts.uncovered(t, role) for t, role in texts)


def test_a_character_no_bundled_font_has_is_refused(tmp_path):
    doc = sample_document(with_figure=False)
    doc.blocks.insert(0, Heading("𠀀 字体没有的字", 1))
    with pytest.raises(OutputError, match="U\\+20000"):
        pdf.write(doc, tmp_path / "x.pdf")
    assert not list(tmp_path.iterdir())


def test_same_bytes_twice(written, tmp_path):
    assert pdf.write(sample_document(), tmp_path / "again.pdf").read_bytes() == written.read_bytes()
