"""Where every printed number comes from: ``FILE.meili.json`` beside a document, and ``meili report check``.

The sidecar holds the document's kind and title, the SHA-256 of the document file, the release (number and
digest) its numbers come from, when it was generated, and every number in reading order: its id (``n1``, ``n2`` …
as the DOCX's hidden bookmarks ``_n1`` … name them), the text printed, the value it was printed from, its
reference (release, table, key, column) or, for a number computed in the document, the references of its inputs.

:func:`check` reads a sidecar again and looks every reference up in the release: a number whose stored value
differs from the value printed, a row, column or release that is gone, and a document file edited after it was
written are problems (``CheckResult.ok`` is False). A value that a *later* release revised is reported too, as a
notice: the document is still true to its release, but the number has been corrected since.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from meili.errors import InputError, NotFoundError, Problem, Text
from meili.report.model import Document, Ref

SUFFIX = ".meili.json"
FORMAT = "meili-report-sidecar/1"


def sidecar_path(document_path: Path | str) -> Path:
    """``report.docx`` → ``report.docx.meili.json``."""
    path = Path(document_path)
    return path if path.name.endswith(SUFFIX) else path.with_name(path.name + SUFFIX)


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def content(document: Document, document_path: Path | str, *, generated_at: datetime | None = None) -> dict:
    """The sidecar's content for ``document`` written to ``document_path`` (which must exist: its hash is kept)."""
    path = Path(document_path)
    numbers = []
    for i, number in enumerate(document.numbers(), start=1):
        entry: dict[str, Any] = {"id": f"n{i}", "text": number.text, "value": _json_value(number.value)}
        if number.ref is not None:
            entry["ref"] = number.ref.to_dict()
        if number.inputs:
            entry["inputs"] = [r.to_dict() for r in number.inputs]
        if number.rounding:
            entry["rounding"] = number.rounding
        numbers.append(entry)
    return {
        "format": FORMAT,
        "document": {"file": path.name, "sha256": sha256_file(path), "kind": document.kind, "title": document.title},
        "release": {"number": document.release, "digest": document.release_digest,
                    "created_at": document.release_created_at.isoformat() if document.release_created_at else None},
        "generated_at": (generated_at or datetime.now(UTC)).isoformat(timespec="seconds"),
        "numbers": numbers,
    }


def write(document: Document, path: Path | str) -> Path:
    """Write the sidecar of the document file ``path`` (already written) as ``path.meili.json``, atomically."""
    from meili.app.outputs import write_bytes

    text = json.dumps(content(document, path), ensure_ascii=False, indent=1, default=_json_value) + "\n"
    return write_bytes(sidecar_path(path), text.encode("utf-8"))


# --- the check -------------------------------------------------------------------------------------------------
#: Kinds of finding; all but ``revised`` make the check fail.
KINDS = {
    "document_missing": Text("文档文件不存在", "the document file is missing"),
    "document_changed": Text("文档文件在生成后被修改（SHA-256 不同）", "the document file was changed after it was written (SHA-256 differs)"),
    "release_missing": Text("发布不存在", "no such release"),
    "digest_differs": Text("发布的摘要与边车文件记录的不同", "the release's digest differs from the one recorded"),
    "row_missing": Text("发布中没有此行", "no such row in the release"),
    "column_missing": Text("发布的表中没有此列", "no such column in the release's table"),
    "value_differs": Text("存储值与文档所印数值不同", "the stored value differs from the printed one"),
    "revised": Text("此数值在之后的发布中已修订", "revised in a later release"),
}


@dataclass
class Finding:
    kind: str
    id: str | None = None  # the number's id (n12), None for the document or the release
    text: str | None = None  # as printed
    recorded: Any = None  # the value the document printed
    stored: Any = None  # the value the release holds
    where: str = ""  # release, table, key, column
    reprinted: str | None = None  # the stored value printed as the document printed its value

    def render(self, lang: str = "both") -> str:
        head = " ".join(x for x in (self.id, f"«{self.text}»" if self.text is not None else None) if x)
        words = KINDS[self.kind].render(lang)  # type: ignore[arg-type]
        values = ""
        if self.kind in ("value_differs", "revised"):
            values = f": {self.recorded!r} → {self.stored!r}" + (f" «{self.reprinted}»" if self.reprinted else "")
        return " ".join(x for x in (head, words + values, f"[{self.where}]" if self.where else "") if x)


@dataclass
class CheckResult:
    document: Path
    sidecar: Path
    release: int | None
    numbers: int
    findings: list[Finding] = field(default_factory=list)

    @property
    def problems(self) -> list[Finding]:
        return [f for f in self.findings if f.kind != "revised"]

    @property
    def revised(self) -> list[Finding]:
        return [f for f in self.findings if f.kind == "revised"]

    @property
    def ok(self) -> bool:
        return not self.problems

    def summary(self, lang: str = "both") -> str:
        zh = (f"{self.document.name}：{self.numbers} 个数值，问题 {len(self.problems)} 个，之后修订 {len(self.revised)} 个"
              f"（发布 {self.release}）")
        en = (f"{self.document.name}: {self.numbers} numbers, {len(self.problems)} problems, "
              f"{len(self.revised)} revised later (release {self.release})")
        return Text(zh, en).render(lang)  # type: ignore[arg-type]


