"""What every chart shares: the returned :class:`Chart`, words per language, colours, number formatting.

Colours (``docs/charts.md``, "Colours"): marks use the Okabe–Ito palette (designed to stay distinct under the
common colour-vision deficiencies), keeping only colours with a contrast of at least 3:1 against white (WCAG 2.1
SC 1.4.11, non-text contrast); statuses always carry their word in the legend and in the table.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum
from importlib import resources
from pathlib import Path
from typing import Any

from meili.i18n import Lang, label, labels

#: The family name of the bundled font (``src/meili/data/fonts``), used for all text of every chart.
FONT_FAMILY = "Meili Sans"

#: Mark colours, each ≥ 3:1 against white (contrast ratio in the comment).
BLUE = "#0072B2"  # Okabe–Ito blue, 5.2:1 — observed series, bars
VERMILION = "#D55E00"  # Okabe–Ito vermilion, 3.9:1 — targets, highlighted bar
GREY = "#666666"  # 5.7:1 — projections, annotations, no-data outlines
TEXT = "#222222"

#: Status → colour (≥ 3:1 against white each); the order is the catalog's (``labels.yaml`` → ``status``).
STATUS_COLOURS: dict[str, str] = {
    "achieved": "#009E73",  # Okabe–Ito bluish green, 3.4:1
    "on_track": "#0072B2",  # Okabe–Ito blue, 5.2:1
    "lagging": "#CC79A7",  # Okabe–Ito reddish purple, 3.1:1
    "regressing": "#D55E00",  # Okabe–Ito vermilion, 3.9:1
    "no_data": "#666666",  # grey, 5.7:1
    "target_pending": "#999933",  # Paul Tol olive, 3.0:1
    "not_applicable": "#949494",  # light grey, 3.0:1
}

#: Sequential scheme of choropleths (Vega's "blues", ColorBrewer); areas are outlined in :data:`GREY`, so even the
#: lightest class is bounded by a line of 5.7:1.
SEQUENTIAL_SCHEME = "blues"

WIDTH = 560


@dataclass(frozen=True)
class Chart:
    """A chart and everything a page or a report shows beside it.

    ``spec``: the Altair chart (render it with :mod:`meili.charts.render`); ``alt``: one sentence saying what it
    shows, in the chart's language; ``table``: the same data as rows, for the data table beside the chart;
    ``columns``: the table's (field, header) pairs in order.
    """

    spec: Any
    alt: str
    table: list[dict[str, Any]]
    columns: list[tuple[str, str]]


@dataclass(frozen=True)
class MapChart(Chart):
    """A choropleth: a :class:`Chart` plus the rows that could not be drawn and the areas without data.

    ``not_mapped``: input rows whose ``adcode`` has no boundary (e.g. 赣州经开区, 蓉江新区); ``no_data``: boundaries
    (``{"adcode", "name"}``) without a row or without a value. Both are also named in ``alt``.
    """

    not_mapped: list[dict[str, Any]] = field(default_factory=list)
    no_data: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True)
class MapCaption:
    """The lines an official boundary file requires under a map: 审图号 (map review number) and 制图单位."""

    review_number: str | None = None
    producer: str | None = None


#: A title or label: one string, a (zh, en) pair, or {"zh": …, "en": …}.
Text = str | tuple[str, str] | Mapping[str, str]


def number(x: Any) -> float | None:
    """A value as a float for a chart, or None (missing, NaN, a flag, text that is not a number)."""
    if x is None or isinstance(x, bool):
        return None
    try:
        v = float(x)
    except (TypeError, ValueError):
        return None
    return None if v != v else v


def t(zh: str, en: str, lang: Lang) -> str:
    """A text in ``lang``; ``"both"`` is Chinese first, then English."""
    if lang == "zh":
        return zh
    if lang == "en":
        return en
    return zh if zh == en else f"{zh} {en}"


def pick(text: str | tuple[str, str] | Mapping[str, str] | None, lang: Lang) -> str:
    """A caller's text: a plain string, a ``(zh, en)`` pair or a ``{"zh":…, "en":…}`` mapping."""
    if text is None:
        return ""
    if isinstance(text, str):
        return text
    if isinstance(text, Mapping):
        return t(text.get("zh", ""), text.get("en", text.get("zh", "")), lang)
    zh, en = text
    return t(zh, en, lang)


def check_lang(lang: str) -> Lang:
    if lang not in ("zh", "en", "both"):
        raise ValueError(f"lang must be 'zh', 'en' or 'both', not {lang!r}")
    return lang  # type: ignore[return-value]


def status_label(status: str, lang: Lang) -> str:
    return label("status", status, lang)


def status_order() -> list[str]:
    """Statuses in the catalog's order (achieved … not_applicable), then any colour-only extras."""
    return list(dict.fromkeys([*labels("status", "en"), *STATUS_COLOURS]))


def fmt(x: float | int | None, decimals: int = 4) -> str:
    """A number as a reader writes it: no trailing zeros (35, 9.95, 0.123); ``—`` for nothing."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "—"
    s = f"{float(x):,.{decimals}f}".rstrip("0").rstrip(".")
    return "0" if s in ("-0", "") else s


def get(obj: Any, *names: str, default: Any = None) -> Any:
    """The first present, non-None field of a mapping or an object (a dict row or a pydantic model)."""
    for n in names:
        v = obj.get(n) if isinstance(obj, Mapping) else getattr(obj, n, None)
        if v is not None:
            return v.value if isinstance(v, Enum) else v
    return default


def with_unit(name: str, unit: str | None, lang: Lang) -> str:
    """A header with its unit: 数值（μg/m³） in Chinese, value (μg/m³) in English."""
    if not unit:
        return name
    return f"{name} ({unit})" if lang == "en" else f"{name}（{unit}）"


def data_path(*parts: str) -> Path:
    """A file of ``meili.data`` on disk (the package is installed as files, never zipped)."""
    return Path(str(resources.files("meili.data").joinpath(*parts)))


def join(items: list[str], lang: Lang) -> str:
    return ("、" if lang != "en" else ", ").join(items)
