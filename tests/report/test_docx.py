"""meili.report.docx: GB/T 9704-2012 page and styles, theme fonts gone, odd/even page numbers, numbers bookmarked,
tables with their caption above and header repeated, figures, placeholders, the same bytes twice."""

from __future__ import annotations

import zipfile
from xml.etree import ElementTree as ET

import docx as python_docx
import pytest

from meili.errors import OutputError
from meili.report import docx, write_document
from tests.report.conftest import sample_document

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    path = tmp_path_factory.mktemp("docx") / "monthly.docx"
    return docx.write(sample_document(), path)


def part(path, name: str) -> ET.Element:
    with zipfile.ZipFile(path) as z:
        return ET.fromstring(z.read(name))


def style(styles: ET.Element, name: str) -> ET.Element:
    return next(s for s in styles.iter(f"{W}style") if s.find(f"{W}name").get(f"{W}val").lower() == name.lower())


def test_styles_name_the_official_faces_for_east_asian_text(written):
    styles = part(written, "word/styles.xml")
    expected = {"Normal": "仿宋_GB2312", "Title": "方正小标宋简体", "Heading 1": "黑体", "Heading 2": "楷体_GB2312",
                "Heading 3": "仿宋_GB2312", "Meili Caption": "黑体", "Meili Table": "仿宋_GB2312",
                "Meili Page Number": "宋体"}
    for name, face in expected.items():
        fonts = style(styles, name).find(f"{W}rPr/{W}rFonts")
        assert {fonts.get(f"{W}{a}") for a in ("eastAsia", "ascii", "hAnsi")} == {face}, name
    defaults = styles.find(f"{W}docDefaults/{W}rPrDefault/{W}rPr/{W}rFonts")
    assert defaults.get(f"{W}eastAsia") == "仿宋_GB2312"
    sizes = {name: style(styles, name).find(f"{W}rPr/{W}sz").get(f"{W}val")
             for name in ("Normal", "Title", "Heading 1", "Heading 2", "Heading 3", "Meili Table", "Meili Page Number")}
    # half-points: 三号 16 pt = 32, 二号 22 pt = 44, 小四 12 pt = 24, 四号 14 pt = 28
    assert sizes == {"Normal": "32", "Title": "44", "Heading 1": "32", "Heading 2": "32", "Heading 3": "32",
                     "Meili Table": "21", "Meili Page Number": "28"}
    assert style(styles, "Heading 3").find(f"{W}rPr/{W}b") is not None
    assert style(styles, "Title").find(f"{W}pPr/{W}jc").get(f"{W}val") == "center"
    spacing = style(styles, "Normal").find(f"{W}pPr/{W}spacing")
    assert (spacing.get(f"{W}line"), spacing.get(f"{W}lineRule")) == ("579", "exact")  # 28.95 pt = 579 twips
    assert 28 * 20 <= int(spacing.get(f"{W}line")) <= 29 * 20


def test_no_theme_font_attribute_anywhere(written):
    for name in ("word/styles.xml", "word/document.xml", "word/footer1.xml", "word/footer2.xml"):
        root = part(written, name)
        for fonts in root.iter(f"{W}rFonts"):
            themed = [a for a in fonts.attrib if a.endswith(("Theme", "theme"))]
            assert not themed, (name, fonts.attrib)


def test_page_geometry_is_gb_t_9704(written):
    sect = part(written, "word/document.xml").find(f"{W}body/{W}sectPr")
    size, margins = sect.find(f"{W}pgSz"), sect.find(f"{W}pgMar")
    twips = {k: int(margins.get(f"{W}{k}")) for k in ("top", "bottom", "left", "right")}
    mm = {"top": 37, "bottom": 35, "left": 28, "right": 26}
    for k, v in mm.items():
        assert abs(twips[k] - v * 1440 / 25.4) <= 1, k  # 1 mm = 56.69 twips
    assert (int(size.get(f"{W}w")), int(size.get(f"{W}h"))) == (11906, 16838)  # A4: 210 × 297 mm
    section = python_docx.Document(written).sections[0]
    assert round(section.page_width.mm) == 210 and round(section.top_margin.mm) == 37
    assert round(section.left_margin.mm) == 28 and round(section.right_margin.mm) == 26


def test_page_numbers_outside_on_odd_and_even_pages(written):
    assert part(written, "word/settings.xml").find(f"{W}evenAndOddHeaders") is not None
    sect = part(written, "word/document.xml").find(f"{W}body/{W}sectPr")
    refs = {r.get(f"{W}type"): r.get("{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id")
            for r in sect.iter(f"{W}footerReference")}
    assert set(refs) == {"default", "even"}
    d = python_docx.Document(written)
    for footer, side in ((d.sections[0].footer, "right"), (d.sections[0].even_page_footer, "left")):
        p = footer.paragraphs[0]._p
        assert p.find(f"{W}pPr/{W}jc").get(f"{W}val") == side
        texts = "".join(t.text for t in p.iter(f"{W}t"))
        instr = "".join(t.text for t in p.iter(f"{W}instrText"))
        assert texts == "— 1 —" and instr.strip() == "PAGE"
        assert [f.get(f"{W}fldCharType") for f in p.iter(f"{W}fldChar")] == ["begin", "separate", "end"]