def check(path: Path | str, app) -> CheckResult:
    """Check the document ``path`` (or its sidecar) against the releases of ``app`` (a :class:`meili.app.Meili`)."""
    side = sidecar_path(path)
    if not side.is_file():
        raise NotFoundError(Problem("file_not_found", file=str(side), detail=Text(
            "没有边车文件（Meili 写文档时在其旁写出 FILE.meili.json）",
            "no sidecar file (Meili writes FILE.meili.json beside each document it writes)")))
    try:
        data = json.loads(side.read_text(encoding="utf-8"))
        if data.get("format") != FORMAT:
            raise ValueError(data.get("format"))
    except (OSError, ValueError, AttributeError) as e:
        raise InputError(Problem("unreadable_file", file=str(side), detail=Text(
            f"不是 Meili 的边车文件（{e}）", f"not a Meili sidecar file ({e})"))) from e
    doc_path = side.with_name(data["document"]["file"])
    numbers = data.get("numbers", [])
    result = CheckResult(doc_path, side, data["release"]["number"], len(numbers))
    if not doc_path.is_file():
        result.findings.append(Finding("document_missing", where=str(doc_path)))
    elif sha256_file(doc_path) != data["document"]["sha256"]:
        result.findings.append(Finding("document_changed", where=str(doc_path)))

    lookup = _Lookup(app)
    number = result.release
    if number is not None:
        release = lookup.release(number)
        if release is None:
            result.findings.append(Finding("release_missing", where=f"release {number}"))
        elif data["release"].get("digest") and release.info.digest != data["release"]["digest"]:
            result.findings.append(Finding("digest_differs", where=f"release {number}"))
    latest = lookup.latest()
    for entry in numbers:
        refs = [entry["ref"]] if entry.get("ref") else list(entry.get("inputs", []))
        for i, ref in enumerate(refs):
            own = "ref" in entry and i == 0
            found = lookup.value(ref)
            where = _where(ref)
            if isinstance(found, _Missing):  # no stored value: a finding
                result.findings.append(Finding(found.kind, entry["id"], entry["text"], where=where))
                continue
            if own and not _same(found, entry.get("value")):
                result.findings.append(Finding("value_differs", entry["id"], entry["text"], entry.get("value"),
                                               _json_value(found), where, _reprint(found, entry["text"])))
            if latest is not None and latest > int(ref["release"]):
                later = lookup.value({**ref, "release": latest})
                if isinstance(later, _Missing) or not _same(later, found):
                    result.findings.append(Finding("revised", entry["id"], entry["text"], _json_value(found),
                                                   None if isinstance(later, _Missing) else _json_value(later),
                                                   _where({**ref, "release": latest}),
                                                   None if isinstance(later, _Missing) or not own else
                                                   _reprint(later, entry["text"])))
    return result


@dataclass(frozen=True)
class _Missing:
    """No stored value for a reference, and why (a finding kind) — distinct from a stored value that is text
    (a status word, a state), which is compared like any other."""

    kind: str


class _Lookup:
    """Releases and their tables, each read once, rows indexed by the key columns a reference uses."""

    def __init__(self, app):
        self.app = app
        self.releases: dict[int, Any] = {}
        self.index: dict[tuple, dict[tuple, dict]] = {}

    def release(self, number: int):
        if number not in self.releases:
            try:
                self.releases[number] = self.app.release(number)
            except NotFoundError:
                self.releases[number] = None
        return self.releases[number]

    def latest(self) -> int | None:
        try:
            return self.app.release().info.number
        except NotFoundError:
            return None

    def value(self, ref: dict) -> Any:
        """The stored value, or :class:`_Missing` with the kind of finding when there is none."""
        release = self.release(int(ref["release"]))
        if release is None:
            return _Missing("release_missing")
        names = tuple(sorted(ref["key"]))
        key = (int(ref["release"]), ref["table"], names)
        if key not in self.index:
            table = release.table(ref["table"])
            if any(n not in table.column_names for n in names):
                self.index[key] = {}
            else:
                self.index[key] = {tuple(_norm(r[n]) for n in names): r for r in table.to_pylist()}
        row = self.index[key].get(tuple(_norm(ref["key"][n]) for n in names))
        if row is None:
            return _Missing("row_missing")
        if ref["column"] not in row:
            return _Missing("column_missing")
        return row[ref["column"]]


def _where(ref: dict) -> str:
    key = ", ".join(f"{k}={v}" for k, v in ref["key"].items())
    return f"release {ref['release']} {ref['table']}({key}).{ref['column']}"


def _norm(value: Any) -> Any:
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, Decimal):
        value = float(value)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def _json_value(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Ref):
        return value.to_dict()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _same(stored: Any, printed: Any) -> bool:
    if stored is None or printed is None:
        return stored is None and printed is None
    if isinstance(stored, int | float | Decimal) and isinstance(printed, int | float):
        return math.isclose(float(stored), float(printed), rel_tol=1e-9, abs_tol=1e-9)
    return str(stored) == str(printed)


def _reprint(value: Any, printed: str) -> str | None:
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        return None
    return reformat(float(value), printed)


_NUMBER = re.compile(r"[-+−]?\d[\d,]*(?:\.(\d+))?")


def reformat(value: float, printed: str) -> str | None:
    """``value`` printed as ``printed`` was (same decimals, half to even as GB/T 8170 §3.3), or None when the
    printed text holds no number."""
    m = _NUMBER.search(printed)
    if m is None:
        return None
    decimals = len(m.group(1) or "")
    try:
        q = Decimal(repr(float(value))).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_EVEN)
    except (InvalidOperation, ValueError):
        return None
    return printed[: m.start()] + f"{q:f}" + printed[m.end():]
