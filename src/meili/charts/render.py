"""Rendering a chart on the server with vl-convert: SVG for pages, PNG and PDF for reports.

- The bundled font directory (``src/meili/data/fonts``, "Meili Sans") is registered once per process and named
  for all text, so Chinese never shows as tofu and no font is fetched.
- ``allowed_base_urls=[]``: a spec that names remote data is refused, never fetched (charts carry their data
  inline).
- The SVG is ready to inline into an HTML page: no XML prolog, ``role="img"``, a ``<title>`` with the chart's text
  alternative referenced by ``aria-labelledby``, and every id prefixed with the chart's own id so that two charts on
  one page never clash. The id is derived from the spec and the text (no counter, no clock): the same chart gives the
  same bytes, so a static build equals a served page.
"""

from __future__ import annotations

import hashlib
import html
import json
import re
import threading
from typing import Any

import vl_convert

from meili.charts.base import FONT_FAMILY, Chart, data_path

_lock = threading.Lock()
_registered = False


def font_directory() -> str:
    """The directory of the bundled font files (OTF for vl-convert, WOFF2 for the web)."""
    return str(data_path("fonts"))


def _ensure_font() -> None:
    global _registered
    with _lock:
        if not _registered:
            vl_convert.register_font_directory(font_directory())
            _registered = True


def vega_lite(chart: Chart | Any) -> dict[str, Any]:
    """The chart's Vega-Lite spec as a dict, with the bundled font named for all text (for a JSON twin)."""
    spec = chart.spec if isinstance(chart, Chart) else chart
    d = spec.to_dict() if hasattr(spec, "to_dict") else json.loads(json.dumps(spec))
    d.setdefault("config", {})["font"] = FONT_FAMILY
    return d


def _convert(kind: str, chart: Chart | Any, **kw: Any) -> Any:
    _ensure_font()
    fn = getattr(vl_convert, f"vegalite_to_{kind}")
    return fn(vega_lite(chart), allowed_base_urls=[], **kw)


def chart_id(chart: Chart | Any, alt: str = "") -> str:
    """A stable id for the chart: ``meili-chart-`` and a hash of its spec and text alternative."""
    payload = json.dumps(vega_lite(chart), sort_keys=True, ensure_ascii=False) + "\x00" + alt
    return "meili-chart-" + hashlib.sha256(payload.encode("utf-8")).hexdigest()[:12]


_PROLOG = re.compile(r"^\s*(<\?xml[^>]*\?>\s*)?(<!DOCTYPE[^>]*>\s*)?")
_ID = re.compile(r'\bid="([^"]+)"')


def svg(chart: Chart | Any, *, scale: float = 1, alt: str | None = None, id: str | None = None) -> str:
    """The chart as an SVG element to inline into a page.

    ``alt`` defaults to the :class:`Chart`'s text alternative; ``id`` to :func:`chart_id` (give one when the very
    same chart appears twice on a page). ``scale`` multiplies the displayed width and height (the viewBox stays).
    """
    text = alt if alt is not None else (chart.alt if isinstance(chart, Chart) else "")
    cid = id or chart_id(chart, text)
    out = _PROLOG.sub("", _convert("svg", chart))
    # vl-convert numbers gradients and clip paths with a counter that lives as long as the process (gradient_0,
    # gradient_1, … across renders): renumber them in order of appearance, so the same chart gives the same bytes
    # in every process (a static build is compared byte for byte with the server).
    found = list(dict.fromkeys(_ID.findall(out)))
    renamed = {old: f"{cid}-{i}" for i, old in enumerate(found)}
    if renamed:
        pattern = re.compile(r'(id="|url\(#|href="#)(' + "|".join(re.escape(o) for o in sorted(found, key=len,
                                                                                              reverse=True)) + r')(?=[")])')
        out = pattern.sub(lambda g: g[1] + renamed[g[2]], out)
    m = re.match(r"<svg\b([^>]*)>", out)
    if m is None:
        raise ValueError("vl-convert returned no <svg> element")
    attrs = m.group(1)
    if scale != 1:
        for dim in ("width", "height"):
            attrs = re.sub(rf'\b({dim})="([\d.]+)"', lambda g: f'{g[1]}="{float(g[2]) * scale:g}"', attrs, count=1)
    head = f'<svg{attrs} id="{cid}" role="img" aria-labelledby="{cid}-title">'
    title = f'<title id="{cid}-title">{html.escape(text, quote=False)}</title>'
    return head + title + out[m.end():]


def png(chart: Chart | Any, *, scale: float = 2) -> bytes:
    """The chart as PNG bytes (``scale`` 2: sharp on high-density screens and in DOCX at page width)."""
    return bytes(_convert("png", chart, scale=scale))


def pdf(chart: Chart | Any) -> bytes:
    """The chart as a one-page PDF with the bundled font embedded (vector; for PDF reports)."""
    return bytes(_convert("pdf", chart))
