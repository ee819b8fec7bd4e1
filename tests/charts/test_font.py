"""The bundled font covers every text Meili's data can put on a chart, and is named "Meili Sans"."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from fontTools.pens.boundsPen import BoundsPen
from fontTools.ttLib import TTFont

from tests.helpers import REPO

FONTS = REPO / "src" / "meili" / "data" / "fonts"
OTF = FONTS / "MeiliSans-Regular.otf"
WOFF2 = FONTS / "MeiliSans-Regular.woff2"


@pytest.fixture(scope="module")
def otf() -> TTFont:
    return TTFont(OTF)


def _strings(node) -> list[str]:
    if isinstance(node, str):
        return [node]
    if isinstance(node, dict):
        return [s for k, v in node.items() for s in (*_strings(k), *_strings(v))]
    if isinstance(node, list):
        return [s for v in node for s in _strings(v)]
    return [str(node)] if node is not None else []


def test_every_character_of_the_data_files_is_in_the_font(otf):
    cmap = otf.getBestCmap()
    files = sorted((REPO / "src" / "meili" / "data").rglob("*.yaml"))
    assert len(files) >= 5  # plans, labels, regions, methods
    missing = {}
    for f in files:
        for s in _strings(yaml.safe_load(f.read_text(encoding="utf-8"))):
            for ch in s:
                if ch not in "\n\r\t" and ord(ch) not in cmap:
                    missing.setdefault(ch, f.name)
    assert not missing, f"rebuild the font (python tools/build_assets.py fonts): {missing}"


def test_the_subset_holds_gb2312_and_the_signs_charts_use(otf):
    cmap = otf.getBestCmap()
    hanzi = [bytes((hi, lo)).decode("gb2312") for hi in range(0xB0, 0xF8) for lo in range(0xA1, 0xFF)
             if not (hi == 0xD7 and lo > 0xF9)]
    assert len(hanzi) == 6763
    assert all(ord(c) in cmap for c in hanzi)
    assert all(ord(c) in cmap for c in "↑↓→←▲▼●○■□◆✓✗✔✘μ³²₂₃₅·°‰±≤≥≠，。：；（）％")


def test_derived_subscripts_are_small_digits_below_the_baseline(otf):
    """₂ is drawn from the font's own 2: 60 % of its height, lowered (so PM₂.₅ is not tofu in vl-convert)."""
    cmap, glyphs = otf.getBestCmap(), otf.getGlyphSet()

    def bounds(ch):
        pen = BoundsPen(glyphs)
        glyphs[cmap[ord(ch)]].draw(pen)
        return pen.bounds

    _, y0, _, y1 = bounds("2")
    _, s0, _, s1 = bounds("₂")
    assert s1 - s0 == pytest.approx(0.6 * (y1 - y0), abs=2)
    assert s0 < y0  # below the digit's baseline


def test_woff2_has_the_same_characters_and_both_are_small(otf):
    assert TTFont(WOFF2).getBestCmap().keys() == otf.getBestCmap().keys()
    assert OTF.stat().st_size < 4_000_000
    assert WOFF2.stat().st_size < OTF.stat().st_size


def test_the_family_is_renamed(otf):
    name = otf["name"]
    assert name.getDebugName(1) == "Meili Sans"
    assert name.getDebugName(4) == "Meili Sans Regular"
    assert name.getDebugName(6) == "MeiliSans-Regular"
    assert all("Noto" not in name.getDebugName(i) for i in (1, 4, 6))
    assert otf["CFF "].cff.fontNames == ["MeiliSans-Regular"]


def test_the_licence_and_provenance_ship_beside_the_font():
    ofl = (FONTS / "OFL.txt").read_text(encoding="utf-8")
    assert "SIL OPEN FONT LICENSE Version 1.1" in ofl and "Adobe" in ofl
    readme = (FONTS / "README.md").read_text(encoding="utf-8")
    assert "Noto Sans CJK SC" in readme and "tools/build_assets.py" in readme
    assert f"{OTF.stat().st_size:,}" in readme  # the sizes written are the files' own


def test_package_data_ships_the_assets():
    text = Path(REPO / "pyproject.toml").read_text(encoding="utf-8")
    assert '"data/**/*"' in text
