"""The open-data package of a release: every table as CSV, a data dictionary, ``datapackage.json`` (Frictionless
Data), SHA-256 sums, the licence and how to cite it — one zip, the same bytes every time for the same release."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import zipfile
from functools import lru_cache
from typing import TYPE_CHECKING

import pyarrow as pa
import pyarrow.csv as pacsv

from meili.i18n import label

if TYPE_CHECKING:
    from meili.web.views import Site

LICENCE = """Creative Commons Attribution 4.0 International (CC BY 4.0)
https://creativecommons.org/licenses/by/4.0/

知识共享 署名 4.0 国际许可协议：可自由复制、分发、改编和商业使用，须注明来源（见 CITATION.txt）。
You may copy, redistribute, adapt and use these data commercially, giving credit (see CITATION.txt).
"""

_TYPES = [(pa.types.is_integer, "integer"), (pa.types.is_floating, "number"), (pa.types.is_boolean, "boolean"),
          (pa.types.is_timestamp, "datetime"), (pa.types.is_date, "date")]


def field_type(t: pa.DataType) -> str:
    """The Frictionless (Table Schema) type of an Arrow column."""
    return next((name for test, name in _TYPES if test(t)), "string")


def csv_bytes(table: pa.Table) -> bytes:
    buffer = io.BytesIO()
    pacsv.write_csv(table, buffer, pacsv.WriteOptions(include_header=True, quoting_style="needed"))
    return buffer.getvalue()


@lru_cache(maxsize=8)
def _zip_for(key: tuple[int, str], site: Site) -> bytes:
    release = site.release
    info = release.info
    stamp = info.created_at.timetuple()[:6]
    files: dict[str, bytes] = {}
    resources, dictionary = [], []
    from meili.app.releases import RELEASE_TABLES

    for name in RELEASE_TABLES:
        table = release.table(name)
        data = csv_bytes(table)
        path = f"data/{name}.csv"
        files[path] = data
        fields = []
        for f in table.schema:
            zh, en = label("columns", f.name, "zh"), label("columns", f.name, "en")
            fields.append({"name": f.name, "type": field_type(f.type), "title": zh if zh != f.name else f.name,
                           "description": en if en != f.name else ""})
            dictionary.append([name, f.name, field_type(f.type), zh if zh != f.name else "", en if en != f.name else ""])
        resources.append({"name": name, "path": path, "format": "csv", "mediatype": "text/csv", "encoding": "utf-8",
                          "bytes": len(data), "hash": "sha256:" + hashlib.sha256(data).hexdigest(),
                          "schema": {"fields": fields}})
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows([["table", "column", "type", "说明", "description"], *dictionary])
    files["dictionary.csv"] = out.getvalue().encode("utf-8")
    files["LICENSE.txt"] = LICENCE.encode("utf-8")
    files["CITATION.txt"] = (site.citation("zh") + "\n" + site.citation("en") + "\n").encode("utf-8")
    package = {"profile": "data-package", "name": f"meili-release-{info.number}",
               "title": f"{site.plan.title} — 第 {info.number} 版数据", "version": str(info.number),
               "created": info.created_at.isoformat(), "licenses": [{"name": "CC-BY-4.0", "path":
                                                                     "https://creativecommons.org/licenses/by/4.0/"}],
               "meili": {"digest": info.digest, "note": info.note, "plan": site.plan.id}, "resources": resources}
    files["datapackage.json"] = json.dumps(package, ensure_ascii=False, indent=1).encode("utf-8")
    sums = "".join(f"{hashlib.sha256(body).hexdigest()}  {path}\n" for path, body in sorted(files.items()))
    files["SHA256SUMS"] = sums.encode("ascii")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        for path, body in sorted(files.items()):
            entry = zipfile.ZipInfo(f"meili-release-{info.number}/{path}", date_time=stamp)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o644 << 16
            z.writestr(entry, body)
    return buffer.getvalue()


def release_zip(site: Site) -> bytes:
    """The zip of ``site``'s release (built once per release per process)."""
    return _zip_for((site.number, site.release.info.digest), site)
