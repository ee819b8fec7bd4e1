"""One error model: every error Meili shows a user is a :class:`MeiliError` carrying structured problems.

A :class:`Problem` says *what kind* of mistake (a key of the catalog, ``src/meili/data/labels.yaml`` →
``problems``), *where* (file, sheet, row, column), the value found and what was expected. It is rendered in Chinese,
English or both (Chinese first) from that one catalog, so a front door (CLI, web page, report) chooses the language
and never parses a message. Library code raises a subclass of :class:`MeiliError` and never names a front door's
options (no ``--flag`` in a library message); the CLI catches :class:`MeiliError` only and reports anything else as an
internal error.

>>> e = MeiliError(Problem("non_numeric", file="a.csv", row=3, column="value", value="abc",
...                        expected=Text("数值", "a number")))
>>> print(e.render("en"))
a.csv, row 3, column value — found 'abc': not a number; expected a number
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

from meili.i18n import Lang, label

#: How many problems a rendered message lists before "and N more".
SHOWN = 20


@dataclass(frozen=True)
class Text:
    """A text in Chinese and English; rendered per language (both: Chinese first)."""

    zh: str
    en: str

    def render(self, lang: Lang = "both") -> str:
        if lang == "zh":
            return self.zh
        if lang == "en":
            return self.en
        return self.zh if self.zh == self.en else f"{self.zh} / {self.en}"

    def __str__(self) -> str:
        return self.render()


def _text(value: str | Text | None, lang: Lang) -> str | None:
    return value.render(lang) if isinstance(value, Text) else value


@dataclass(frozen=True)
class Problem:
    """One mistake in an input or a request. ``row`` is the row number a spreadsheet shows (header = 1).

    ``kind`` is a key of the catalog's ``problems`` section. ``detail`` and ``expected`` are a :class:`Text` (two
    languages) or a plain string (already bilingual, or language-neutral such as a number).
    """

    kind: str
    file: str | None = None
    sheet: str | None = None
    row: int | None = None
    column: str | None = None
    value: str | None = None
    expected: str | Text | None = None
    detail: str | Text | None = None

    def where(self, lang: Lang = "both") -> str:
        parts = [self.file] if self.file else []
        if self.sheet:
            parts.append({"zh": f"工作表 {self.sheet}", "en": f"sheet {self.sheet}"}.get(lang, f"工作表 sheet {self.sheet}"))
        if self.row is not None:
            parts.append({"zh": f"第 {self.row} 行", "en": f"row {self.row}"}.get(lang, f"第 {self.row} 行 row {self.row}"))
        if self.column:
            parts.append({"zh": f"列 {self.column}", "en": f"column {self.column}"}.get(lang, f"列 column {self.column}"))
        return ", ".join(parts)

    def render(self, lang: Lang = "both") -> str:
        head = self.where(lang)
        if self.value is not None:
            found = {"zh": "值", "en": "found"}.get(lang, "值 found")
            head += f" — {found} {self.value!r}"
        text = label("problems", self.kind, lang)
        detail, expected = _text(self.detail, lang), _text(self.expected, lang)
        if detail:
            text += f": {detail}"
        if expected:
            text += "；应为 " + expected if lang == "zh" else (
                "; expected " + expected if lang == "en" else "; 应为 / expected " + expected)
        return f"{head}: {text}" if head else text

    def __str__(self) -> str:
        return self.render()


class MeiliError(Exception):
    """An error a user can act on: bad input, an unknown plan or region, a store that cannot be used.

    Built from problems (or plain messages, read as problems of the class's ``kind``). ``total`` counts every
    problem found when only the first ones are kept; ``str(e)`` renders all kept problems in both languages.
    """

    kind: str = "error"

    def __init__(self, *problems: Problem | str | Text, total: int | None = None,
                 counts: dict[str, int] | None = None):
        self.problems: list[Problem] = [p if isinstance(p, Problem) else Problem(self.kind, detail=p)
                                        for p in problems]
        self.total = total if total is not None else len(self.problems)
        self.counts = counts if counts is not None else dict(Counter(p.kind for p in self.problems))
        super().__init__(self.render())

    def render(self, lang: Lang = "both", shown: int = SHOWN) -> str:
        lines = [p.render(lang) for p in self.problems[:shown]]
        more = self.total - min(len(self.problems), shown)
        if more > 0:
            lines.append({"zh": f"… 另有 {more} 个问题", "en": f"… and {more} more problems"}.get(
                lang, f"… 另有 {more} 个问题 / and {more} more problems"))
        return "\n".join(lines)

    def to_dict(self, lang: Lang = "both") -> dict:
        """A JSON-ready form for web front doors: kind, message, and every problem's fields."""
        return {
            "error": self.kind, "message": self.render(lang), "total": self.total,
            "problems": [{"kind": p.kind, "title": label("problems", p.kind, lang), "file": p.file,
                          "sheet": p.sheet, "row": p.row, "column": p.column, "value": p.value,
                          "expected": _text(p.expected, lang), "detail": _text(p.detail, lang)}
                         for p in self.problems],
        }


class InputError(MeiliError):
    """A file or table Meili was given cannot be used (unreadable, malformed, values outside what is allowed)."""

    kind = "invalid_input"


class NotFoundError(MeiliError):
    """A plan, region, measure, release or record that does not exist."""

    kind = "not_found"


class RequestError(MeiliError):
    """Arguments of an operation that cannot go together or are out of range (a year outside the plan…)."""

    kind = "invalid_request"


class OutputError(MeiliError):
    """An output Meili refuses to write (wrong suffix, would overwrite an input or the store)."""

    kind = "invalid_output"


def problems_of(errors: Iterable[MeiliError]) -> list[Problem]:
    return [p for e in errors for p in e.problems]


Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Notice:
    """Something a user should know that did not stop the work (a warning, a count of invalid cells)."""

    problem: Problem
    severity: Severity = "warning"
    extra: dict = field(default_factory=dict)

    def render(self, lang: Lang = "both") -> str:
        return self.problem.render(lang)
