"""Sign-in, server-side sessions and CSRF for the desk (the web front door of the #18 workflow).

- **Sessions** live in this process's memory (:class:`SessionStore`): the desk runs as one worker (``meili serve
  --desk`` refuses ``--workers``), and a restart signs everyone out. A session id is 256 random bits
  (:func:`secrets.token_urlsafe`), kept only as its SHA-256 (a memory dump does not reveal live ids), sent in the
  cookie ``__Host-meili_session`` (Secure, HttpOnly, SameSite=Strict, Path=/, no Domain). A session ends after 30
  minutes idle or 8 hours in all, and at sign-out.
- **Sign-in** (``/desk/login`` form, ``POST /api/desk/session`` JSON) calls
  :meth:`meili.app.accounts.Accounts.verify_login` — argon2id, lockout, TOTP and the audit row are the app's. The
  session used before sign-in (the anonymous one that carries the login form's CSRF token) is destroyed and a
  **new** id is issued: an id planted before sign-in is never promoted (session fixation). Failed sign-ins are
  limited per source address (:class:`LoginLimiter`: 10 per 5 minutes → 429 with ``Retry-After``), on top of the
  account lockout.
- **CSRF**: every session (anonymous ones too) has its own random token; every POST/PUT/PATCH/DELETE must carry it
  (form field ``csrf_token`` or header ``X-CSRF-Token``), compared in constant time; and a request that carries an
  ``Origin`` (else ``Referer``) header must come from this site's own origin (``Origin: null`` is refused).

For pages: :func:`current_user` (None when not signed in), :func:`csrf_token` (for the forms of
``templates/desk``), the dependencies :func:`require_user` (raises :class:`NotSignedIn`: 401 on the API, a
redirect to the sign-in page elsewhere) and :func:`verify_csrf`.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from collections import OrderedDict, deque
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from urllib.parse import quote, urlsplit

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from meili.errors import MeiliError, Problem, Text

if TYPE_CHECKING:
    from meili.app import Meili
    from meili.app.accounts import Accounts
    from meili.app.policy import User

__all__ = [
    "COOKIE",
    "BadCsrf",
    "Desk",
    "LoginLimiter",
    "NotSignedIn",
    "SessionStore",
    "TooManyAttempts",
    "csrf_token",
    "current_user",
    "desk_of",
    "require_user",
    "router",
    "verify_csrf",
]

COOKIE = "__Host-meili_session"
IDLE_SECONDS = 30 * 60
ABSOLUTE_SECONDS = 8 * 60 * 60
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class NotSignedIn(MeiliError):
    """No session, or an expired one (HTTP 401; pages redirect to the sign-in form)."""

    kind = "not_signed_in"


class BadCsrf(MeiliError):
    """A state-changing request without this session's CSRF token, or from another origin (HTTP 403)."""

    kind = "csrf"


class TooManyAttempts(MeiliError):
    """Too many failed sign-ins from one address (HTTP 429 with ``Retry-After``)."""

    kind = "too_many_attempts"

    def __init__(self, *problems, retry_after: int = 60, **kw):
        self.retry_after = retry_after
        super().__init__(*problems, **kw)


