"""The portal server: FastAPI over a workspace's releases. It reads; it never writes to the workspace.

``/releases/{n}/…`` serves release *n*, immutable and cacheable for a year; unversioned paths are aliases of the
latest release, with an ETag. Pages are rendered once per release and path and kept in memory (a release never
changes), so a request after the first costs a dictionary look-up.
"""

from __future__ import annotations

import gzip
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
from starlette.concurrency import run_in_threadpool

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
        self._gzipped: dict[tuple, bytes] = {}  # compressed once, sent to clients that accept gzip
        self.static: dict[str, tuple[bytes, str]] = {}  # path → (bytes, media type), filled on first request
        self.api_answers: OrderedDict[tuple, tuple] = OrderedDict()  # (release, path, query) → response

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

    def fresh_latest(self) -> int | None:
        """The latest release number if known without asking the store, else None."""
        if self.pinned is not None:
            return self.pinned
        if self._latest is not None and time.monotonic() - self._latest[0] <= self.config.release_check_seconds:
            return self._latest[1]
        return None

    def cached(self, ref: PageRef, number: int | None, base: str, query: str = "") -> tuple[bytes, str] | None:
        """The rendered page if it is at hand without asking the store (else None: call :meth:`page`)."""
        number = self.fresh_latest() if number is None else number
        return None if number is None else self._rendered.get(self._key(number, ref, base, query))

    def keep_api(self, key: tuple, answer: tuple) -> None:
        with self._lock:
            self.api_answers[key] = answer
            while len(self.api_answers) > 4096:
                self.api_answers.popitem(last=False)

    @staticmethod
    def _key(number: int, ref: PageRef, base: str, query: str) -> tuple:
        return (number, ref.page, ref.lang, tuple(sorted(ref.params.items())), ref.format, base, query)

    def page(self, ref: PageRef, number: int | None, base: str, query: str = "") -> tuple[bytes, str]:
        """The bytes of a page and their ETag, rendered once per (release, page, format, base)."""
        site = self.site(number)
        key = self._key(site.number, ref, base, query)
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
            gz = gzip.compress(body, compresslevel=6, mtime=0)
            with self._lock:
                self._rendered[key] = (body, etag)
                if len(gz) < len(body) * 0.9:
                    self._gzipped[key] = gz
                while len(self._rendered) > 8192:
                    old, _ = self._rendered.popitem(last=False)
                    self._gzipped.pop(old, None)
        return body, etag

    def gzipped(self, ref: PageRef, number: int, base: str) -> bytes | None:
        """The gzip-compressed bytes of a kept page, if compressing was worth it."""
        return self._gzipped.get(self._key(number, ref, base, ""))


class SecurityHeaders:
    """Security headers on every response, and CORS on the API — a plain ASGI middleware (Starlette's
    ``BaseHTTPMiddleware`` costs a task and a queue per request)."""

    _headers: tuple[tuple[bytes, bytes], ...] = tuple((k.lower().encode(), v.encode())
                                                       for k, v in SECURITY_HEADERS.items())

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        api = scope["path"].startswith("/api/") and not scope["path"].startswith("/api/desk")  # the desk: no CORS

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                present = {k.lower() for k, _ in message.get("headers", [])}
                extra = [(k, v) for k, v in self._headers if k not in present]
                if api:
                    extra.append((b"access-control-allow-origin", b"*"))
                message["headers"] = list(message.get("headers", [])) + extra
            await send(message)

        await self.app(scope, receive, send_with_headers)


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


def error_status(exc: MeiliError) -> int:
    """The HTTP status of an app error: 401 not signed in or a failed sign-in, 403 the policy or CSRF, 404, 409 a
    stale version or a state that does not allow the change, 422 invalid input or failed checks, 429, 503 busy."""
    kind = exc.kind
    if isinstance(exc, NotFoundError):
        return 404
    return {"not_signed_in": 401, "login_failed": 401, "forbidden": 403, "csrf": 403, "version_conflict": 409,
            "locked": 409, "too_many_attempts": 429, "store_busy": 503}.get(kind, 422)


