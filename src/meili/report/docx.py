"""A :class:`~meili.report.model.Document` as a DOCX the bureau can edit and sign (python-docx).

Layout of GB/T 9704-2012 (党政机关公文格式): A4; margins top 37 mm, bottom 35 mm, left (订口) 28 mm, right 26 mm
(a 156 × 225 mm type area, §5.2.1); body 三号 (16 pt) 仿宋_GB2312 at an exact line pitch of 28.95 pt (22 lines a
page, §5.2.2), first line indented two characters; title 二号 (22 pt) 方正小标宋简体, centred (§7.3.3); headings
一、 黑体, （一） 楷体_GB2312, 1. 仿宋_GB2312 bold, all 三号 (§7.3.3); page numbers "— 1 —" in 四号 宋体, odd pages
right and even pages left, one character in from the edge (§7.5).

Fonts are named in ``w:rFonts`` (ascii, hAnsi, eastAsia, cs) on every style and on docDefaults, and every theme
font attribute (``w:asciiTheme`` …) is removed from styles.xml, so no theme font overrides them (python-docx
#154, #1139). Every printed :class:`~meili.report.model.Number` is wrapped in a hidden bookmark ``_n12`` whose id
``n12`` the sidecar (:mod:`meili.report.sidecar`) maps to the stored value. The same document gives the same bytes:
the package's times come from the release, and the zip's entries carry a fixed date.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from datetime import UTC, datetime
from itertools import count
from pathlib import Path
from typing import Any

from meili.report.fonts import DOCX_FACES
from meili.report.model import Document, Figure, Heading, Number, Paragraph, Run, Slot, Table

#: GB/T 9704-2012 §5.2: A4 and the type area's margins, in mm.
PAGE_MM = {"width": 210, "height": 297, "top": 37, "bottom": 35, "left": 28, "right": 26}
#: Exact line pitch of the body (225 mm / 22 lines ≈ 28.95 pt; Word's usual 固定值 28.95 磅 = 579 twips).
LINE_PITCH_PT = 28.95
#: Sizes in points: 二号 22, 三号 16, 四号 14, 五号 10.5 (table cells: a twelve-column table needs it).
SIZE = {"title": 22, "body": 16, "page": 14, "cell": 10.5, "note": 14}
#: The placeholder of a slot the analyst has not filled.
PLACEHOLDER = "【此处由分析人员填写：{title}】"
#: The zip entries' date (a fixed one: same document, same bytes).
ZIP_DATE = (1980, 1, 1, 0, 0, 0)

_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_THEME_ATTRS = ("asciiTheme", "hAnsiTheme", "eastAsiaTheme", "cstheme")


def write(document: Document, path: Path | str, *, images: list[bytes] | None = None) -> Path:
    """Write ``document`` to ``path`` (.docx) atomically (``NAME.part``, then renamed). ``images``: the PNG of each
    figure in order (rendered here with ``meili.charts.render.png(chart, scale=2)`` when not given)."""
    from meili.app.outputs import write_bytes

    return write_bytes(path, to_bytes(document, images=images))


def to_bytes(document: Document, *, images: list[bytes] | None = None) -> bytes:
    """The DOCX file's bytes."""
    import docx

    doc = docx.Document()
    _page(doc)
    _styles(doc)
    _footers(doc)
    _properties(doc, document)
    body = doc._body._body
    for p in list(body.iterchildren(f"{{{_W}}}p")):  # the template's empty first paragraph
        body.remove(p)
    writer = _Writer(doc, images or [])
    writer.title(document)
    for block in document.blocks:
        writer.block(block)
    writer.closing(document)
    raw = io.BytesIO()
    doc.save(raw)
    return _fixed_zip(raw.getvalue())