def _digest(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


@dataclass
class Session:
    user: str | None  # None: an anonymous session (it carries the sign-in form's CSRF token)
    csrf: str
    created: float
    seen: float
    source_ip: str | None = None


@dataclass
class SessionStore:
    """Sessions of this process, by the SHA-256 of their id. ``clock``: monotonic seconds (tests move it).
    Anonymous sessions are capped (``max_anonymous``, the oldest dropped first) so that requests for the sign-in
    form cannot fill the memory."""

    idle: float = IDLE_SECONDS
    absolute: float = ABSOLUTE_SECONDS
    max_anonymous: int = 10_000
    clock: object = field(default=time.monotonic, repr=False)
    _sessions: OrderedDict = field(default_factory=OrderedDict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def now(self) -> float:
        return self.clock()  # type: ignore[operator]

    def create(self, user: str | None, source_ip: str | None = None) -> tuple[str, Session]:
        """A new session with a fresh random id (returned once; only its digest is kept) and CSRF token."""
        sid = secrets.token_urlsafe(32)  # 256 bits
        now = self.now()
        s = Session(user, secrets.token_urlsafe(32), now, now, source_ip)
        with self._lock:
            self._sessions[_digest(sid)] = s
            self._prune(now)
        return sid, s

    def get(self, sid: str | None) -> Session | None:
        """The live session of ``sid`` (its idle clock restarted), or None — an expired one is destroyed."""
        if not sid or len(sid) > 128:
            return None
        key, now = _digest(sid), self.now()
        with self._lock:
            s = self._sessions.get(key)
            if s is None:
                return None
            if now - s.seen > self.idle or now - s.created > self.absolute:
                del self._sessions[key]
                return None
            s.seen = now
            self._sessions.move_to_end(key)
            return s

    def destroy(self, sid: str | None) -> None:
        if sid:
            with self._lock:
                self._sessions.pop(_digest(sid), None)

    def destroy_user(self, user: str) -> int:
        """End every session of ``user`` (a disabled account); returns how many."""
        with self._lock:
            keys = [k for k, s in self._sessions.items() if s.user == user]
            for k in keys:
                del self._sessions[k]
        return len(keys)

    def __len__(self) -> int:
        return len(self._sessions)

    def _prune(self, now: float) -> None:
        dead = [k for k, s in self._sessions.items() if now - s.seen > self.idle or now - s.created > self.absolute]
        for k in dead:
            del self._sessions[k]
        anonymous = [k for k, s in self._sessions.items() if s.user is None]
        for k in anonymous[: max(0, len(anonymous) - self.max_anonymous)]:
            del self._sessions[k]


@dataclass
class LoginLimiter:
    """Failed sign-ins per source address in a sliding window: ``limit`` failures within ``window`` seconds →
    :class:`TooManyAttempts` until the oldest one leaves the window. Successes are not counted (twenty units
    signing in from one office address are not held up)."""

    limit: int = 10
    window: float = 5 * 60
    clock: object = field(default=time.monotonic, repr=False)
    _failures: dict = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def check(self, ip: str) -> None:
        now = self.clock()  # type: ignore[operator]
        with self._lock:
            q = self._failures.get(ip)
            if q is None:
                return
            while q and now - q[0] > self.window:
                q.popleft()
            if len(q) >= self.limit:
                wait = max(1, int(self.window - (now - q[0])) + 1)
                raise TooManyAttempts(Problem("too_many_attempts", detail=Text(
                    f"登录失败次数过多，请 {wait} 秒后再试", f"too many failed sign-ins: try again in {wait} s")),
                    retry_after=wait)

    def failed(self, ip: str) -> None:
        with self._lock:
            self._failures.setdefault(ip, deque()).append(self.clock())  # type: ignore[operator]
            if len(self._failures) > 100_000:  # forget the quietest addresses first
                self._failures.pop(next(iter(self._failures)))


@dataclass
class Desk:
    """What the desk's routes share: the app, its accounts, the sessions and the sign-in limiter."""

    app: Meili
    accounts: Accounts
    sessions: SessionStore = field(default_factory=SessionStore)
    limiter: LoginLimiter = field(default_factory=LoginLimiter)


def desk_of(request: Request) -> Desk:
    return request.app.state.desk


def source_ip(request: Request) -> str | None:
    """The client's address as the socket sees it (no proxy header is trusted: the desk listens directly)."""
    return request.client.host if request.client else None


def _session(request: Request) -> tuple[str | None, Session | None]:
    state = request.scope.setdefault("state", {})
    if "meili_session" in state:
        return state["meili_session"]
    sid = request.cookies.get(COOKIE)
    found = desk_of(request).sessions.get(sid)
    state["meili_session"] = (sid if found else None, found)
    return state["meili_session"]


def _set_session(request: Request, sid: str | None, session: Session | None) -> None:
    """Make (sid, session) the request's session; the response carries its cookie (or deletes it)."""
    state = request.scope.setdefault("state", {})
    state["meili_session"] = (sid, session)
    state["meili_cookie"] = sid or ""


def current_user(request: Request) -> User | None:
    """The signed-in user of this request (roles and grants as stored now, so a revoked grant counts at once), or
    None. A disabled account's sessions end."""
    from meili.errors import NotFoundError

    state = request.scope.setdefault("state", {})
    if "meili_user" in state:
        return state["meili_user"]
    _sid, s = _session(request)
    user = None
    if s is not None and s.user is not None:
        desk = desk_of(request)
        try:
            user = desk.accounts.user(s.user)
        except NotFoundError:
            user = None
        if user is None or not user.active:
            desk.sessions.destroy_user(s.user)
            _set_session(request, None, None)
            user = None
    state["meili_user"] = user
    return user


def require_user(request: Request) -> User:
    """Dependency: the signed-in user, else :class:`NotSignedIn` (401 on the API; a redirect on pages)."""
    user = current_user(request)
    if user is None:
        raise NotSignedIn(Problem("not_signed_in", detail=Text("请先登录（或登录已过期）",
                                                               "sign in first (or the session has expired)")))
    return user


def csrf_token(request: Request) -> str:
    """This session's CSRF token, for a form's hidden ``csrf_token`` field. Without a session, an anonymous one is
    started (its cookie goes with the response), so the sign-in form is protected too."""
    sid, s = _session(request)
    if s is None:
        sid, s = desk_of(request).sessions.create(None, source_ip(request))
        _set_session(request, sid, s)
    return s.csrf


def own_origin(request: Request) -> str:
    host = request.headers.get("host") or (request.url.netloc)
    return f"{request.url.scheme}://{host}".lower()


def _origin_ok(request: Request) -> bool:
    origin = request.headers.get("origin")
    if origin is not None:
        return origin.lower().rstrip("/") == own_origin(request)
    referer = request.headers.get("referer")
    if referer:
        parts = urlsplit(referer)
        return f"{parts.scheme}://{parts.netloc}".lower() == own_origin(request)
    return True  # neither header (a script, curl): the token alone decides


async def verify_csrf(request: Request) -> None:
    """Dependency of every state-changing route: this session's token in the header ``X-CSRF-Token`` or the form
    field ``csrf_token``, compared in constant time; and a same-origin ``Origin`` (else ``Referer``), if sent."""
    if request.method not in UNSAFE_METHODS:
        return
    if not _origin_ok(request):
        raise BadCsrf(Problem("csrf", value=request.headers.get("origin") or request.headers.get("referer"),
                              detail=Text("跨站请求被拒绝（来源不是本站）", "cross-site request refused (not this site's origin)")))
    _sid, s = _session(request)
    sent = request.headers.get("x-csrf-token")
    if sent is None:
        value = (await form_fields(request)).get("csrf_token")
        sent = value if isinstance(value, str) else None
    if s is None or not sent or not hmac.compare_digest(sent.encode(), s.csrf.encode()):
        raise BadCsrf(Problem("csrf", detail=Text("缺少或错误的 CSRF 令牌，请刷新页面后重试",
                                                  "missing or wrong CSRF token: reload the page and try again")))


async def form_fields(request: Request) -> dict[str, str]:
    """The fields of a posted form: ``application/x-www-form-urlencoded`` parsed here (first value of each name;
    no extra dependency), ``multipart/form-data`` by Starlette (python-multipart). Empty for anything else."""
    from urllib.parse import parse_qsl

    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind == "application/x-www-form-urlencoded":
        body = await request.body()
        out: dict[str, str] = {}
        for k, v in parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True, max_num_fields=1000):
            out.setdefault(k, v)
        return out
    if kind == "multipart/form-data":
        form = await request.form()
        return {k: v for k, v in form.items() if isinstance(v, str)}
    return {}


def sign_in(request: Request, name: str, password: str, totp: str | None) -> tuple[User, Session]:
    """Check the password (the app's :meth:`Accounts.verify_login`: lockout, TOTP, audit) and start a **new**
    session; the one used before (anonymous, or someone else's) is destroyed."""
    from meili.app.accounts import LoginFailed

    desk, ip = desk_of(request), source_ip(request) or "-"
    desk.limiter.check(ip)
    try:
        user = desk.accounts.verify_login(name, password, totp or None, source_ip=source_ip(request))
    except LoginFailed:
        desk.limiter.failed(ip)
        raise
    old, _ = _session(request)
    desk.sessions.destroy(old or request.cookies.get(COOKIE))
    sid, s = desk.sessions.create(user.name, source_ip(request))
    _set_session(request, sid, s)
    request.scope["state"]["meili_user"] = user
    return user, s


def sign_out(request: Request) -> None:
    sid, _ = _session(request)
    desk_of(request).sessions.destroy(sid or request.cookies.get(COOKIE))
    _set_session(request, None, None)
    request.scope["state"]["meili_user"] = None


def cookie_header(sid: str) -> bytes:
    """The ``Set-Cookie`` value: ``__Host-`` prefix, Secure, HttpOnly, SameSite=Strict, Path=/, no Domain, no
    expiry (ends with the browser; the server ends it sooner)."""
    if not sid:
        return (f"{COOKIE}=; Max-Age=0; Path=/; Secure; HttpOnly; SameSite=Strict").encode()
    return f"{COOKIE}={sid}; Path=/; Secure; HttpOnly; SameSite=Strict".encode()


class DeskMiddleware:
    """On the desk's paths (``/desk``, ``/api/desk``): the session cookie a request set or cleared, ``Cache-Control:
    no-store``, and ``Referrer-Policy: same-origin`` (the portal's ``no-referrer`` would make a browser send
    ``Origin: null`` with a same-site form)."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or not scope["path"].startswith(("/desk", "/api/desk")):
            return await self.app(scope, receive, send)

        async def send_with(message):
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() not in (
                    b"cache-control", b"referrer-policy")]
                headers += [(b"cache-control", b"no-store"), (b"referrer-policy", b"same-origin")]
                cookie = scope.get("state", {}).get("meili_cookie")
                if cookie is not None:
                    headers.append((b"set-cookie", cookie_header(cookie)))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with)


# --- the sign-in page ----------------------------------------------------------------------------------------
def _safe_next(value: str | None, prefix: str = "") -> str:
    """Only a path of this site (never ``//host`` or a scheme): no open redirect."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value or "\n" in value:
        return prefix + "/desk/"
    return value


def _lang(request: Request) -> str:
    return "en" if request.url.path.startswith("/en/") else "zh"


def login_page(request: Request, message: Text | None = None, status: int = 200, name: str = "",
               next_path: str = "/desk/") -> HTMLResponse:
    """The sign-in form (``templates/desk/login.html``) in the language of its path."""
    from meili.web import render

    lang = _lang(request)
    prefix = "/en" if lang == "en" else ""
    path = request.url.path
    body = render.environment().get_template("desk/login.html").render(
        L=lang, P=prefix, t=lambda zh, en: en if lang == "en" else zh, user=None, csrf=csrf_token(request),
        path=path, other_lang=path.removeprefix("/en") if lang == "en" else "/en" + path, message=message,
        name=name, next=_safe_next(next_path, prefix))
    return HTMLResponse(body, status_code=status, headers={"Referrer-Policy": "same-origin"})


def router() -> APIRouter:
    """``GET``/``POST /desk/login`` and ``POST /desk/logout`` (forms)."""
    r = APIRouter(include_in_schema=False)

    @r.get("/desk/login")
    @r.get("/en/desk/login")
    def login_form(request: Request, next: str | None = None):
        return login_page(request, next_path=next)

    @r.post("/desk/login", dependencies=[Depends(verify_csrf)])
    @r.post("/en/desk/login", dependencies=[Depends(verify_csrf)])
    async def login(request: Request):
        from starlette.concurrency import run_in_threadpool

        from meili.app.accounts import LoginFailed

        form = await form_fields(request)
        name, password = str(form.get("name") or "")[:64], str(form.get("password") or "")[:1024]
        prefix = "/en" if _lang(request) == "en" else ""
        totp, nxt = str(form.get("totp") or "")[:16], _safe_next(str(form.get("next") or ""), prefix)
        try:
            await run_in_threadpool(sign_in, request, name, password, totp)
        except TooManyAttempts as e:
            response = login_page(request, _message(e), 429, name, nxt)
            response.headers["Retry-After"] = str(e.retry_after)
            return response
        except LoginFailed as e:
            return login_page(request, _message(e), 401, name, nxt)
        return RedirectResponse(nxt, status_code=303)

    @r.post("/desk/logout", dependencies=[Depends(verify_csrf)])
    def logout(request: Request):
        sign_out(request)
        return RedirectResponse("/desk/login", status_code=303)

    return r


def _message(e: MeiliError) -> Text:
    return Text(e.render("zh"), e.render("en"))


def login_redirect(request: Request) -> Response:
    """Where a page sends someone not signed in: the sign-in form, coming back here afterwards."""
    path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    prefix = "/en" if _lang(request) == "en" else ""
    return RedirectResponse(prefix + "/desk/login?next=" + quote(path, safe="/"), status_code=303)
