"""Reading a portal page back in tests: its tables (cell text and ``data-value``), links and ``lang``."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser


@dataclass
class Cell:
    text: str
    data_value: str | None


@dataclass
class Table:
    id: str
    caption: str = ""
    headers: list[str] = field(default_factory=list)
    rows: list[list[Cell]] = field(default_factory=list)

    def column(self, header_start: str) -> int:
        return next(i for i, h in enumerate(self.headers) if h.startswith(header_start))


class PageParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tables: list[Table] = []
        self.links: list[str] = []
        self.lang: str | None = None
        self._stack: list[str] = []
        self._cell: Cell | None = None
        self._in_caption = self._in_th = False
        self._row: list[Cell] | None = None
        self._svg = 0

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "html":
            self.lang = a.get("lang")
        elif tag == "svg":
            self._svg += 1
        elif tag == "table":
            self.tables.append(Table(a.get("id", "")))
        elif tag == "caption":
            self._in_caption = True
        elif tag == "tr" and self.tables:
            self._row = []
        elif tag == "th":
            self._in_th = True
            self.tables[-1].headers.append("")
        elif tag == "td":
            self._cell = Cell("", a.get("data-value"))
        elif tag == "a" and "href" in a:
            self.links.append(a["href"])

    def handle_endtag(self, tag):
        if tag == "svg":
            self._svg -= 1
        elif tag == "caption":
            self._in_caption = False
        elif tag == "th":
            self._in_th = False
        elif tag == "td" and self._cell is not None and self._row is not None:
            self._cell.text = " ".join(self._cell.text.split())
            self._row.append(self._cell)
            self._cell = None
        elif tag == "tr" and self._row is not None:
            if self._row:
                self.tables[-1].rows.append(self._row)
            self._row = None

    def handle_data(self, data):
        if self._svg:
            return
        if self._in_caption:
            self.tables[-1].caption += data.strip()
        elif self._in_th:
            self.tables[-1].headers[-1] += data.strip()
        elif self._cell is not None:
            self._cell.text += data


def parse_page(html: str | bytes) -> PageParser:
    parser = PageParser()
    parser.feed(html.decode("utf-8") if isinstance(html, bytes) else html)
    return parser


def table(page: PageParser, table_id: str) -> Table:
    return next(t for t in page.tables if t.id == f"table-{table_id}")