def create_app(workspace: str | Path | None = None, *, release: int | None = None,
               app: Meili | None = None, config: PortalConfig | None = None, desk: bool = False) -> FastAPI:
    """The portal over ``workspace`` (or an existing ``app``): every release, or only ``release`` when given.

    ``desk``: also the reporting desk (#18) — sign-in (``/desk/login``, ``/desk/logout``), its pages (``/desk/…``)
    and the JSON write API (``/api/desk/…``, documented at ``/api/desk/openapi.json``). Without it the server only
    reads."""
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

    api.add_middleware(CachedPages, portal=portal)
    api.add_middleware(SecurityHeaders)  # added last: the outermost, so the fast path's answers get the headers too

    @api.exception_handler(MeiliError)
    async def meili_error(request: Request, exc: MeiliError):
        status = error_status(exc)
        if status == 401 and desk and not request.url.path.startswith("/api/"):
            from meili.web.auth import login_redirect

            return login_redirect(request)
        if request.url.path.startswith("/api/"):
            headers = {"Retry-After": str(getattr(exc, "retry_after", 60))} if status == 429 else None
            body = error_body(exc)
            if getattr(exc, "findings", None) is not None and request.url.path.startswith("/api/desk/"):
                from meili.web.desk_api import finding_out

                body["findings"] = [finding_out(f) for f in exc.findings]
            return JSONResponse(body, status_code=status, headers=headers)
        return _error_page(portal, request, exc, status)

    @api.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError):
        where = "; ".join(f"{'.'.join(str(x) for x in e.get('loc', ()))}: {e.get('msg', '')}" for e in exc.errors())
        return JSONResponse({"error": "invalid_request", "message": {
            "zh": f"请求参数无效：{where}", "en": f"invalid request: {where}"}}, status_code=422)

    api.include_router(api_router(portal))
    if desk:
        _mount_desk(api, portal, meili)

    @api.get("/api/docs", include_in_schema=False)
    def api_docs():
        # The OpenAPI document as a page of our own: Swagger UI would load its scripts from a CDN.
        body = render.environment().get_template("api_docs.html").render(spec=api.openapi(), lang="zh", base="")
        return Response(body.encode("utf-8"), media_type=MEDIA["html"])

    @api.api_route("/", methods=["GET", "HEAD"], include_in_schema=False)
    def root_page():
        return RedirectResponse("/zh/", status_code=307)

    @api.api_route("/static/{name:path}", methods=["GET", "HEAD"], include_in_schema=False)
    def static(name: str):
        folder, rest = (FONTS_DIR, name.removeprefix("fonts/")) if name.startswith("fonts/") else (STATIC_DIR, name)
        path = (folder / rest).resolve()
        if not path.is_relative_to(folder.resolve()) or not path.is_file():
            raise NotFoundError(Problem("not_found", value=name, detail=Text("没有这个文件", "no such file")))
        body, media = path.read_bytes(), _static_type(path.suffix)
        portal.static[f"/static/{name}"] = (body, media)  # later requests take the fast path
        return Response(body, media_type=media, headers={"Cache-Control": "public, max-age=86400"})

    @api.api_route("/downloads/meili-release-{number}.zip", methods=["GET", "HEAD"], include_in_schema=False)
    def download(number: int):
        from meili.web.opendata import release_zip

        body = release_zip(portal.site(number))
        return Response(body, media_type="application/zip", headers={
            "Cache-Control": IMMUTABLE,
            "Content-Disposition": f'attachment; filename="meili-release-{number}.zip"'})

    @api.api_route("/releases/{number}/{path:path}", methods=["GET", "HEAD"], include_in_schema=False)
    async def versioned(number: int, path: str, request: Request):
        return await _page_response(portal, "/" + path, number, request, f"/releases/{number}")

    @api.api_route("/{path:path}", methods=["GET", "HEAD"], include_in_schema=False)
    async def latest(path: str, request: Request):
        return await _page_response(portal, "/" + path, None, request, "")

    return api


