"""View-models to bytes: HTML through Jinja2, the JSON twin, the CSV twin. Deterministic: the same release gives
the same bytes (the static build is compared with the server on that)."""

from __future__ import annotations

import csv
import io
import json
from datetime import date, datetime
from functools import cache
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from meili.web import format as fmt
from meili.web.views import STATUS_ICONS, STATUS_ORDER, say, strings


@cache
def environment() -> Environment:
    env = Environment(loader=PackageLoader("meili.web", "templates"), autoescape=select_autoescape(["html"]),
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.globals.update(say=say, fmt=fmt, STATUS_ICONS=STATUS_ICONS, STATUS_ORDER=STATUS_ORDER, strings=strings)
    env.filters["num"] = fmt.number
    env.filters["signed"] = fmt.signed
    env.filters["data_value"] = data_value
    env.filters["safe_svg"] = lambda svg: Markup(svg)  # produced by meili.charts from the release's own numbers
    return env


def data_value(value: Any) -> str:
    """The stored value as it goes into ``data-value`` (repr of the float, so nothing is lost)."""
    if value is None:
        return ""
    return repr(float(value)) if isinstance(value, int | float) and not isinstance(value, bool) else str(value)


def html(model: dict, *, base: str = "") -> bytes:
    """The page; ``base`` prefixes site links (``/releases/3`` on a pinned release)."""
    template = environment().get_template(f"{model['page']}.html")
    alternates = {"json": model["self"]["json"], "csv": model["self"].get("csv")}
    return template.render(m=model, L=model["lang"], base=base, alternates=alternates).encode("utf-8")


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def json_twin(model: dict) -> bytes:
    """The page's view-model, without the rendered SVG (the chart's data are in its table)."""
    out = dict(model)
    out["charts"] = [{k: v for k, v in c.items() if k != "svg"} for c in model.get("charts", [])]
    return json.dumps(out, ensure_ascii=False, indent=1, default=_plain, sort_keys=False).encode("utf-8")


def cell_text(column: dict, value: Any) -> Any:
    """A cell as the CSV twin holds it: the stored number, the word of a status, the text of a link."""
    if isinstance(value, dict):
        if "status" in value:
            return value["text"]
        if "icon" in value:
            return f"{value['icon']} {value['text']}"
        return value.get("text", "")
    return "" if value is None else value


def csv_twin(model: dict) -> bytes | None:
    """The page's first table as CSV (UTF-8 with BOM, so that Excel reads the Chinese), headers in the page's
    language; None when the page has no table."""
    tables = model.get("tables") or []
    if not tables:
        return None
    table = tables[0]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([c["label"] + (f" ({c['unit']})" if c.get("unit") else "") for c in table["columns"]])
    for row in table["rows"]:
        writer.writerow([_neutralise(cell_text(c, row.get(c["key"]))) for c in table["columns"]])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _neutralise(value: Any) -> Any:
    # A text cell starting with = + - @ would be run as a formula by a spreadsheet (CSV injection).
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@") and not _is_number(value):
        return "'" + value
    return value


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True
