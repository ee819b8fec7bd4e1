"""Charts and maps shared by the public portal and the reports: Altair specs rendered to SVG, PNG or PDF on the
server by vl-convert, with the bundled font "Meili Sans" (a Noto Sans CJK SC subset) and bundled boundaries.

Every builder takes ``lang`` ("zh", "en" or "both", Chinese first) and returns a :class:`Chart`: the Altair
``spec``, ``alt`` (one sentence for screen readers), ``table`` and ``columns`` (the same data as a table)::

    from meili.charts import county_bars, render
    chart = county_bars(rows, value="pm25", label=("PM₂.₅ 年均浓度", "PM2.5 annual mean"), unit="μg/m³",
                        title="各县 PM₂.₅", lang="zh")
    html_fragment = render.svg(chart)

This package imports only :mod:`meili.errors` and :mod:`meili.i18n` of Meili (the web layer and the report writer
both use it). See ``docs/charts.md``.
"""

from meili.charts import render
from meili.charts.bars import county_bars, status_bars
from meili.charts.base import FONT_FAMILY, STATUS_COLOURS, Chart, MapCaption, MapChart
from meili.charts.maps import BoundaryError, choropleth, load_boundaries
from meili.charts.measure import measure_chart
from meili.charts.render import pdf, png, svg

__all__ = [
    "FONT_FAMILY",
    "STATUS_COLOURS",
    "BoundaryError",
    "Chart",
    "MapCaption",
    "MapChart",
    "choropleth",
    "county_bars",
    "load_boundaries",
    "measure_chart",
    "pdf",
    "png",
    "render",
    "status_bars",
    "svg",
]
