"""What the four builders share: the release read once into indexed rows, numbers with their references, the
analyst's slots file, and the configuration files of ``meili/data/report``."""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from meili.errors import InputError, NotFoundError, Problem, Text
from meili.report import wording
from meili.report.model import Number, Paragraph, Ref, Slot

if TYPE_CHECKING:
    from meili.app import Meili
    from meili.app.releases import Release

#: The key columns of each release table (docs/releases.md): a Ref's ``key`` holds exactly these.
KEYS: dict[str, tuple[str, ...]] = {
    "observations": ("plan", "region", "measure", "year"),
    "evaluations": ("plan", "year", "milestone", "region", "measure"),
    "rankings": ("plan", "year", "method", "region"),
    "summary": ("plan", "year", "milestone", "category"),
    "results": ("domain", "scope", "code", "year", "month", "metric"),
}


def _clean(v: Any) -> Any:
    return None if isinstance(v, float) and math.isnan(v) else v


class Source:
    """A release's tables as rows indexed by their key: every value a document prints is looked up here and comes
    back as a :class:`Number` with its :class:`Ref`."""

    def __init__(self, release: Release):
        self.release = release
        self.number = release.number
        self._rows: dict[str, dict[tuple, dict]] = {}

    def rows(self, table: str) -> dict[tuple, dict]:
        if table not in self._rows:
            keys = KEYS[table]
            self._rows[table] = {tuple(r[k] for k in keys): r for r in self.release.table(table).to_pylist()}
        return self._rows[table]

    def row(self, table: str, **key: Any) -> dict | None:
        return self.rows(table).get(tuple(key.get(k) for k in KEYS[table]))

    def ref(self, table: str, column: str, **key: Any) -> Ref:
        return Ref(self.number, table, {k: key.get(k) for k in KEYS[table]}, column)

    def value(self, table: str, column: str, **key: Any) -> Any:
        r = self.row(table, **key)
        return None if r is None else _clean(r.get(column))

    def num(self, table: str, column: str, kind: str, *, decimals: int | None = None, suffix: str = "",
            **key: Any) -> Number:
        """The value of ``column`` in the row ``key`` printed as ``kind`` (a metric of
        :data:`meili.report.wording.DECIMALS`); "—" when the value is missing, without a reference when the row is
        (a reference always names a row of the release)."""
        ref = self.ref(table, column, **key) if self.row(table, **key) is not None else None
        return wording.number(self.value(table, column, **key), kind, ref, decimals=decimals, suffix=suffix)

    # results: the common case
    def result(self, scope: str, code: str, year: int, month: int | None, metric: str, *, domain: str = "air"
               ) -> Any:
        return self.value("results", "value", domain=domain, scope=scope, code=code, year=year, month=month,
                          metric=metric)

    def result_num(self, scope: str, code: str, year: int, month: int | None, metric: str, *, domain: str = "air",
                   decimals: int | None = None, suffix: str = "") -> Number:
        return self.num("results", "value", metric, decimals=decimals, suffix=suffix, domain=domain, scope=scope,
                        code=code, year=year, month=month, metric=metric)

    def result_codes(self, domain: str, scope: str, year: int, month: int | None = None) -> list[str]:
        return sorted({k[2] for k in self.rows("results") if k[0] == domain and k[1] == scope and k[3] == year
                       and k[4] == month})


def value_of(release: Release, ref: Ref) -> Any:
    """The stored value a reference names (for checks and tests): the row of ``ref.table`` whose key columns equal
    ``ref.key`` (None equals NULL), its ``ref.column``. :class:`NotFoundError` when no such row."""
    key = tuple(ref.key.get(k) for k in KEYS[ref.table])
    for r in release.table(ref.table).to_pylist():
        if tuple(r[k] for k in KEYS[ref.table]) == key:
            return _clean(r[ref.column])
    raise NotFoundError(Problem("not_found", value=str(ref.key), detail=Text(
        f"发布 {release.number} 的 {ref.table} 表中没有此行", f"no such row in table {ref.table} of release {release.number}")))


def release_of(app: Meili, release: int | None) -> Release:
    return app.release(release) if release is not None else app.release()


# --- the analyst's file ----------------------------------------------------------------------------------------------
@dataclass
class Slots:
    """The analyst's texts (slot name → text) and other entries of their file (judgements, adjustments …)."""

    texts: dict[str, str]
    data: dict[str, Any]
    path: Path | None = None

    def slot(self, name: str, title: str) -> Slot:
        return Slot(name, title, self.texts.get(name))


def read_slots(path: Path | None, allowed: set[str] | None = None) -> Slots:
    """The analyst's file: YAML (``slots: {name: text}`` plus other top-level entries) or Markdown (each ``## name``
    section a slot). An unreadable file or an unknown slot name is an :class:`InputError` naming the file."""
    if path is None:
        return Slots({}, {})
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as e:
        raise InputError(Problem("unreadable_file", file=str(path), detail=str(e))) from None
    if path.suffix.lower() in (".md", ".markdown"):
        texts: dict[str, str] = {}
        name, lines = None, []
        for line in text.splitlines():
            if line.startswith("## "):
                if name:
                    texts[name] = "\n".join(lines).strip()
                name, lines = line[3:].strip(), []
            elif name:
                lines.append(line)
        if name:
            texts[name] = "\n".join(lines).strip()
        data: dict[str, Any] = {}
    else:
        import yaml

        try:
            data = yaml.safe_load(text) or {}
        except yaml.YAMLError as e:
            raise InputError(Problem("invalid_input", file=str(path), detail=str(e))) from None
        if not isinstance(data, dict):
            raise InputError(Problem("invalid_input", file=str(path), expected=Text(
                "一个映射：slots: {名称: 文字} 及其他条目", "a mapping: slots: {name: text} and other entries")))
        texts = {str(k): str(v) for k, v in (data.get("slots") or {}).items()}
    if allowed is not None:
        unknown = sorted(set(texts) - allowed)
        if unknown:
            raise InputError(*[Problem("invalid_input", file=str(path), column="slots", value=u, expected=Text(
                "、".join(sorted(allowed)), ", ".join(sorted(allowed)))) for u in unknown])
    return Slots(texts, data, path)


def para(*runs: str | Number, style: str = "body") -> Paragraph:
    return Paragraph([r for r in runs if r != ""], style)  # type: ignore[arg-type]


CN_NUMERALS = "一二三四五六七八九十"


def cn(n: int) -> str:
    """1 → 一 … 10 → 十 (section numbers)."""
    return CN_NUMERALS[n - 1] if 1 <= n <= 10 else str(n)
