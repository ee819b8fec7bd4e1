"""``meili portal build DIR``: the portal as static files, for an intranet server or a CDN.

The files are produced by asking the portal application itself for every page (in-process, no network), so a page
built here and the page the server sends are the same bytes. Paths:

- ``/zh/`` → ``zh/index.html``; ``/zh/measures/16.1`` → ``zh/measures/16.1/index.html`` (any static server maps
  the path to the folder's index), with its twins ``zh/measures/16.1.json`` and ``.csv`` beside the folder;
- ``static/``, ``downloads/meili-release-N.zip``, ``api/openapi.json`` as served;
- ``index.html`` at the root sends the visitor to ``/zh/``.

The search page is built without a query (it lists every measure and region); the server filters on ``?q=``.
The open API (``/api/v1/…``) needs the server and is not part of a static build.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from meili.errors import OutputError, Problem, Text
from meili.web.routes import SIMPLE_PAGES, TABLE_PAGES, PageRef
from meili.web.server import STATIC_DIR

if TYPE_CHECKING:
    from meili.app import Meili
    from meili.web.views import Site

ROOT_INDEX = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta http-equiv="refresh" content="0; url=zh/">
<title>Meili</title></head><body><p><a href="zh/">中文</a> · <a href="en/">English</a></p></body></html>
"""


@dataclass
class BuildResult:
    directory: Path
    release: int
    files: int
    bytes: int


def page_refs(site: Site) -> Iterator[PageRef]:
    """Every page of a release, in both languages and every format it has."""
    for lang in ("zh", "en"):
        refs = [PageRef("home", lang)] + [PageRef(p, lang) for p in SIMPLE_PAGES]
        refs += [PageRef("measure", lang, {"id": m.id}) for m in site.plan.measures]
        refs += [PageRef("region", lang, {"adcode": c}) for c in site.counties]
        refs += [PageRef("rankings", lang, {"year": y}) for y in sorted({r["year"] for r in site.rankings})]
        for ref in refs:
            yield ref
            yield PageRef(ref.page, ref.lang, ref.params, "json")
            if ref.page in TABLE_PAGES:
                yield PageRef(ref.page, ref.lang, ref.params, "csv")


def file_for(path: str) -> str:
    """Where the page served at ``path`` lives in a static build."""
    path = path.lstrip("/")
    if path.endswith("/"):
        return path + "index.html"
    if path.rsplit("/", 1)[-1].endswith((".json", ".csv", ".zip", ".css", ".js", ".woff2")):
        return path
    return path + "/index.html"


def build(app: Meili, directory: str | Path, *, release: int | None = None) -> BuildResult:
    """Write the portal of ``release`` (the latest if None) into ``directory`` (created; must be empty or a
    previous build). Files are written to a temporary folder first and moved in place, so a failed build leaves
    the previous one untouched."""
    from fastapi.testclient import TestClient

    from meili.web.server import create_app

    target = Path(directory)
    if target.exists() and any(target.iterdir()) and not (target / ".meili-portal").is_file():
        raise OutputError(Problem("output_exists", file=str(target), detail=Text(
            "目录非空且不是此前生成的门户，拒绝写入", "the folder is not empty and not a previous portal build; "
            "nothing was written")))
    number = app.release(release).info.number
    web = create_app(app=app, release=number)
    portal = web.state.portal
    site = portal.site(number)
    refs = list(page_refs(site))
    staging = target.with_name(target.name + ".part")
    if staging.exists():
        _remove(staging)
    staging.mkdir(parents=True)
    written = total = 0
    with TestClient(web, base_url="http://127.0.0.1") as client:
        def fetch(path: str) -> bytes:
            response = client.get(path)
            if response.status_code != 200:
                raise OutputError(Problem("output", value=path, detail=Text(
                    f"生成页面失败（HTTP {response.status_code}）", f"the page failed (HTTP {response.status_code})")))
            return response.content

        def put(rel: str, body: bytes) -> None:
            nonlocal written, total
            file = staging / rel
            file.parent.mkdir(parents=True, exist_ok=True)
            file.write_bytes(body)
            written += 1
            total += len(body)

        with app.hooks.counter("生成页面 / pages", len(refs)) as advance:
            for ref in refs:
                put(file_for(ref.path()), fetch(ref.path()))
                advance()
        for name in sorted(p.relative_to(STATIC_DIR).as_posix() for p in STATIC_DIR.rglob("*") if p.is_file()):
            put(f"static/{name}", fetch(f"/static/{name}"))
        put("static/fonts/MeiliSans-Regular.woff2", fetch("/static/fonts/MeiliSans-Regular.woff2"))
        put(f"downloads/meili-release-{number}.zip", fetch(f"/downloads/meili-release-{number}.zip"))
        put("api/openapi.json", fetch("/api/openapi.json"))
        put("index.html", ROOT_INDEX.encode("utf-8"))
        put(".meili-portal", f"release {number}\n".encode())
    if target.exists():
        _remove(target)
    os.replace(staging, target)
    return BuildResult(target, number, written, total)


def _remove(folder: Path) -> None:
    import shutil

    shutil.rmtree(folder)
