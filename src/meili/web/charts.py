"""The portal's charts: a page's data handed to :mod:`meili.charts` (shared with the reports) and rendered to SVG.

The SVG goes inline into the page (the page's own font then draws its text); its data are already in one of the
page's tables, which the chart's caption links to. Maps say which regions could not be drawn.
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from meili.web.views import Site


def render_chart(site: Site, kind: str, table_id: str, lang: str, **args: Any) -> dict | None:
    """``kind`` is a function of :mod:`meili.charts`; the result is the page's chart entry (id, kind, table, alt,
    svg, and for maps the caption line and the regions not mapped).

    A chart is a pure function of its inputs, and a map costs about half a second to draw, so entries are kept per
    process by their inputs: a static build beside a server, or two releases with the same numbers, draw it once."""
    key = json.dumps([kind, table_id, lang, args, str(site.config.boundaries_path(_root(site))),
                      site.config.map_review_number, site.config.map_producer], sort_keys=True, default=str,
                     ensure_ascii=False)
    with _lock:
        hit = _drawn.get(key)
    if hit is None:
        hit = _draw(site, kind, table_id, lang, **args)
        with _lock:
            _drawn[key] = hit
            while len(_drawn) > 1024:
                _drawn.popitem(last=False)
    return None if hit is None else dict(hit)


_drawn: OrderedDict[str, dict | None] = OrderedDict()
_lock = threading.Lock()


def _draw(site: Site, kind: str, table_id: str, lang: str, **args: Any) -> dict | None:
    from meili import charts

    title = args.pop("title", None)
    if kind == "choropleth":
        rows = [r for r in args.pop("rows") if r["value"] is not None]
        if not rows:
            return None
        boundaries = site.config.boundaries_path(_root(site)) or "ganzhou"
        caption = charts.MapCaption(review_number=site.config.map_review_number, producer=site.config.map_producer)
        chart = charts.choropleth(rows, boundaries=boundaries, value="value", unit=args.pop("unit", ""),
                                  title=title, lang=lang, caption=caption)
        entry = _entry(chart, kind, table_id, lang)
        entry["not_mapped"] = [r.get("name") or r.get("adcode") for r in chart.not_mapped]
        entry["caption"] = _map_caption(site, lang)
        return entry
    if kind == "county_bars":
        rows = [r for r in args.pop("rows") if r["value"] is not None]
        if not rows:
            return None
        chart = charts.county_bars(rows, value="value", label=args.pop("label", ("数值", "value")),
                                   unit=args.pop("unit", ""), title=title,
                                   lang=lang, descending=args.pop("descending", True))
    elif kind == "status_bars":
        chart = charts.status_bars(args.pop("rows"), lang=lang)
    elif kind == "measure_chart":
        chart = charts.measure_chart(args.pop("points"), args.pop("targets"), projection=args.pop("projection"),
                                     unit=args.pop("unit", ""), title=title, lang=lang)
    else:
        raise ValueError(f"unknown chart kind {kind!r}")
    return _entry(chart, kind, table_id, lang)


def _entry(chart, kind: str, table_id: str, lang: str) -> dict:
    from meili.charts import render

    # ids carry the kind: a page may show a bar chart and a map of the same table
    name = f"{table_id}-{kind.replace('_', '-')}"
    return {"id": f"chart-{name}", "kind": kind, "table": table_id, "alt": chart.alt,
            "svg": render.svg(chart, id=f"svg-{name}")}


def _map_caption(site: Site, lang: str) -> str:
    parts = ["示意图" if lang == "zh" else "Schematic map (示意图)"]
    if site.config.map_review_number:
        parts.append(f"审图号：{site.config.map_review_number}")
    if site.config.map_producer:
        parts.append(f"制图单位：{site.config.map_producer}" if lang == "zh" else f"Map by {site.config.map_producer}")
    return " · ".join(parts)


def _root(site: Site):
    from pathlib import Path

    path = getattr(site.app, "workspace_path", None)
    return Path(path) if path else None