def _mount_desk(api: FastAPI, portal: Portal, meili: Meili) -> None:
    """Sign-in, the desk's pages and its JSON API, before the portal's catch-all route."""
    from meili.app.accounts import Accounts
    from meili.web import auth, desk_api, desk_pages

    api.state.desk = auth.Desk(meili, Accounts(meili.workspace))

    from fastapi.exception_handlers import http_exception_handler
    from starlette.exceptions import HTTPException

    @api.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException):
        if not request.url.path.startswith("/api/desk"):
            return await http_exception_handler(request, exc)
        if exc.status_code == 400:  # a body that is not JSON: invalid input like any other
            return JSONResponse({"error": "invalid_request", "message": {
                "zh": "请求体无法解析（应为 JSON）", "en": "the request body could not be parsed (JSON expected)"}},
                status_code=422)
        words = {405: ("不支持该请求方法", "method not allowed"), 404: ("没有这个接口", "no such operation")}
        zh, en = words.get(exc.status_code, ("请求无效", str(exc.detail)))
        headers = dict(getattr(exc, "headers", None) or {})
        if exc.status_code == 405:  # every method of the path (Starlette names only the first route's)
            methods = {m for route in api.router.routes if getattr(route, "path", "").startswith("/api/desk")
                       and route.path_regex.match(request.url.path) for m in (route.methods or ())}
            headers["Allow"] = ", ".join(sorted(methods))
        return JSONResponse({"error": "method_not_allowed" if exc.status_code == 405 else "http_error",
                             "message": {"zh": zh, "en": en}}, status_code=exc.status_code, headers=headers)
    api.add_middleware(auth.DeskMiddleware)
    api.include_router(auth.router())
    desk_routes = desk_api.router()
    api.include_router(desk_routes, include_in_schema=False)  # documented apart: /api/desk/openapi.json
    api.include_router(desk_pages.router(portal))
    document: dict = {}

    @api.get("/api/desk/openapi.json", include_in_schema=False)
    def desk_openapi():
        if not document:
            document.update(desk_api.openapi_document(desk_routes.routes))
        return JSONResponse(document)


def _static_type(suffix: str) -> str:
    return {".css": "text/css; charset=utf-8", ".js": "text/javascript; charset=utf-8", ".woff2": "font/woff2",
            ".svg": "image/svg+xml", ".png": "image/png", ".ico": "image/x-icon",
            ".txt": "text/plain; charset=utf-8"}.get(suffix, "application/octet-stream")


async def _page_response(portal: Portal, path: str, number: int | None, request: Request, base: str) -> Response:
    ref = parse(path)
    if ref is None:
        raise NotFoundError(Problem("not_found", value=path, detail=Text("没有这个页面", "no such page")))
    query = request.query_params.get("q", "") if ref.page == "search" else ""
    # A page already rendered is answered on the event loop; rendering (and asking the store for the latest
    # release) runs in the thread pool, so a slow page never holds up the cached ones.
    hit = portal.cached(ref, number, base, query)
    body, etag = hit if hit is not None else await run_in_threadpool(portal.page, ref, number, base, query)
    headers = page_headers(ref, number, base, etag)
    if request.headers.get("if-none-match") == etag:
        return Response(status_code=304, headers=headers)
    return Response(body, media_type=MEDIA[ref.format], headers=headers)


def page_headers(ref: PageRef, number: int | None, base: str, etag: str) -> dict[str, str]:
    twin = PageRef(ref.page, ref.lang, ref.params, "json").path()
    return {"ETag": etag, "Cache-Control": IMMUTABLE if number is not None else LATEST, "Vary": "Accept-Encoding",
            "Link": f'<{base}{twin}>; rel="alternate"; type="application/json"'}


