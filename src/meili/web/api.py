"""The open data API, ``/api/v1/…``: GET only, no key, CORS open, every list paged in one envelope.

Everything is read from a release (the latest unless ``release=`` names one), so an answer never changes for a
given release. Bad input is a 422 and an unknown item a 404, each with a message in Chinese and English; the
OpenAPI document at ``/api/openapi.json`` describes every response, and ``/api/docs`` shows it without a CDN.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Annotated, Any, Generic, TypeVar

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from meili.web.views import not_found

if TYPE_CHECKING:
    from meili.web.server import Portal
    from meili.web.views import Site

T = TypeVar("T")
MAX_LIMIT = 1000


class Meta(BaseModel):
    page: int = Field(description="This page, from 1.")
    limit: int = Field(description="Rows per page (≤ 1000).")
    found: int = Field(description="Rows matching the filters, on all pages.")
    release: int = Field(description="The release the rows come from.")


class Envelope(BaseModel, Generic[T]):
    meta: Meta
    results: list[T]


class Message(BaseModel):
    zh: str
    en: str


class ErrorBody(BaseModel):
    error: str = Field(description="The kind of problem (not_found, invalid_request, …).")
    message: Message


class Plan(BaseModel):
    id: str
    title: str
    title_en: str
    level: str
    region: str
    base_year: int
    milestones: list[int]
    source: str


class Target(BaseModel):
    milestone: int
    text: str
    kind: str
    op: str | None = None
    value: float | None = None
    low: float | None = None
    high: float | None = None


class Measure(BaseModel):
    id: str
    plan: str
    indicator: int
    name: str
    name_en: str | None
    category: str
    unit: str | None
    direction: str
    scope: str | None
    county: bool
    baseline: str
    targets: list[Target]
    computed_by: str | None


class Region(BaseModel):
    code: str
    name: str
    name_en: str | None
    level: str
    parent: str | None


class Observation(BaseModel):
    plan: str
    region: str
    measure: str
    year: int
    value: float | None
    state: str | None
    unit: str | None
    source: str | None
    note: str | None
    provisional: bool | None
    revision: int | None
    imported_at: str | None


class Evaluation(BaseModel):
    plan: str
    region: str
    measure: str
    category: str | None
    year: int
    milestone: int | None
    status: str
    rule: str | None
    target_kind: str | None
    target: str | None
    target_value: float | None
    baseline: float | None
    baseline_year: int | None
    value: float | None
    value_year: int | None
    previous_value: float | None
    progress: float | None
    expected_progress: float | None
    projection: float | None
    assigned_by: str | None
    document: str | None


class Ranking(BaseModel):
    plan: str
    year: int
    method: str
    region: str
    region_name: str | None
    score: float | None
    rank: int | None
    previous_rank: int | None
    rank_change: int | None
    measures: int | None
    missing: int | None
    loo_max_shift: int | None
    stability: str | None


class Result(BaseModel):
    domain: str
    scope: str
    code: str
    name: str | None
    year: int
    month: int | None
    metric: str
    value: float | None
    text: str | None
    unit: str | None
    standard: str | None


class Release(BaseModel):
    number: int
    created_at: str
    note: str | None
    digest: str
    counts: dict[str, int]


Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Rows per page, 1–1000.")]
PageNo = Annotated[int, Query(ge=1, le=1_000_000, description="Page number, from 1.")]
ReleaseNo = Annotated[int | None, Query(ge=1, le=1_000_000, description="Release number; the latest if absent.")]
Year = Annotated[int | None, Query(ge=1900, le=2100)]
ERRORS: dict[int | str, dict[str, Any]] = {404: {"model": ErrorBody, "description": "No such item."},
                                           422: {"model": ErrorBody, "description": "Invalid request."}}


def _plain(row: dict, fields: set[str]) -> dict:
    out = {}
    for k in fields:
        v = row.get(k)
        out[k] = v.isoformat() if isinstance(v, datetime | date) else v
    return out


def page_of(rows: list[dict], model: type[BaseModel], page: int, limit: int, release: int) -> dict:
    fields = set(model.model_fields)
    start = (page - 1) * limit
    return {"meta": {"page": page, "limit": limit, "found": len(rows), "release": release},
            "results": [_plain(r, fields) for r in rows[start:start + limit]]}


def api_router(portal: Portal) -> APIRouter:
    router = APIRouter(prefix="/api/v1", responses=ERRORS)

    def site(release: int | None) -> Site:
        return portal.site(release)

    @router.get("/plans", response_model=Envelope[Plan], summary="Plans / 规划")
    def plans(limit: Limit = 100, page: PageNo = 1, release: ReleaseNo = None):
        s = site(release)
        rows = [p.model_dump(include=set(Plan.model_fields)) for p in [s.plan]]
        return page_of(rows, Plan, page, limit, s.number)

    @router.get("/measures", response_model=Envelope[Measure], summary="Measures of the plan / 测度")
    def measures(category: str | None = None, limit: Limit = 100, page: PageNo = 1, release: ReleaseNo = None):
        s = site(release)
        rows = [_measure(s, m) for m in s.plan.measures if category is None or m.category == category]
        return page_of(rows, Measure, page, limit, s.number)

    @router.get("/measures/{measure_id}", response_model=Measure, summary="One measure / 单个测度")
    def measure(measure_id: str, release: ReleaseNo = None):
        s = site(release)
        m = s.measures.get(measure_id)
        if m is None:
            raise not_found("measure", measure_id)
        return _measure(s, m)

    @router.get("/regions", response_model=Envelope[Region], summary="Regions / 区域")
    def regions(limit: Limit = 100, page: PageNo = 1, release: ReleaseNo = None):
        s = site(release)
        codes = [s.plan.region, *s.counties]
        rows = [s.app.regions.get(c).model_dump() for c in codes]
        return page_of(rows, Region, page, limit, s.number)

    @router.get("/observations", response_model=Envelope[Observation], summary="Observations / 观测值")
    def observations(measure: str | None = None, region: str | None = None, year: Year = None,
                     year_from: Year = None, year_to: Year = None, limit: Limit = 100, page: PageNo = 1,
                     release: ReleaseNo = None):
        s = site(release)
        rows = [r for r in s.observations if (measure is None or r["measure"] == measure)
                and (region is None or r["region"] == region) and (year is None or r["year"] == year)
                and (year_from is None or r["year"] >= year_from) and (year_to is None or r["year"] <= year_to)]
        return page_of(rows, Observation, page, limit, s.number)

    @router.get("/evaluations", response_model=Envelope[Evaluation], summary="Evaluations / 评估结果")
    def evaluations(year: Year = None, region: str | None = None, measure: str | None = None,
                    milestone: Year = None, limit: Limit = 100, page: PageNo = 1, release: ReleaseNo = None):
        s = site(release)
        rows = [r for r in s.evaluations if (year is None or r["year"] == year)
                and (region is None or r["region"] == region) and (measure is None or r["measure"] == measure)
                and (milestone is None or r["milestone"] == milestone)]
        return page_of(rows, Evaluation, page, limit, s.number)

    @router.get("/rankings", response_model=Envelope[Ranking], summary="County rankings / 县（市、区）排名")
    def rankings(year: Year = None, method: str | None = None, limit: Limit = 100, page: PageNo = 1,
                 release: ReleaseNo = None):
        s = site(release)
        rows = [r for r in s.rankings if (year is None or r["year"] == year)
                and (method is None or r["method"] == method)]
        return page_of(rows, Ranking, page, limit, s.number)

    @router.get("/results", response_model=Envelope[Result], summary="Air and water results / 空气与水质结果")
    def results(domain: str | None = None, year: Year = None, scope: str | None = None, code: str | None = None,
                metric: str | None = None, limit: Limit = 100, page: PageNo = 1, release: ReleaseNo = None):
        s = site(release)
        rows = [r for r in s.results if (domain is None or r["domain"] == domain)
                and (year is None or r["year"] == year) and (scope is None or r["scope"] == scope)
                and (code is None or r["code"] == code) and (metric is None or r["metric"] == metric)]
        return page_of(rows, Result, page, limit, s.number)

    @router.get("/releases", response_model=Envelope[Release], summary="Releases / 发布版本")
    def releases(limit: Limit = 100, page: PageNo = 1):
        latest = portal.latest()
        rows = [{"number": i.number, "created_at": i.created_at.isoformat(), "note": i.note, "digest": i.digest,
                 "counts": dict(i.counts)} for i in portal.app.releases() if i.number <= latest
                and (portal.pinned is None or i.number == portal.pinned)]
        return page_of(rows, Release, page, limit, latest)

    return router


def _measure(s: Site, m) -> dict:
    return {"id": m.id, "plan": s.plan.id, "indicator": m.no, "name": m.name, "name_en": m.name_en,
            "category": m.category, "unit": m.unit, "direction": m.direction.value, "scope": m.scope,
            "county": m.county, "baseline": m.baseline_text,
            "targets": [{"milestone": y, "text": t.text, "kind": t.kind.value, "op": t.op, "value": t.value,
                         "low": t.low, "high": t.high} for y, t in sorted(m.targets.items())],
            "computed_by": m.computed_by.computation if m.computed_by else None}


