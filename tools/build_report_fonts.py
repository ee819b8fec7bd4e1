"""Rebuild the fonts that ``meili.report.pdf`` embeds: free stand-ins for the faces GB/T 9704 names.

Run from the repository root (re-runnable; same inputs → same bytes)::

    apt-get install -y fonts-noto-cjk fonts-lxgw-wenkai texlive-lang-chinese   # or unpack their .deb files:
    #   apt-get download fonts-lxgw-wenkai texlive-lang-chinese && dpkg -x FILE.deb DIR  → --root DIR
    pip install -e '.[assets]'
    python tools/build_report_fonts.py [--root /]

Each face is subset to the code points of Meili Sans (``tools/build_assets.wanted_codepoints``: ASCII, Latin-1,
GB 2312, CJK punctuation, full-width forms and every character of ``src/meili``) with the same subsetter
(``build_assets.subset_face``) and renamed (``build_assets._rename``), as the OFL asks of a modified font and as
LXGW's reserved font names require. Outputs in ``src/meili/data/fonts/``:

| file | stands in for | source | licence |
|---|---|---|---|
| ``MeiliFang-Regular.otf`` | 仿宋_GB2312 (body, tables) | FandolFang Regular 1.300 (texlive-lang-chinese) | GPL + font exception |
| ``MeiliKai-Regular.ttf`` | 楷体_GB2312 (level-2 headings) | LXGW WenKai Regular 1.250 (fonts-lxgw-wenkai) | SIL OFL 1.1 |
| ``MeiliSerif-Bold.otf`` | 方正小标宋简体 (title) | Noto Serif CJK SC Bold 2.001 (fonts-noto-cjk) | SIL OFL 1.1 |
| ``MeiliSerif-Regular.otf`` | 宋体 (page numbers) | Noto Serif CJK SC Regular, ASCII and punctuation only | SIL OFL 1.1 |

黑体 (level-1 headings) is Meili Sans, built by ``tools/build_assets.py``. A character a face lacks falls back to
Meili Sans in the PDF (``meili.report.fonts``), which holds all of them.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from build_assets import FONTS, _rename, subset_face, wanted_codepoints

#: name → (source path under the root, face in a collection or None, family, style, PS name, subset, licence file)
FACES = {
    "fang": ("usr/share/texlive/texmf-dist/fonts/opentype/public/fandol/FandolFang-Regular.otf", None,
             "Meili Fang", "Regular", "MeiliFang-Regular", "full", "LICENSE-MeiliFang.txt"),
    "kai": ("usr/share/fonts/truetype/lxgw-wenkai/LXGWWenKai-Regular.ttf", None,
            "Meili Kai", "Regular", "MeiliKai-Regular", "full", "OFL-MeiliKai.txt"),
    "serif-bold": ("usr/share/fonts/opentype/noto/NotoSerifCJK-Bold.ttc", "Noto Serif CJK SC",
                   "Meili Serif", "Bold", "MeiliSerif-Bold", "full", "OFL-MeiliSerif.txt"),
    "serif": ("usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc", "Noto Serif CJK SC",
              "Meili Serif", "Regular", "MeiliSerif-Regular", "latin", "OFL-MeiliSerif.txt"),
}

#: Debian copyright files holding each licence's text.
COPYRIGHT = {
    "kai": "usr/share/doc/fonts-lxgw-wenkai/copyright",
    "serif": "usr/share/doc/fonts-noto-cjk/copyright",
}
GPL3 = Path("/usr/share/common-licenses/GPL-3")

#: The FSF's font exception, as the Fandol README grants it ("GPL + GPL font exception"), extended to the subset.
FONT_EXCEPTION = """As a special exception, if you create a document which uses this font, and embed this font or
unaltered portions of this font into the document, this font does not by itself cause the resulting document to
be covered by the GNU General Public License. This exception does not however invalidate any other reasons why
the document might be covered by the GNU General Public License. If you modify this font, you may extend this
exception to your version of the font, but you are not obligated to do so. If you do not wish to do so, delete
this exception statement from your version."""


def latin_codepoints() -> list[int]:
    """ASCII, Latin-1 and general punctuation (— – ‘ ’ “ ” …): enough for "— 12 —"."""
    return sorted(set(range(0x20, 0x7F)) | set(range(0xA0, 0x100)) | set(range(0x2010, 0x2027)))


def load(root: Path, key: str):
    from fontTools.ttLib import TTCollection, TTFont

    rel, face = FACES[key][:2]
    path = found(root, rel)
    if not path.exists():
        sys.exit(f"{path} not found: see this script's docstring")
    if face is None:
        return TTFont(str(path), recalcTimestamp=False, lazy=False)
    faces = {f["name"].getDebugName(1): f for f in TTCollection(str(path), recalcTimestamp=False, lazy=False).fonts}
    return faces[face]


def found(root: Path, rel: str) -> Path:
    """``root/rel``, or ``/rel`` when the root lacks it (Noto installed, the others unpacked)."""
    return root / rel if (root / rel).exists() else Path("/") / rel


def debian_licence(path: Path, licence: str) -> str:
    """The text of ``License: <licence>`` in a Debian copyright file (its indented block, "." lines blank)."""
    block = path.read_text(encoding="utf-8").split(f"License: {licence}\n")[-1]
    lines = []
    for line in block.splitlines():
        if line and not line.startswith(" "):
            break
        lines.append("" if line.strip() == "." else line[1:])
    return "\n".join(lines).strip("\n")


def build(root: Path) -> None:
    wanted = wanted_codepoints()
    rows = []
    for key, (rel, face, family, style, ps_name, which, licence) in FACES.items():
        font = load(root, key)
        copyright_line = font["name"].getDebugName(0).replace("\r\n", "; ")
        version = font["name"].getDebugName(5)
        cmap = font.getBestCmap()
        cps = [cp for cp in (wanted if which == "full" else latin_codepoints()) if cp in cmap]
        lacking = [cp for cp in wanted if cp not in cmap] if which == "full" else []
        subset_face(font, cps)
        _rename(font, family, ps_name, face or Path(rel).stem, style)
        out = FONTS / (ps_name + (".ttf" if "glyf" in font else ".otf"))
        font.flavor = None
        font.save(str(out), reorderTables=True)
        source = f"{face or Path(rel).stem} {style} ({version.split(';')[0]})"
        rows.append((out.name, family, style, source, copyright_line, licence, len(cps), len(lacking),
                     out.stat().st_size))
        print(f"{out.name}: {out.stat().st_size:,} bytes, {len(cps)} code points, lacks {len(lacking)} of Meili's "
              f"(these fall back to Meili Sans)")

    note = "Modified for Meili by tools/build_report_fonts.py: subset to the characters Meili prints, renamed"
    (FONTS / "OFL-MeiliKai.txt").write_text(
        f"Meili Kai: {rows[1][4]} (LXGW WenKai).\n{note} \"Meili Kai\" (the original reserves the font names "
        f"\"霞鹜\" and \"LXGW\").\n\nThis Font Software is licensed under the SIL Open Font License, Version 1.1.\n\n"
        f"{debian_licence(found(root, COPYRIGHT['kai']), 'OFL-1.1')}\n", encoding="utf-8")
    (FONTS / "OFL-MeiliSerif.txt").write_text(
        f"Meili Serif: {rows[2][4]} (Noto Serif CJK SC).\n{note} \"Meili Serif\".\n\n"
        f"This Font Software is licensed under the SIL Open Font License, Version 1.1.\n\n"
        f"{debian_licence(found(root, COPYRIGHT['serif']), 'SIL-1.1')}\n", encoding="utf-8")
    gpl = found(root, str(GPL3).lstrip("/"))
    (FONTS / "LICENSE-MeiliFang.txt").write_text(
        f"Meili Fang: {rows[0][4]} (FandolFang Regular, by Clerk Ma and Jie Su).\n{note} \"Meili Fang\".\n"
        "Source: CTAN fonts/fandol (Debian package texlive-lang-chinese), unmodified outlines; rebuild with\n"
        "tools/build_report_fonts.py in Meili's repository.\n\n"
        "The Fandol README: \"These fonts's licensing is GPL + GPL font exception.\" This subset is distributed\n"
        "under the same terms, with the exception extended to it:\n\n"
        f"{FONT_EXCEPTION}\n\n{'-' * 78}\n\n{gpl.read_text(encoding='utf-8')}", encoding="utf-8")

    table = "\n".join(f"| `{name}` | {family} {style} | {source} | `{licence}` | {n:,} | {lack} | {size:,} |"
                      for name, family, style, source, _c, licence, n, lack, size in rows)
    (FONTS / "README-reports.md").write_text(
        f"""# Report fonts (bundled for `meili.report.pdf`)

Free stand-ins for the faces GB/T 9704-2012 names, embedded (subset) in every PDF Meili writes. The DOCX names the
official faces (仿宋_GB2312, 方正小标宋简体, 黑体, 楷体_GB2312, 宋体) and embeds nothing. Each file is a subset
and renamed, so it is not mistaken for the original; its licence file is beside it.

| file | family | from | licence | code points | Meili's characters it lacks (→ Meili Sans) | bytes |
|---|---|---|---|---|---|---|
{table}

Roles: 仿宋 → Meili Fang (body, tables, level-3 headings, bold drawn by a thin stroke), 楷体 → Meili Kai
(level-2 headings), 方正小标宋 → Meili Serif Bold (title), 宋体 → Meili Serif (page numbers), 黑体 → Meili Sans
(level-1 headings, captions; see `README.md`). Any character a face lacks is drawn from Meili Sans, which holds all
of Meili's characters.

Rebuild: see `tools/build_report_fonts.py` (`python tools/build_report_fonts.py`).
""", encoding="utf-8")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--root", type=Path, default=Path("/"),
                        help="where the Debian packages' files are (/ when installed; a dpkg -x folder otherwise)")
    build(parser.parse_args(argv).root)


if __name__ == "__main__":
    main()
