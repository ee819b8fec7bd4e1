"""The faces a document names: the official ones in the DOCX (GB/T 9704-2012), free stand-ins embedded in the PDF.

A DOCX embeds no font: it names 仿宋_GB2312, 方正小标宋简体, 黑体, 楷体_GB2312 and 宋体, which the bureau's
computers have. The PDF is typeset with the bundled subsets of ``src/meili/data/fonts`` (see ``README-reports.md``
there; built by ``tools/build_report_fonts.py``) and no other font: every role has a list of families, the last
being Meili Sans, which holds every character Meili prints; :func:`uncovered` says which characters of a text no
font of its role has (the PDF writer refuses to print tofu).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Literal

from meili.charts.base import data_path

Role = Literal["body", "title", "hei", "kai", "song"]

#: The faces GB/T 9704-2012 names, as the DOCX names them (East Asian and Latin alike).
DOCX_FACES: dict[Role, str] = {
    "body": "仿宋_GB2312",  # body, tables, level-3 headings (bold), signature and date
    "title": "方正小标宋简体",  # the title (二号)
    "hei": "黑体",  # level-1 headings, captions, table headers
    "kai": "楷体_GB2312",  # level-2 headings
    "song": "宋体",  # page numbers (四号)
}

#: The bundled families the PDF uses per role, in fallback order (Meili Sans last: it has every character).
PDF_FAMILIES: dict[Role, tuple[str, ...]] = {
    "body": ("Meili Fang", "Meili Sans"),
    "title": ("Meili Serif", "Meili Sans"),  # Meili Serif Bold: Noto Serif CJK SC Bold, for 方正小标宋
    "hei": ("Meili Sans",),
    "kai": ("Meili Kai", "Meili Sans"),
    "song": ("Meili Serif", "Meili Fang", "Meili Sans"),
}

#: Font files by (family, bold).
FILES: dict[tuple[str, bool], str] = {
    ("Meili Fang", False): "MeiliFang-Regular.otf",
    ("Meili Kai", False): "MeiliKai-Regular.ttf",
    ("Meili Serif", True): "MeiliSerif-Bold.otf",
    ("Meili Serif", False): "MeiliSerif-Regular.otf",
    ("Meili Sans", False): "MeiliSans-Regular.otf",
}


def font_dir() -> Path:
    """The folder of the bundled fonts (the only one the PDF writer lets Typst read)."""
    return data_path("fonts")


def font_files() -> list[Path]:
    return [font_dir() / name for name in FILES.values()]


@cache
def coverage(family: str, bold: bool = False) -> frozenset[int]:
    """The code points the bundled face has."""
    from fontTools.ttLib import TTFont

    name = FILES.get((family, bold)) or FILES[(family, False)]
    with TTFont(str(font_dir() / name), lazy=True) as font:
        return frozenset(font.getBestCmap())


def uncovered(text: str, role: Role) -> set[str]:
    """The characters of ``text`` that no bundled face of ``role`` has (whitespace and controls aside)."""
    bold = role == "title"
    chars = {c for c in text if not c.isspace() and ord(c) >= 0x20}
    for family in PDF_FAMILIES[role]:
        cover = coverage(family, bold and family == "Meili Serif")
        chars = {c for c in chars if ord(c) not in cover}
        if not chars:
            break
    return chars