class CachedPages:
    """The fast path: a page already rendered, or a static file, is answered before FastAPI's routing (which costs
    more than the answer). Anything else — first renders, the API, errors — goes on to the app."""

    def __init__(self, app, portal: Portal):
        self.app, self.portal = app, portal

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http" and scope["method"] in ("GET", "HEAD"):
            answer = self.lookup(scope)
            if answer is not None:
                status, headers, body = answer
                await send({"type": "http.response.start", "status": status, "headers": headers})
                await send({"type": "http.response.body", "body": b"" if scope["method"] == "HEAD" else body})
                return
            key = self.api_key(scope)
            if key is not None:  # an API answer of a release never changes: keep it once made
                return await self.app(scope, receive, self.keeper(key, send))
        await self.app(scope, receive, send)

    def api_key(self, scope) -> tuple | None:
        if not scope["path"].startswith("/api/v1/") or scope["method"] != "GET":
            return None
        latest = self.portal.fresh_latest()
        return None if latest is None else (latest, scope["path"], scope.get("query_string", b""))

    def keeper(self, key: tuple, send):
        parts: list = []

        async def keep(message):
            parts.append(message)
            if message["type"] == "http.response.body" and not message.get("more_body"):
                start = parts[0]
                if start["status"] == 200:
                    body = b"".join(m.get("body", b"") for m in parts[1:])
                    self.portal.keep_api(key, (200, list(start["headers"]), body))
            await send(message)

        return keep

    def lookup(self, scope) -> tuple[int, list[tuple[bytes, bytes]], bytes] | None:
        path: str = scope["path"]
        if path.startswith("/static/"):
            hit = self.portal.static.get(path)
            if hit is None:
                return None
            body, media = hit
            return 200, [(b"content-type", media.encode()), (b"cache-control", b"public, max-age=86400"),
                         (b"content-length", str(len(body)).encode())], body
        if path.startswith("/api/v1/"):
            key = self.api_key(scope)
            return None if key is None else self.portal.api_answers.get(key)
        number, base = None, ""
        if path.startswith("/releases/"):
            head, _, rest = path[len("/releases/"):].partition("/")
            if not head.isdigit():
                return None
            number, base, path = int(head), f"/releases/{head}", "/" + rest
        ref = parse(path)
        if ref is None or (ref.page == "search" and scope.get("query_string")):
            return None
        hit = self.portal.cached(ref, number, base)
        if hit is None:
            return None
        body, etag = hit
        request = dict(scope["headers"])
        gz = None
        if b"gzip" in request.get(b"accept-encoding", b""):
            gz = self.portal.gzipped(ref, number if number is not None else self.portal.fresh_latest(), base)
        if gz is not None:
            body, etag = gz, etag[:-1] + '-gz"'  # another representation, another entity tag
        headers = [(k.lower().encode(), v.encode()) for k, v in page_headers(ref, number, base, etag).items()]
        if request.get(b"if-none-match", b"").decode("latin-1") == etag:
            return 304, headers, b""
        headers += [(b"content-type", MEDIA[ref.format].encode()), (b"content-length", str(len(body)).encode())]
        if gz is not None:
            headers.append((b"content-encoding", b"gzip"))
        return 200, headers, body


def _error_page(portal: Portal, request: Request, exc: MeiliError, status: int) -> Response:
    path = request.url.path
    lang = "en" if path.startswith("/en/") or (path.startswith("/releases/") and "/en/" in path) else "zh"
    message = error_body(exc)["message"][lang]
    body = render.environment().get_template("error.html").render(
        lang=lang, status=status, message=message, base="").encode("utf-8")
    return Response(body, status_code=status, media_type=MEDIA["html"])


def app_from_environment() -> FastAPI:
    """The app for ``meili serve --workers N`` (uvicorn imports it in each worker process)."""
    import os

    release = os.environ.get("MEILI_PORTAL_RELEASE")
    return create_app(os.environ["MEILI_PORTAL_WORKSPACE"], release=int(release) if release else None)