# --- page, styles, footers, properties -------------------------------------------------------------------------
def _page(doc) -> None:
    from docx.enum.section import WD_ORIENT
    from docx.shared import Emu, Mm, Pt

    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(PAGE_MM["width"]), Mm(PAGE_MM["height"])
    section.top_margin, section.bottom_margin = Mm(PAGE_MM["top"]), Mm(PAGE_MM["bottom"])
    section.left_margin, section.right_margin = Mm(PAGE_MM["left"]), Mm(PAGE_MM["right"])
    section.gutter = 0
    # §7.5: the page number's dash line 7 mm below the type area → its line's bottom ≈ 35 − 7 − 14 pt · 1.2 mm up
    section.footer_distance = Emu(Mm(PAGE_MM["bottom"] - 7) - Pt(SIZE["page"] * 1.2))
    section.header_distance = Mm(15)


def _set_fonts(rpr_owner, face: str) -> None:
    """Name ``face`` for every script in ``w:rFonts`` and drop theme fonts, which would override it."""
    from docx.oxml.ns import qn

    rpr = rpr_owner.get_or_add_rPr()
    rfonts = rpr.find(qn("w:rFonts"))
    if rfonts is None:
        rfonts = rpr.makeelement(qn("w:rFonts"), {})
        rpr.insert(0, rfonts)
    for attr in _THEME_ATTRS:
        rfonts.attrib.pop(qn(f"w:{attr}"), None)
    for attr in ("ascii", "hAnsi", "eastAsia", "cs"):
        rfonts.set(qn(f"w:{attr}"), face)
    rfonts.set(qn("w:hint"), "eastAsia")


def _style(doc, name: str, *, base: str | None = "Normal", face: str, size: float, bold: bool = False,
           align: str = "justify", indent_chars: float = 0, pitch: float | None = LINE_PITCH_PT,
           keep_next: bool = False, outline: int | None = None):
    from docx.enum.style import WD_STYLE_TYPE
    from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
    from docx.oxml.ns import qn
    from docx.shared import Pt, RGBColor

    try:
        style = doc.styles[name]
    except KeyError:
        style = doc.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
    if base is not None:
        style.base_style = doc.styles[base]
    font = style.font
    font.name = face
    font.size = Pt(size)
    font.bold = bold
    font.italic = False
    font.color.rgb = RGBColor(0, 0, 0)
    _set_fonts(style.element, face)
    rpr = style.element.get_or_add_rPr()
    color = rpr.find(qn("w:color"))
    for attr in ("themeColor", "themeShade", "themeTint"):
        color.attrib.pop(qn(f"w:{attr}"), None)
    pf = style.paragraph_format
    pf.alignment = {"justify": WD_ALIGN_PARAGRAPH.JUSTIFY, "center": WD_ALIGN_PARAGRAPH.CENTER,
                    "left": WD_ALIGN_PARAGRAPH.LEFT, "right": WD_ALIGN_PARAGRAPH.RIGHT}[align]
    pf.space_before = pf.space_after = Pt(0)
    if pitch is None:
        pf.line_spacing_rule = WD_LINE_SPACING.SINGLE
    else:
        pf.line_spacing, pf.line_spacing_rule = Pt(pitch), WD_LINE_SPACING.EXACTLY
    pf.first_line_indent = Pt(size * indent_chars) if indent_chars else Pt(0)
    if indent_chars:  # Word's "2 字符" as well, so the indent follows a change of size
        ind = style.element.get_or_add_pPr().get_or_add_ind()
        ind.set(qn("w:firstLineChars"), str(round(indent_chars * 100)))
    pf.keep_with_next = keep_next
    pf.widow_control = True
    if outline is not None:
        ppr = style.element.get_or_add_pPr()
        lvl = ppr.find(qn("w:outlineLvl"))
        if lvl is None:
            lvl = ppr.makeelement(qn("w:outlineLvl"), {})
            ppr.append(lvl)
        lvl.set(qn("w:val"), str(outline))
    return style


