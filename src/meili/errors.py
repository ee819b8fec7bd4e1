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
>>> print(e.render("zh"))
a.csv, 第 3 行, 列 value — 值 'abc': 不是数值；应为 数值

A reader that finds many problems collects them (:class:`Collector`) and raises once; a rendered message lists the
first :attr:`MeiliError.shown` and says how many more there are ("… 另有 N 个问题 / and N more problems").
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

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


def _pick(lang: Lang, zh: str, en: str, both: str | None = None) -> str:
    """``zh``, ``en``, or both side by side (Chinese first) — for the short words of a location."""
    return zh if lang == "zh" else en if lang == "en" else (both if both is not None else f"{zh} {en}")


def title(kind: str, lang: Lang = "both") -> str:
    """A problem kind's title from the catalog: ``未知区域 / unknown region`` (both), ``未知区域`` (zh)…"""
    return label("problems", kind, lang, sep=" / ")


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
            parts.append(_pick(lang, f"工作表 {self.sheet}", f"sheet {self.sheet}", both=f"工作表 sheet {self.sheet}"))
        if self.row is not None:
            parts.append(_pick(lang, f"第 {self.row} 行", f"row {self.row}"))
        if self.column:
            parts.append(_pick(lang, f"列 {self.column}", f"column {self.column}", both=f"列 column {self.column}"))
        return ", ".join(parts)

    @property
    def message(self) -> str:
        """The detail in both languages ("" when none): what the older ``ObservationIssue.message`` held."""
        return _text(self.detail, "both") or ""

    def render(self, lang: Lang = "both") -> str:
        head = self.where(lang)
        if self.value is not None:
            found = f"{_pick(lang, '值', 'found')} {self.value!r}"
            head = f"{head} — {found}" if head else found
        text = title(self.kind, lang)
        detail, expected = _text(self.detail, lang), _text(self.expected, lang)
        if detail:
            text += f": {detail}"
        if expected:
            text += _pick(lang, "；应为 ", "; expected ", both="; 应为 / expected ") + expected
        return f"{head}: {text}" if head else text

    def __str__(self) -> str:
        return self.render()


class MeiliError(Exception):
    """An error a user can act on: bad input, an unknown plan or region, a store that cannot be used.

    Built from problems (or plain messages, read as problems of the class's ``kind``). ``total`` counts every
    problem found when only the first ones are kept, ``counts`` the problems per kind (of all found); ``str(e)``
    renders the first :attr:`shown` problems in both languages.
    """

    kind: str = "error"
    #: How many problems :meth:`render` lists by default (a subclass may list more, e.g. an import's every issue).
    shown: int = SHOWN

    def __init__(self, *problems: Problem | str | Text, total: int | None = None,
                 counts: dict[str, int] | None = None):
        self.problems: list[Problem] = [p if isinstance(p, Problem) else Problem(self.kind, detail=p)
                                        for p in problems]
        self.total = total if total is not None else len(self.problems)
        self.counts = counts if counts is not None else dict(Counter(p.kind for p in self.problems))
        super().__init__(self.render())

    def render(self, lang: Lang = "both", shown: int | None = None) -> str:
        shown = self.shown if shown is None else shown
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
            "problems": [{"kind": p.kind, "title": title(p.kind, lang), "file": p.file,
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


class Collector:
    """Problems gathered while checking an input, raised together as one error.

    ``add`` keeps a problem; ``add_counted`` keeps the first problems of a group and counts the whole group (a query
    that found 10,000 bad rows returns the first few and the count). ``raise_if_any(InputError)`` raises once.

    >>> c = Collector()
    >>> c.add(Problem("missing_column", file="a.csv", column="time"))
    >>> c.add_counted([Problem("invalid_time", file="b.csv", row=2)], total=7)
    >>> (len(c.problems), c.total, dict(c.counts))
    (2, 8, {'missing_column': 1, 'invalid_time': 7})
    """

    def __init__(self) -> None:
        self.problems: list[Problem] = []
        self.counts: Counter[str] = Counter()

    def add(self, problem: Problem) -> None:
        self.problems.append(problem)
        self.counts[problem.kind] += 1

    def add_counted(self, problems: Iterable[Problem], total: int, kind: str | None = None) -> None:
        """Keep ``problems`` (the first of a group) and count ``total`` problems of ``kind`` (their kind)."""
        kept = list(problems)
        self.problems += kept
        key = kind or (kept[0].kind if kept else "error")
        self.counts[key] += max(total, len(kept))

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def __bool__(self) -> bool:
        return self.total > 0

    def __len__(self) -> int:
        return self.total

    def error(self, cls: type[MeiliError] = MeiliError, **kwargs) -> MeiliError:
        return cls(*self.problems, total=self.total, counts=dict(self.counts), **kwargs)

    def raise_if_any(self, cls: type[MeiliError] = MeiliError, **kwargs) -> None:
        if self:
            raise self.error(cls, **kwargs)


def invalid_choice(name: str, value: object, choices) -> RequestError:
    """An option given a value outside its choices (a period, a grouping, a method …), naming both."""
    return RequestError(Problem("invalid_choice", column=name, value=str(value), expected=" | ".join(map(str, choices))))


def needs_registry(what: str) -> RequestError:
    """An operation that groups stations or sections and was given no registry to group them by."""
    return RequestError(Problem("needs_registry", value=what, detail=Text(
        f"按 {what} 分组需要站点或断面名录", f"grouping by {what} needs a station or section registry")))
