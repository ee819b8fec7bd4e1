"""The desk's JSON API (``/api/desk/…``): sign-in and the workflow's writes, calling ``app.workflow`` — the same
functions, and so the same :func:`meili.app.policy.authorize`, as ``meili periods`` and ``meili submissions``.

Every write needs a session (401 without) and its CSRF token in ``X-CSRF-Token`` (403 without). Refusals are JSON
``{"error": kind, "message": {"zh", "en"}}``: 401 not signed in or a failed sign-in, 403 the policy (or CSRF), 404
no such period, unit or query, 409 a stale ``expected_version`` or a state that does not allow the change, 422
invalid input or failed checks (with ``findings``), 429 too many failed sign-ins. The source address goes to the
audit log. The OpenAPI document is ``/api/desk/openapi.json`` (apart from the open data API's).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request
from pydantic import BaseModel, ConfigDict, Field

from meili.app.policy import User
from meili.web.auth import (
    csrf_token,
    current_user,
    desk_of,
    require_user,
    sign_in,
    sign_out,
    source_ip,
    verify_csrf,
)

__all__ = ["ERROR_RESPONSES", "router"]

Year = Annotated[int, Path(ge=1900, le=2100, description="填报年度 / reporting year")]
Unit = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$",
                           description="报送单位代码 / unit code (units.yaml), e.g. 360722 or dept-forestry")]
QueryId = Annotated[int, Path(ge=1, le=2**53, description="质询编号 / query id")]
UserDep = Annotated[User, Depends(require_user)]


class Message(BaseModel):
    zh: str
    en: str


class Finding(BaseModel):
    rule: str
    severity: str
    region: str
    measure: str
    value: Any = None
    detail: Message
    explanation: str | None = None
    accepted: bool | None = None
    blocking: bool


class ErrorBody(BaseModel):
    """Every refusal: a kind and a message in Chinese and English (failed checks add their findings)."""

    error: str
    message: Message
    findings: list[Finding] | None = None


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorBody, "description": "未登录 / not signed in"},
    403: {"model": ErrorBody, "description": "无权限或 CSRF / forbidden by the policy, or CSRF"},
    404: {"model": ErrorBody, "description": "不存在 / no such period, unit or query"},
    409: {"model": ErrorBody, "description": "版本冲突或状态不允许 / stale version, or the state does not allow it"},
    422: {"model": ErrorBody, "description": "输入无效或未通过审核规则 / invalid input, or checks failed"},
    503: {"model": ErrorBody, "description": "数据库忙 / the store is busy"},
}


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class LoginRequest(Strict):
    name: Annotated[str, Field(min_length=1, max_length=64)]
    password: Annotated[str, Field(min_length=1, max_length=1024)]
    totp: Annotated[str | None, Field(max_length=16)] = None


class SessionInfo(BaseModel):
    signed_in: bool
    user: str | None = None
    roles: list[str] = []
    units: list[str] = []
    csrf_token: str


class EntryIn(Strict):
    region: Annotated[str, Field(min_length=1, max_length=64)]
    measure: Annotated[str, Field(min_length=1, max_length=32)]
    value: float | Annotated[str, Field(max_length=200)] | None = None
    missing_reason: Annotated[str | None, Field(max_length=2000)] = None
    explanation: Annotated[str | None, Field(max_length=2000)] = None
    note: Annotated[str | None, Field(max_length=2000)] = None


class SaveRequest(Strict):
    expected_version: Annotated[int, Field(ge=0, le=2**31, description="表单载入时的版本 / the version loaded")]
    rows: Annotated[list[EntryIn], Field(max_length=2000)]


class SaveResponse(BaseModel):
    version: int
    findings: list[Finding]


class SubmitRequest(Strict):
    expected_version: Annotated[int | None, Field(ge=0, le=2**31)] = None


class ReasonRequest(Strict):
    reason: Annotated[str, Field(min_length=1, max_length=2000)]


class QueryRequest(Strict):
    region: Annotated[str, Field(min_length=1, max_length=64)]
    measure: Annotated[str, Field(min_length=1, max_length=32)]
    question: Annotated[str, Field(min_length=1, max_length=2000)]


class AnswerRequest(Strict):
    answer: Annotated[str, Field(min_length=1, max_length=2000)]


class OpenRequest(Strict):
    opens: date | None = None
    closes: date | None = None


class PublishRequest(Strict):
    note: Annotated[str | None, Field(max_length=2000)] = None


class Period(BaseModel):
    model_config = ConfigDict(extra="allow")
    year: int
    plan: str | None = None
    state: str
    opens: date | None = None
    closes: date | None = None
    release: int | None = None
    revision: int | None = None


class Release(BaseModel):
    number: int


class Submission(BaseModel):
    model_config = ConfigDict(extra="allow")
    year: int | None = None
    unit: str | None = None
    state: str
    version: int


class SubmissionDetail(BaseModel):
    submission: Submission
    values: list[dict[str, Any]]
    queries: list[dict[str, Any]]


class Query(BaseModel):
    model_config = ConfigDict(extra="allow")
    id: int
    year: int
    unit: str
    region: str
    measure: str
    state: str
    question: str


class CompletenessRow(BaseModel):
    unit: str
    unit_name: str | None = None
    state: str
    version: int
    expected: int
    entered: int
    missing_with_reason: int
    empty: int
    open_queries: int
    submitted_by: str | None = None
    approved_by: str | None = None
    closes: date | None = None
    days_left: int | None = None


def finding_out(f) -> dict:
    return {"rule": f.rule, "severity": f.severity, "region": f.region, "measure": f.measure,
            "value": _plain(f.value), "detail": {"zh": f.detail.zh, "en": f.detail.en},
            "explanation": getattr(f, "explanation", None), "accepted": getattr(f, "accepted", None),
            "blocking": bool(f.blocking)}


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def _session_info(request: Request) -> dict:
    user = current_user(request)
    return {"signed_in": user is not None, "user": user.name if user else None,
            "roles": sorted(str(r) for r in user.roles) if user else [],
            "units": sorted(user.units) if user else [], "csrf_token": csrf_token(request)}


def router() -> APIRouter:
    """The desk API's routes (mounted by :func:`meili.web.server.create_app` with ``desk=True``)."""
    r = APIRouter(prefix="/api/desk", responses=ERROR_RESPONSES)
    csrf = [Depends(verify_csrf)]

    def wf(request: Request):
        return desk_of(request).app.workflow

    # --- session -------------------------------------------------------------------------------------------
    @r.get("/session", response_model=SessionInfo, tags=["session"],
           summary="当前会话与 CSRF 令牌 / the current session and its CSRF token")
    def session(request: Request):
        return _session_info(request)

    @r.post("/session", response_model=SessionInfo, tags=["session"], dependencies=csrf,
            responses={429: {"model": ErrorBody, "description": "登录失败过多 / too many failed sign-ins"}},
            summary="登录 / sign in (a new session id; the token of GET /session in X-CSRF-Token)")
    def login(body: LoginRequest, request: Request):
        sign_in(request, body.name, body.password, body.totp)
        return _session_info(request)

    @r.delete("/session", response_model=SessionInfo, tags=["session"], dependencies=csrf,
              summary="退出 / sign out")
    def logout(request: Request):
        sign_out(request)
        return _session_info(request)

    # --- periods -------------------------------------------------------------------------------------------
    @r.get("/periods", response_model=list[Period], tags=["periods"], summary="填报期 / reporting periods")
    def periods(request: Request, user: UserDep):
        return [_plain(p) for p in wf(request).periods().to_pylist()]

    @r.post("/periods/{year}/open", response_model=Period, tags=["periods"], dependencies=csrf,
            summary="开启（或重新开启）填报期 / open a period (or a closed one again)")
    def open_period(year: Year, request: Request, user: UserDep, body: OpenRequest | None = None):
        body = body or OpenRequest()
        return _plain(wf(request).open_period(user, year, opens=body.opens, closes=body.closes,
                                              source_ip=source_ip(request)))

    @r.post("/periods/{year}/close", response_model=Period, tags=["periods"], dependencies=csrf,
            summary="关闭填报 / close entry (review goes on)")
    def close_period(year: Year, request: Request, user: UserDep):
        return _plain(wf(request).close_period(user, year, source_ip=source_ip(request)))

    @r.post("/periods/{year}/finalize", response_model=Period, tags=["periods"], dependencies=csrf,
            summary="定库 / finalize")
    def finalize_period(year: Year, request: Request, user: UserDep):
        return _plain(wf(request).finalize_period(user, year, source_ip=source_ip(request)))

    @r.post("/periods/{year}/publish", response_model=Release, tags=["periods"], dependencies=csrf,
            summary="发布（下一版）/ publish a finalized period (the next release)")
    def publish_period(year: Year, request: Request, user: UserDep, body: PublishRequest | None = None):
        info = wf(request).publish_period(user, year, note=(body.note if body else None),
                                          source_ip=source_ip(request))
        return {"number": info.number}

    @r.post("/periods/{year}/revise", response_model=Period, tags=["periods"], dependencies=csrf,
            summary="修订已发布的填报期 / revise a published period (revision + 1)")
    def revise_period(year: Year, body: ReasonRequest, request: Request, user: UserDep):
        return _plain(wf(request).revise_period(user, year, body.reason, source_ip=source_ip(request)))

    @r.get("/periods/{year}/completeness", response_model=list[CompletenessRow], tags=["periods"],
           summary="报送进度 / completeness per unit (reporters and unit leads see their own units)")
    def completeness(year: Year, request: Request, user: UserDep):
        return [_plain(row) for row in wf(request).completeness_for(user, year).to_pylist()]

    # --- submissions ---------------------------------------------------------------------------------------
    @r.get("/submissions/{year}/{unit}", response_model=SubmissionDetail, tags=["submissions"],
           summary="报送状态、草稿数值与质询 / a submission's state, draft values and queries")
    def submission(year: Year, unit: Unit, request: Request, user: UserDep):
        detail = wf(request).submission_detail(user, year, unit, source_ip=source_ip(request))
        return {k: _plain(detail[k]) for k in ("submission", "values", "queries")}

    @r.put("/submissions/{year}/{unit}/values", response_model=SaveResponse, tags=["submissions"],
           dependencies=csrf, summary="保存草稿数值 / save draft values (409 on a stale expected_version)")
    def save_values(year: Year, unit: Unit, body: SaveRequest, request: Request, user: UserDep):
        rows = [row.model_dump() for row in body.rows]
        result = wf(request).save_values(user, year, unit, rows, body.expected_version,
                                         source_ip=source_ip(request))
        return {"version": result.version, "findings": [finding_out(f) for f in result.findings]}

    @r.post("/submissions/{year}/{unit}/submit", response_model=Submission, tags=["submissions"],
            dependencies=csrf, summary="提交（单位负责人签字）/ submit (the unit lead signs off)")
    def submit(year: Year, unit: Unit, request: Request, user: UserDep, body: SubmitRequest | None = None):
        return _plain(wf(request).submit(user, year, unit, expected_version=body.expected_version if body else None,
                                         source_ip=source_ip(request)))

    @r.post("/submissions/{year}/{unit}/withdraw", response_model=Submission, tags=["submissions"],
            dependencies=csrf, summary="撤回 / withdraw before review")
    def withdraw(year: Year, unit: Unit, request: Request, user: UserDep):
        return _plain(wf(request).withdraw(user, year, unit, source_ip=source_ip(request)))

    @r.post("/submissions/{year}/{unit}/approve", response_model=Submission, tags=["submissions"],
            dependencies=csrf, summary="审核通过 / approve")
    def approve(year: Year, unit: Unit, request: Request, user: UserDep):
        w = wf(request)
        w.approve(user, year, unit, source_ip=source_ip(request))
        return _plain(w.submission(year, unit))

    @r.post("/submissions/{year}/{unit}/return", response_model=Submission, tags=["submissions"],
            dependencies=csrf, summary="退回（写明原因）/ return with a reason")
    def return_submission(year: Year, unit: Unit, body: ReasonRequest, request: Request, user: UserDep):
        return _plain(wf(request).return_submission(user, year, unit, body.reason, source_ip=source_ip(request)))

    @r.post("/submissions/{year}/{unit}/unapprove", response_model=Submission, tags=["submissions"],
            dependencies=csrf, summary="撤销审核通过（定库前）/ unapprove (before 定库)")
    def unapprove(year: Year, unit: Unit, body: ReasonRequest, request: Request, user: UserDep):
        return _plain(wf(request).unapprove(user, year, unit, body.reason, source_ip=source_ip(request)))

    # --- queries -------------------------------------------------------------------------------------------
    @r.post("/submissions/{year}/{unit}/queries", response_model=Query, tags=["queries"], dependencies=csrf,
            status_code=201, summary="提出质询 / raise a query on a cell")
    def raise_query(year: Year, unit: Unit, body: QueryRequest, request: Request, user: UserDep):
        return _plain(wf(request).raise_query(user, year, unit, body.region, body.measure, body.question,
                                              source_ip=source_ip(request)))

    @r.post("/queries/{query_id}/answer", response_model=Query, tags=["queries"], dependencies=csrf,
            summary="答复质询 / answer a query")
    def answer_query(query_id: QueryId, body: AnswerRequest, request: Request, user: UserDep):
        return _plain(wf(request).answer_query(user, query_id, body.answer, source_ip=source_ip(request)))

    @r.post("/queries/{query_id}/close", response_model=Query, tags=["queries"], dependencies=csrf,
            summary="关闭质询 / close a query")
    def close_query(query_id: QueryId, request: Request, user: UserDep):
        return _plain(wf(request).close_query(user, query_id, source_ip=source_ip(request)))

    return r


def openapi_document(routes, version: str = "1") -> dict:
    from fastapi.openapi.utils import get_openapi

    doc = get_openapi(title="Meili desk API", version=version, routes=routes, description=(
        "报送、审核与发布的写接口 / The write API of the reporting workflow (#18). Sign in: GET /api/desk/session "
        "(a CSRF token), then POST /api/desk/session with it in X-CSRF-Token; every later write carries the "
        "session cookie `__Host-meili_session` and the new token. Same rules as the CLI: one authorize()."))
    doc.setdefault("components", {})["securitySchemes"] = {
        "session": {"type": "apiKey", "in": "cookie", "name": "__Host-meili_session"},
        "csrf": {"type": "apiKey", "in": "header", "name": "X-CSRF-Token"}}
    return doc