def _styles(doc) -> None:
    from docx.oxml.ns import qn

    styles_el = doc.styles.element
    # docDefaults: the body face for every script, Chinese as the language, no theme fonts
    defaults = styles_el.find(qn("w:docDefaults"))
    rpr = defaults.find(qn("w:rPrDefault")).find(qn("w:rPr"))
    rfonts = rpr.find(qn("w:rFonts"))
    for attr in _THEME_ATTRS:
        rfonts.attrib.pop(qn(f"w:{attr}"), None)
    for attr in ("ascii", "hAnsi", "eastAsia", "cs"):
        rfonts.set(qn(f"w:{attr}"), DOCX_FACES["body"])
    lang = rpr.find(qn("w:lang"))
    lang.set(qn("w:val"), "zh-CN")
    lang.set(qn("w:eastAsia"), "zh-CN")
    spacing = defaults.find(qn("w:pPrDefault")).find(qn("w:pPr")).find(qn("w:spacing"))
    spacing.set(qn("w:after"), "0")

    body, hei, kai, title = DOCX_FACES["body"], DOCX_FACES["hei"], DOCX_FACES["kai"], DOCX_FACES["title"]
    _style(doc, "Normal", base=None, face=body, size=SIZE["body"], indent_chars=2)
    _style(doc, "Title", face=title, size=SIZE["title"], align="center", pitch=None, keep_next=True)
    _style(doc, "Subtitle", face=kai, size=SIZE["body"], align="center", keep_next=True)
    _style(doc, "Heading 1", face=hei, size=SIZE["body"], indent_chars=2, keep_next=True, outline=0)
    _style(doc, "Heading 2", face=kai, size=SIZE["body"], indent_chars=2, keep_next=True, outline=1)
    _style(doc, "Heading 3", face=body, size=SIZE["body"], bold=True, indent_chars=2, keep_next=True, outline=2)
    _style(doc, "Meili Caption", face=hei, size=SIZE["body"], align="center", keep_next=True)
    _style(doc, "Meili Figure Caption", face=hei, size=SIZE["body"], align="center")
    _style(doc, "Meili Table", face=body, size=SIZE["cell"], align="center", pitch=None)
    _style(doc, "Meili Table Header", face=hei, size=SIZE["cell"], align="center", pitch=None)
    _style(doc, "Meili Note", face=body, size=SIZE["note"], align="left", pitch=None)
    _style(doc, "Meili Figure", face=body, size=SIZE["body"], align="center", pitch=None, keep_next=True)
    _style(doc, "Meili Placeholder", face=kai, size=SIZE["body"], indent_chars=2)
    _style(doc, "Meili Signature", face=body, size=SIZE["body"], align="right")
    _style(doc, "Meili Date", face=body, size=SIZE["body"], align="right")
    _style(doc, "Meili Page Number", face=DOCX_FACES["song"], size=SIZE["page"], pitch=None)
    for name in ("Meili Signature", "Meili Date"):  # §7.3.5: the signature and date end 4 characters from the edge
        doc.styles[name].paragraph_format.right_indent = _pt(SIZE["body"] * 4)
    # Every other style of the template (Heading 4…, Quote, TOC …): no theme font may come back through them.
    for el in styles_el.iter(qn("w:rFonts")):
        for attr in _THEME_ATTRS:
            el.attrib.pop(qn(f"w:{attr}"), None)
        for attr in ("ascii", "hAnsi", "eastAsia"):
            if el.get(qn(f"w:{attr}")) is None:
                el.set(qn(f"w:{attr}"), body)


def _pt(value: float):
    from docx.shared import Pt

    return Pt(value)


def _footers(doc) -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    doc.settings.odd_and_even_pages_header_footer = True
    section = doc.sections[0]
    one_char = _pt(SIZE["page"])
    for footer, odd in ((section.footer, True), (section.even_page_footer, False)):
        footer.is_linked_to_previous = False
        p = footer.paragraphs[0]
        p.style = doc.styles["Meili Page Number"]
        p.alignment = WD_ALIGN_PARAGRAPH.RIGHT if odd else WD_ALIGN_PARAGRAPH.LEFT
        if odd:
            p.paragraph_format.right_indent = one_char
        else:
            p.paragraph_format.left_indent = one_char
        p.add_run("— ")
        _page_field(p)
        p.add_run(" —")