def test_content_round_trips_with_the_caption_above_the_table(written):
    d = python_docx.Document(written)
    texts = [p.text for p in d.paragraphs]
    assert texts[:2] == ["赣州市环境空气质量状况通报", "（2024年12月）"]
    assert "2024年，全市PM₂.₅平均浓度为27.0微克/立方米，同比下降5.6%。" in texts
    assert "【此处由分析人员填写：主要任务推进情况（由分析人员撰写）】" in texts
    assert texts[-2:] == ["赣州市生态环境局", "2025年1月10日"]
    assert [p.style.name for p in d.paragraphs if p.text in ("一、总体情况", "（一）各县（市、区）排名", "1. 空间分布")] == [
        "Heading 1", "Heading 2", "Heading 3"]
    table = d.tables[0]
    assert [c.text for c in table.rows[0].cells] == ["县（市、区）", "PM₂.₅（μg/m³）", "排名"]
    assert [r.cells[0].text for r in table.rows[1:]] == ["石城县", "龙南市", "赣县区", "于都县", "章贡区"]
    assert table.rows[1].cells[1].text == "22.8"
    assert table.rows[0]._tr.find(f"{W}trPr/{W}tblHeader") is not None  # repeated on every page
    body = list(d.element.body)
    t = body.index(table._tbl)
    assert "".join(x.text or "" for x in body[t - 1].iter(f"{W}t")) == "表1 各县（市、区）PM₂.₅浓度及排名"
    assert "".join(x.text or "" for x in body[t + 1].iter(f"{W}t")) == "注：数值相同者并列，其后名次顺延。"
    # the figure: a picture, its caption below it
    pics = [i for i, x in enumerate(body) if x.find(f".//{W}drawing") is not None]
    assert len(pics) == 1 and "".join(x.text or "" for x in body[pics[0] + 1].iter(f"{W}t")).startswith("图1")
    assert len(d.inline_shapes) == 1 and round(d.inline_shapes[0].width.mm) == 140
    # the analyst's text with markup-like characters stays as written
    assert "第一段 <b>#不是标记</b> $x$ *星号* [方括号] \\ 反斜杠 @at \"引号\"。" in texts


def test_every_number_is_bookmarked_with_its_sidecar_id(written):
    doc = sample_document()
    root = part(written, "word/document.xml")
    marks = [b.get(f"{W}name") for b in root.iter(f"{W}bookmarkStart")]
    assert marks == [f"_n{i}" for i in range(1, len(doc.numbers()) + 1)]
    # each bookmark holds exactly the number's text
    texts = []
    for p in root.iter(f"{W}p"):
        inside = None
        for child in p:
            if child.tag == f"{W}bookmarkStart":
                inside = []
            elif child.tag == f"{W}bookmarkEnd":
                texts.append("".join(inside))
                inside = None
            elif inside is not None:
                inside += [t.text for t in child.iter(f"{W}t")]
    assert texts == [n.text for n in doc.numbers()]


def test_properties_and_same_bytes_twice(written, tmp_path):
    props = python_docx.Document(written).core_properties
    assert props.title == "赣州市环境空气质量状况通报" and props.subject == "monthly"
    assert props.keywords == "meili release 1 digest " + "ab" * 32
    assert props.created.isoformat().startswith("2025-01-09T08:30")
    again = docx.write(sample_document(), tmp_path / "again.docx")
    assert again.read_bytes() == written.read_bytes()


def test_write_document_by_suffix_and_into_a_folder(tmp_path):
    doc = sample_document(with_figure=False)
    with pytest.raises(OutputError) as e:
        write_document(doc, tmp_path / "report.odt")
    assert "后缀" in str(e.value) and ".docx" in str(e.value)
    assert not list(tmp_path.iterdir())
    files = write_document(doc, tmp_path / "one.docx")
    assert [f.name for f in files] == ["one.docx", "one.docx.meili.json"]
    assert not list(tmp_path.glob("*.part"))


def test_write_document_into_a_folder_writes_both_and_the_figures(tmp_path):
    files = write_document(sample_document(), str(tmp_path / "out") + "/")
    assert sorted(f.name for f in files) == sorted([
        "monthly-r1-figure-1.png", "monthly-r1-figure-1.svg", "monthly-r1.docx", "monthly-r1.docx.meili.json",
        "monthly-r1.pdf", "monthly-r1.pdf.meili.json"])
    assert (tmp_path / "out" / "monthly-r1-figure-1.png").read_bytes()[:4] == b"\x89PNG"
