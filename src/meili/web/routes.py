"""Page addresses: one parser from a URL path to (page, parameters, format), shared by the server and the static
build, so that both publish the same pages at the same paths.

``/zh/`` home · ``/zh/plan`` · ``/zh/progress`` · ``/zh/measures/16.1`` · ``/zh/regions`` · ``/zh/regions/360702`` ·
``/zh/rankings/2024`` · ``/zh/air`` · ``/zh/water`` · ``/zh/data`` · ``/zh/methods`` · ``/zh/search?q=`` ·
``/zh/about`` · ``/zh/accessibility`` · ``/zh/releases`` · ``/zh/revisions``; each with a ``.json`` twin and, where
the page is a table, a ``.csv`` twin (the home page's twins are ``/zh/index.json`` and ``/zh/index.csv``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from meili.web.views import LANGS

#: Pages at /{lang}/{name} without parameters.
SIMPLE_PAGES = ("plan", "progress", "regions", "air", "water", "data", "methods", "search", "about",
                "accessibility", "releases", "revisions")
#: Pages whose first table is worth a CSV twin.
TABLE_PAGES = {"home", "plan", "progress", "regions", "region", "measure", "rankings", "air", "water", "search",
               "releases", "revisions", "data"}
FORMATS = ("html", "json", "csv")


@dataclass(frozen=True)
class PageRef:
    page: str
    lang: str
    params: dict = field(default_factory=dict)
    format: str = "html"

    def path(self) -> str:
        """The page's canonical path (the inverse of :func:`parse`)."""
        base = {"home": f"/{self.lang}/", "measure": f"/{self.lang}/measures/{self.params.get('id')}",
                "region": f"/{self.lang}/regions/{self.params.get('adcode')}",
                "rankings": f"/{self.lang}/rankings" + (f"/{self.params['year']}" if "year" in self.params else "")
                }.get(self.page, f"/{self.lang}/{self.page}")
        if self.format == "html":
            return base
        return (f"/{self.lang}/index" if self.page == "home" else base) + f".{self.format}"


def parse(path: str) -> PageRef | None:
    """The page at ``path`` (without the ``/releases/N`` prefix), or None when no page lives there."""
    parts = [p for p in path.split("/") if p]
    if not parts or parts[0] not in LANGS:
        return None
    lang, rest = parts[0], parts[1:]
    fmt = "html"
    if rest:
        last = rest[-1]
        for ext in ("json", "csv"):
            if last.endswith(f".{ext}"):
                rest[-1], fmt = last[: -len(ext) - 1], ext
                break
    if not rest or rest == ["index"]:
        return PageRef("home", lang, {}, fmt) if (rest == [] and fmt == "html") or rest == ["index"] else None
    if len(rest) == 1 and rest[0] in SIMPLE_PAGES:
        return PageRef(rest[0], lang, {}, fmt)
    if len(rest) == 1 and rest[0] == "rankings":
        return PageRef("rankings", lang, {}, fmt)
    if len(rest) == 2:
        kind, key = rest
        if kind == "measures" and key:
            return PageRef("measure", lang, {"id": key}, fmt)
        if kind == "regions" and key:
            return PageRef("region", lang, {"adcode": key}, fmt)
        if kind == "rankings" and key.isdigit() and len(key) == 4:
            return PageRef("rankings", lang, {"year": int(key)}, fmt)
    return None
