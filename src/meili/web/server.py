"""The portal server: FastAPI over a workspace's releases. It reads; it never writes to the workspace.

``/releases/{n}/…`` serves release *n*, immutable and cacheable for a year; unversioned paths are aliases of the
latest release, with an ETag. Pages are rendered once per release and path and kept in memory (a release never
changes), so a request after the first costs a dictionary look-up.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections import OrderedDict
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response

from meili.errors import MeiliError, NotFoundError, Problem, Text
from meili.web import render
from meili.web.config import PortalConfig, load_config
from meili.web.routes import TABLE_PAGES, PageRef, parse
from meili.web.views import Site

if TYPE_CHECKING:
    from meili.app import Meili

IMMUTABLE = "public, max-age=31536000, immutable"
LATEST = "public, max-age=0, must-revalidate"
SECURITY_HEADERS = {
    "Content-Security-Policy": ("default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
                                "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; "
                                "form-action 'self'; frame-ancestors 'none'"),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), interest-cohort=()",
}
MEDIA = {"html": "text/html; charset=utf-8", "json": "application/json", "csv": "text/csv; charset=utf-8"}
STATIC_DIR = Path(str(resources.files("meili.web").joinpath("static")))
FONTS_DIR = Path(str(resources.files("meili.data").joinpath("fonts")))


class Portal:
    """The releases a server shows: a :class:`Site` per release number, the latest re-checked now and then."""

    def __init__(self, app: Meili, config: PortalConfig, pinned: int | None = None):
        self.app, self.config, self.pinned = app, config, pinned
        self._sites: dict[int, Site] = {}
        self._lock = threading.Lock()
        self._latest: tuple[float, int] | None = None
        self._rendered: OrderedDict[tuple, tuple[bytes, str]] = OrderedDict()

    def latest(self) -> int:
        if self.pinned is not None:
            return self.pinned
        now = time.monotonic()
        if self._latest is None or now - self._latest[0] > self.config.release_check_seconds:
            self._latest = (now, self.app.release().info.number)
        return self._latest[1]

    def site(self, number: int | None = None) -> Site:
        number = self.latest() if number is None else number
        if self.pinned is not None and number != self.pinned:
            raise NotFoundError(Problem("not_found", column="release", value=str(number), detail=Text(
                f"此门户只发布第 {self.pinned} 版", f"this portal publishes release {self.pinned} only")))
        with self._lock:
            site = self._sites.get(number)
        if site is None:
            site = Site(self.app, self.app.release(number), self.config)
            with self._lock:
                site = self._sites.setdefault(number, site)
        return site

    def page(self, ref: PageRef, number: int | None, base: str, query: str = "") -> tuple[bytes, str]:
        """The bytes of a page and their ETag, rendered once per (release, page, format, base)."""
        site = self.site(number)
        key = (site.number, ref.page, ref.lang, tuple(sorted(ref.params.items())), ref.format, base, query)
        with self._lock:
            hit = self._rendered.get(key)
        if hit is not None:
            return hit
        params = dict(ref.params)
        if ref.page == "search":
            params["q"] = query
        model = site.view(ref.page, ref.lang, **params)
        model = with_links(model, ref, base)
        if ref.format == "html":
            body = render.html(model, base=base)
        elif ref.format == "json":
            body = render.json_twin(model)
        else:
            body = render.csv_twin(model) if ref.page in TABLE_PAGES else None
            if body is None:
                raise NotFoundError(Problem("not_found", value=ref.path(), detail=Text(
                    "此页面没有表格", "this page has no table")))
        etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
        if ref.page != "search" or not query:  # a search per query is not worth keeping
            with self._lock:
                self._rendered[key] = (body, etag)
                while len(self._rendered) > 8192:
                    self._rendered.popitem(last=False)
        return body, etag


def with_links(model: dict, ref: PageRef, base: str) -> dict:
    """The view-model with its own addresses (the page and its twins), for ``<link rel="alternate">``."""
    html_path = ref.path() if ref.format == "html" else PageRef(ref.page, ref.lang, ref.params).path()
    twin = PageRef(ref.page, ref.lang, ref.params, "json").path()
    other = "en" if ref.lang == "zh" else "zh"
    links = {"html": base + html_path, "json": base + twin,
             "other_lang": base + PageRef(ref.page, other, ref.params).path()}
    if ref.page in TABLE_PAGES and model.get("tables"):
        links["csv"] = base + PageRef(ref.page, ref.lang, ref.params, "csv").path()
    return {**model, "self": links}


def error_body(exc: MeiliError) -> dict:
    return {"error": exc.problems[0].kind if exc.problems else "error", "message": {
        "zh": exc.render("zh") if hasattr(exc, "render") else str(exc),
        "en": exc.render("en") if hasattr(exc, "render") else str(exc)}}


def create_app(workspace: str | Path | None = None, *, release: int | None = None,
               app: Meili | None = None, config: PortalConfig | None = None) -> FastAPI:
    """The portal over ``workspace`` (or an existing ``app``): every release, or only ``release`` when given."""
    from meili.app import Meili
    from meili.web.api import api_router

    meili = app or Meili(workspace)
    root = Path(meili.workspace_path) if getattr(meili, "workspace_path", None) else None
    portal = Portal(meili, config or load_config(root), pinned=release)
    api = FastAPI(title="Meili open data API", version="1", openapi_url="/api/openapi.json", docs_url=None,
                  redoc_url=None, description="美丽赣州建设监测评估开放数据接口 / Open data of the Beautiful Ganzhou "
                  "plan's monitoring and evaluation. GET only, no key, CORS open. Every list is paged: "
                  "`limit` (≤ 1000) and `page`; the envelope `meta` says the page, limit, rows found and release.")
    api.state.portal = portal

    @api.middleware("http")
    async def headers(request: Request, call_next):
        response = await call_next(request)
        for k, v in SECURITY_HEADERS.items():
            response.headers.setdefault(k, v)
        if request.url.path.startswith("/api/"):
            response.headers["Access-Control-Allow-Origin"] = "*"
        return response

    @api.exception_handler(MeiliError)
    async def meili_error(request: Request, exc: MeiliError):
        status = 404 if isinstance(exc, NotFoundError) else 422
        if request.url.path.startswith("/api/"):
            return JSONResponse(error_body(exc), status_code=status)
        return _error_page(portal, request, exc, status)

    @api.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError):
        where = "; ".join(f"{'.'.join(str(x) for x in e.get('loc', ()))}: {e.get('msg', '')}" for e in exc.errors())
        return JSONResponse({"error": "invalid_request", "message": {
            "zh": f"请求参数无效：{where}", "en": f"invalid request: {where}"}}, status_code=422)

    api.include_router(api_router(portal))

    @api.get("/api/docs", include_in_schema=False)
    def api_docs():
        # The OpenAPI document as a page of our own: Swagger UI would load its scripts from a CDN.
        body = render.environment().get_template("api_docs.html").render(spec=api.openapi(), lang="zh", base="")
        return Response(body.encode("utf-8"), media_type=MEDIA["html"])

    @api.get("/", include_in_schema=False)
    def root_page():
        return RedirectResponse("/zh/", status_code=307)

    @api.get("/static/{name:path}", include_in_schema=False)
    def static(name: str):
        folder, rest = (FONTS_DIR, name.removeprefix("fonts/")) if name.startswith("fonts/") else (STATIC_DIR, name)
        path = (folder / rest).resolve()
        if not path.is_relative_to(folder.resolve()) or not path.is_file():
            raise NotFoundError(Problem("not_found", value=name, detail=Text("没有这个文件", "no such file")))
        return Response(path.read_bytes(), media_type=_static_type(path.suffix),
                        headers={"Cache-Control": "public, max-age=86400"})

    @api.get("/downloads/meili-release-{number}.zip", include_in_schema=False)
    def download(number: int):
        from meili.web.opendata import release_zip

        body = release_zip(portal.site(number))
        return Response(body, media_type="application/zip", headers={
            "Cache-Control": IMMUTABLE,
            "Content-Disposition": f'attachment; filename="meili-release-{number}.zip"'})

    @api.get("/releases/{number}/{path:path}", include_in_schema=False)
    def versioned(number: int, path: str, request: Request):
        return _page_response(portal, "/" + path, number, request, f"/releases/{number}")

    @api.get("/{path:path}", include_in_schema=False)
    def latest(path: str, request: Request):
        return _page_response(portal, "/" + path, None, request, "")

    return api


def _static_type(suffix: str) -> str:
    return {".css": "text/css; charset=utf-8", ".js": "text/javascript; charset=utf-8", ".woff2": "font/woff2",
            ".svg": "image/svg+xml", ".png": "image/png", ".ico": "image/x-icon",
            ".txt": "text/plain; charset=utf-8"}.get(suffix, "application/octet-stream")


def _page_response(portal: Portal, path: str, number: int | None, request: Request, base: str) -> Response:
    ref = parse(path)
    if ref is None:
        raise NotFoundError(Problem("not_found", value=path, detail=Text("没有这个页面", "no such page")))
    query = request.query_params.get("q", "") if ref.page == "search" else ""
    body, etag = portal.page(ref, number, base, query)
    headers = {"ETag": etag, "Cache-Control": IMMUTABLE if number is not None else LATEST,
               "Vary": "Accept-Encoding"}
    links = [f'<{base}{PageRef(ref.page, ref.lang, ref.params, "json").path()}>; rel="alternate"; '
             'type="application/json"']
    headers["Link"] = ", ".join(links)
    if request.headers.get("if-none-match") == etag:
        return Response(status_code=304, headers=headers)
    return Response(body, media_type=MEDIA[ref.format], headers=headers)


def _error_page(portal: Portal, request: Request, exc: MeiliError, status: int) -> Response:
    lang = "en" if request.url.path.startswith(("/en/", "/releases/")) and "/en/" in request.url.path else "zh"
    message = error_body(exc)["message"][lang]
    body = render.environment().get_template("error.html").render(
        lang=lang, status=status, message=message, base="").encode("utf-8")
    return Response(body, status_code=status, media_type=MEDIA["html"])


def app_from_environment() -> FastAPI:
    """The app for ``meili serve --workers N`` (uvicorn imports it in each worker process)."""
    import os

    release = os.environ.get("MEILI_PORTAL_RELEASE")
    return create_app(os.environ["MEILI_PORTAL_WORKSPACE"], release=int(release) if release else None)