def _page_field(paragraph) -> None:
    """A PAGE field (begin, instruction, separate, "1", end), as Word writes one."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    def run_with(child):
        r = paragraph.add_run()._r
        r.append(child)
        return r

    begin = OxmlElement("w:fldChar")
    begin.set(qn("w:fldCharType"), "begin")
    run_with(begin)
    instr = OxmlElement("w:instrText")
    instr.set(qn("xml:space"), "preserve")
    instr.text = " PAGE "
    run_with(instr)
    sep = OxmlElement("w:fldChar")
    sep.set(qn("w:fldCharType"), "separate")
    run_with(sep)
    paragraph.add_run("1")
    end = OxmlElement("w:fldChar")
    end.set(qn("w:fldCharType"), "end")
    run_with(end)


def _properties(doc, document: Document) -> None:
    props = doc.core_properties
    props.title = document.title
    props.subject = document.kind
    props.category = f"meili:{document.kind}"
    words = ["meili"]
    if document.release is not None:
        words.append(f"release {document.release}")
    if document.release_digest:
        words.append(f"digest {document.release_digest}")
    props.keywords = " ".join(words)
    props.author = document.issuer or "Meili"
    props.last_modified_by = "Meili"
    props.comments = "由 Meili 生成 / generated by Meili" + (
        f" (release {document.release})" if document.release is not None else "")
    when = document.release_created_at or datetime(2000, 1, 1, tzinfo=UTC)
    if when.tzinfo is not None:
        when = when.astimezone(UTC).replace(tzinfo=None)
    props.created = props.modified = when.replace(microsecond=0)
    props.last_printed = datetime(2000, 1, 1)
    props.revision = 1
    props.language = "zh-CN"


def _fixed_zip(data: bytes) -> bytes:
    """The same entries with a fixed date, so the same document gives the same bytes."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=ZIP_DATE)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o644 << 16
            zout.writestr(entry, zin.read(info))
    return out.getvalue()


