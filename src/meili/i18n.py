"""Labels per language from one catalog (``src/meili/data/labels.yaml``): problems, statuses, column headers.

``lang`` is ``"zh"``, ``"en"`` or ``"both"`` (Chinese first, as Meili's user-facing text always is).

>>> label("status", "achieved", "both")
'已达标 achieved'
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Literal

Lang = Literal["zh", "en", "both"]
LANGS: tuple[Lang, ...] = ("zh", "en", "both")


@cache
def catalog() -> dict[str, dict[str, dict[str, str]]]:
    import yaml

    text = resources.files("meili.data").joinpath("labels.yaml").read_text(encoding="utf-8")
    return yaml.safe_load(text)


def label(section: str, key: str, lang: Lang = "both", sep: str = " ") -> str:
    """The label of ``key`` in ``section``; an unknown key is shown as it is (never an error while reporting one).

    ``sep`` joins the two languages of ``"both"``: a space for headers and statuses (``已达标 achieved``), ``" / "``
    for problem titles inside a sentence (``未知区域 / unknown region``).
    """
    entry = catalog().get(section, {}).get(key)
    if entry is None:
        return key
    if lang == "both":
        zh, en = entry["zh"], entry["en"]
        return zh if zh == en else f"{zh}{sep}{en}"
    return entry[lang]


def labels(section: str, lang: Lang = "both") -> dict[str, str]:
    """Every label of ``section`` in catalog order."""
    return {k: label(section, k, lang) for k in catalog().get(section, {})}


def count(n: int, noun: str, plural: str | None = None) -> str:
    """``n`` and an English noun in the right number: ``count(1, "row")`` → ``"1 row"``, ``count(3, "row")`` →
    ``"3 rows"`` (thousands separated)."""
    return f"{n:,} {noun if n == 1 else (plural or noun + 's')}"