# --- blocks ----------------------------------------------------------------------------------------------------
class _Writer:
    def __init__(self, doc, images: list[bytes]):
        self.doc = doc
        self.images = list(images)
        self.figures = 0
        self.ids: Iterator[int] = count(1)
        self.bookmarks = count(1)

    def paragraph(self, style: str, runs: list[Run] | Run = ()):
        p = self.doc.add_paragraph(style=self.doc.styles[style])
        self.runs(p, runs)
        return p

    def runs(self, p, runs: Any) -> None:
        for run in runs if isinstance(runs, list | tuple) else [runs]:
            if isinstance(run, Number):
                self.number(p, run)
            elif isinstance(run, list | tuple):
                self.runs(p, run)
            elif run:
                p.add_run(str(run))

    def number(self, p, number: Number) -> None:
        """The number's text inside a hidden bookmark ``_n<k>`` (its sidecar id ``n<k>``)."""
        from docx.oxml import OxmlElement
        from docx.oxml.ns import qn

        ident = f"n{next(self.ids)}"
        mark = str(next(self.bookmarks))
        start = OxmlElement("w:bookmarkStart")
        start.set(qn("w:id"), mark)
        start.set(qn("w:name"), f"_{ident}")
        p._p.append(start)
        p.add_run(number.text)
        end = OxmlElement("w:bookmarkEnd")
        end.set(qn("w:id"), mark)
        p._p.append(end)

    def title(self, document: Document) -> None:
        self.paragraph("Title", document.title)
        if document.subtitle:
            self.paragraph("Subtitle", document.subtitle)
        self.paragraph("Normal")  # §7.3.3: one blank line between the title and the body

    def block(self, block: Any) -> None:
        if isinstance(block, Heading):
            self.paragraph(f"Heading {block.level}", block.text)
        elif isinstance(block, Paragraph):
            style = {"body": "Normal", "note": "Meili Note", "signature": "Meili Signature",
                     "date": "Meili Date"}[block.style]
            self.paragraph(style, block.runs)
        elif isinstance(block, Table):
            self.table(block)
        elif isinstance(block, Figure):
            self.figure(block)
        elif isinstance(block, Slot):
            self.slot(block)
        else:
            raise TypeError(f"not a block of a document: {type(block).__name__}")

    def slot(self, slot: Slot) -> None:
        if slot.text and slot.text.strip():
            for text in _paragraphs(slot.text):
                self.paragraph("Normal", text)
        else:
            self.paragraph("Meili Placeholder", PLACEHOLDER.format(title=slot.title))

    def table(self, table: Table) -> None:
        from docx.enum.table import WD_TABLE_ALIGNMENT
        from docx.oxml import OxmlElement
        from docx.oxml.ns import qn
        from docx.shared import Mm

        self.paragraph("Meili Caption", table.caption)
        ncols = len(table.header)
        t = self.doc.add_table(rows=1 + len(table.rows), cols=ncols)
        t.style = self.doc.styles["Table Grid"]
        t.alignment = WD_TABLE_ALIGNMENT.CENTER
        t.autofit = False
        type_width = PAGE_MM["width"] - PAGE_MM["left"] - PAGE_MM["right"]
        weights = table.widths if table.widths and len(table.widths) == ncols else [1.0] * ncols
        widths = [Mm(type_width * w / sum(weights)) for w in weights]
        header = t.rows[0]
        trpr = header._tr.get_or_add_trPr()
        repeat = OxmlElement("w:tblHeader")  # repeated at the top of every page the table runs onto
        repeat.set(qn("w:val"), "true")
        trpr.append(repeat)
        for cell, text, width in zip(header.cells, table.header, widths, strict=True):
            cell.width = width
            self._cell(cell, "Meili Table Header", text)
        for row, values in zip(t.rows[1:], table.rows, strict=True):
            cells = list(values) + [""] * (ncols - len(values))
            for cell, value, width in zip(row.cells, cells[:ncols], widths, strict=True):
                cell.width = width
                self._cell(cell, "Meili Table", value)
        for note in table.notes:
            self.paragraph("Meili Note", note)

    def _cell(self, cell, style: str, value: Any) -> None:
        from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT

        cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
        p = cell.paragraphs[0]
        p.style = self.doc.styles[style]
        self.runs(p, value)

    def figure(self, figure: Figure) -> None:
        from docx.shared import Mm

        if self.figures < len(self.images):
            png = self.images[self.figures]
        else:
            png = figure_png(figure)
        self.figures += 1
        p = self.paragraph("Meili Figure")
        p.add_run().add_picture(io.BytesIO(png), width=Mm(figure.width_mm))
        self.paragraph("Meili Figure Caption", figure.caption)

    def closing(self, document: Document) -> None:
        """The issuer and the date (§7.3.5), unless the blocks already end with them."""
        styles = {b.style for b in document.blocks if isinstance(b, Paragraph)}
        if document.issuer and "signature" not in styles:
            self.paragraph("Normal")
            self.paragraph("Meili Signature", document.issuer)
        if document.date and "date" not in styles:
            self.paragraph("Meili Date", document.date)


def figure_png(figure: Figure) -> bytes:
    """A figure's picture: PNG bytes given as the chart, or the chart rendered by ``meili.charts`` at scale 2."""
    if isinstance(figure.chart, bytes | bytearray):
        return bytes(figure.chart)
    from meili.charts import render

    return render.png(figure.chart, scale=2)


def _paragraphs(text: str) -> list[str]:
    """An analyst's text as paragraphs (blank lines separate them; lines inside one are joined)."""
    parts = [" ".join(line.strip() for line in chunk.splitlines() if line.strip())
             for chunk in text.replace("\r\n", "\n").split("\n\n")]
    return [p for p in parts if p]
