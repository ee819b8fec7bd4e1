"""The desk: server-rendered HTML pages of the reporting workflow (#18) — the completeness dashboard, the entry form,
the review page, queries and the periods. Chinese at ``/desk/…``, English at ``/en/desk/…``.

Pages work without JavaScript. Every form POST carries the session's CSRF token (``meili.web.auth.verify_csrf``,
and the token compared here too); every write calls ``app.workflow``, which calls the one policy
(:func:`meili.app.policy.authorize`) — :func:`meili.app.policy.allowed` only decides which buttons a page shows.
Sign-in, sessions and the JSON write API are ``meili.web.auth`` and ``meili.web.desk_api``.

A write that succeeds answers ``303 See Other`` back to its page (so a reload never posts twice); one that fails
answers the page again with the finding beside the cell (422), the conflict message (409) or the refusal (403).
"""

from __future__ import annotations

import email.parser
import email.policy
import hmac
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from meili.app.policy import RULES, Action, Forbidden, Role, User, allowed
from meili.errors import MeiliError, NotFoundError, RequestError
from meili.web import auth

__all__ = ["router"]

CITY_ROLES = frozenset({Role.reviewer, Role.publisher, Role.auditor})
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_UPLOAD = 20 * 1024 * 1024
STATE_TEXT = {
    "draft": ("草稿", "draft"), "submitted": ("已提交", "submitted"), "returned": ("已退回", "returned"),
    "approved": ("已审核通过", "approved"), "open": ("填报中", "open"), "closed": ("已截止", "closed"),
    "finalized": ("已定库", "finalized"), "published": ("已发布", "published"), "planned": ("未开启", "planned"),
    "answered": ("已答复", "answered"),
}


# --- the session ---------------------------------------------------------------------------------------------------
def _user(request: Request) -> User | None:
    return auth.current_user(request)


def _csrf(request: Request) -> str:
    return auth.csrf_token(request)


async def _form(request: Request) -> dict[str, Any]:
    """The POSTed fields (urlencoded or multipart; a file part as ``(filename, bytes)``), read once per request."""
    cached = getattr(request.state, "desk_form", None)
    if cached is not None:
        return cached
    body = await request.body()
    kind = request.headers.get("content-type", "")
    fields: dict[str, Any] = {}
    if kind.startswith("multipart/form-data"):
        if len(body) > MAX_UPLOAD:
            raise RequestError(_problem("upload_too_large", "文件过大（上限 20 MB）", "the file is too large (20 MB at most)"))
        msg = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
            b"Content-Type: " + kind.encode("latin-1") + b"\r\n\r\n" + body)
        for part in msg.iter_parts():
            name = part.get_param("name", header="content-disposition")
            if not name:
                continue
            filename = part.get_filename()
            payload = part.get_payload(decode=True) or b""
            fields[name] = (filename, payload) if filename is not None else payload.decode("utf-8", "replace")
    else:
        for k, v in parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True):
            fields.setdefault(k, v)
    request.state.desk_form = fields
    return fields


async def _check_csrf(request: Request) -> None:
    """The form's ``csrf_token`` must be the session's (also checked by ``auth.verify_csrf`` when it is there)."""
    sent = (await _form(request)).get("csrf_token", "")
    expected = _csrf(request)
    if not expected or not isinstance(sent, str) or not hmac.compare_digest(sent.encode(), expected.encode()):
        raise _CsrfRefused()


class _CsrfRefused(Exception):
    pass


async def _prime_form(request: Request) -> None:
    """Parse the form once, here, and hand its text fields to Starlette's ``request.form()`` (which
    ``auth.verify_csrf`` reads): the pages then need no multipart library."""
    from starlette.datastructures import FormData

    try:
        fields = await _form(request)
    except RequestError:
        fields = {}
    if getattr(request, "_form", None) is None:
        request._form = FormData([(k, v) for k, v in fields.items() if isinstance(v, str)])


def _problem(kind: str, zh: str, en: str):
    from meili.errors import Problem, Text

    return Problem(kind, detail=Text(zh, en))


# --- pages -------------------------------------------------------------------------------------------------------
@dataclass
class Ctx:
    """What every desk page knows: the language, the link prefix, the user and the form token."""

    request: Request
    lang: str
    prefix: str
    user: User | None
    csrf: str

    def t(self, zh: str, en: str) -> str:
        return en if self.lang == "en" else zh

    def url(self, path: str) -> str:
        return self.prefix + path


def _ctx(request: Request) -> Ctx:
    lang = "en" if request.url.path.startswith("/en/") else "zh"
    user = _user(request)
    return Ctx(request, lang, "/en" if lang == "en" else "", user, _csrf(request) if user is not None else "")


class Desk:
    """The desk's page handlers over one portal's workspace."""

    def __init__(self, portal):
        self.portal = portal
        self._plans: dict[int, str] = {}

    @property
    def app(self):
        return self.portal.app

    @property
    def wf(self):
        return self.app.workflow

    # --- rendering ---------------------------------------------------------------------------------------------
    def render(self, c: Ctx, template: str, status: int = 200, **model) -> HTMLResponse:
        from meili.web import render

        env = render.environment()
        body = env.get_template(f"desk/{template}.html").render(
            L=c.lang, P=c.prefix, t=c.t, user=c.user, csrf=c.csrf, state_text=self.state_text(c),
            unit_name=lambda u: self.unit_name(u, c.lang), path=c.request.url.path,
            other_lang=self.other_lang(c), **model)
        # same-origin: a browser then sends this site's Origin with the forms (no-referrer would make it "null")
        return HTMLResponse(body, status_code=status, headers={"Cache-Control": "no-store",
                                                               "Referrer-Policy": "same-origin"})

    @staticmethod
    def other_lang(c: Ctx) -> str:
        path = c.request.url.path
        return path.removeprefix("/en") if c.lang == "en" else "/en" + path

    @staticmethod
    def state_text(c: Ctx) -> Callable[[str | None], str]:
        def text(state: str | None) -> str:
            zh, en = STATE_TEXT.get(state or "draft", (state, state))
            return c.t(zh, en)

        return text

    def unit_name(self, unit: str, lang: str = "zh") -> str:
        from meili.app.units import load_units

        try:
            u = load_units().get(unit)
        except (OSError, MeiliError):
            u = None
        if u is not None:
            return (u.name_en or u.name) if lang == "en" else u.name
        name = self.app.region_name(unit)
        if lang == "en":
            try:
                return self.app.regions.name_en(unit)  # type: ignore[attr-defined]
            except Exception:
                return name
        return name

    def error(self, c: Ctx, status: int, exc: BaseException | str, back: str | None = None) -> HTMLResponse:
        message = exc if isinstance(exc, str) else _message(exc, c.lang)
        return self.render(c, "error", status=status, message=message, back=back or c.url("/desk/"))

    def login_redirect(self, c: Ctx) -> Response:
        return auth.login_redirect(c.request)

    # --- data --------------------------------------------------------------------------------------------------
    def years(self) -> list[dict]:
        table = self.wf.periods()
        if not table.num_rows or "state" not in table.column_names:
            return []
        return sorted(table.to_pylist(), key=lambda p: p["year"], reverse=True)

    def current_year(self, request: Request) -> int | None:
        asked = request.query_params.get("year", "")
        if asked.isdigit():
            return int(asked)
        periods = self.years()
        live = [p for p in periods if p["state"] in ("open", "closed")]
        return (live or periods or [{"year": None}])[0]["year"]

    def snapshot(self, year: int, unit: str) -> dict:
        """Everything a unit's page shows, read on **one** connection (each of the workflow's read methods opens
        its own, which costs more than the queries): the period, the submission, the drafts, the latest check run,
        the queries and last year's current values of the unit's regions."""
        from meili.store import workflow as wf_store

        def rows(con, sql: str, params: list) -> list[dict]:
            cur = con.execute(sql, params)
            cols = [d[0] for d in cur.description]
            return [dict(zip(cols, r, strict=True)) for r in cur.fetchall()]

        with self.app.workspace.store.reading() as con:
            period = wf_store.period(con, year)
            if period is None:
                return {"period": None}
            plan = self.app.plan(period["plan"])
            cells = self.wf.cells(unit, plan.id)
            regions = sorted({r for r, _ in cells})
            checks = rows(con, """SELECT * FROM check_results WHERE year = ? AND unit = ? AND time =
                                  (SELECT max(time) FROM check_results WHERE year = ? AND unit = ?) ORDER BY id""",
                          [year, unit, year, unit])
            last = {(r, m): (st if st is not None else v) for r, m, v, st in con.execute(
                """SELECT region, measure, value, state FROM current_observations
                   WHERE plan = ? AND year = ? AND region IN (SELECT unnest(?::VARCHAR[]))""",
                [plan.id, year - 1, regions]).fetchall()}
            return {"period": period, "plan": plan, "cells": cells, "sub": wf_store.submission(con, year, unit),
                    "values": wf_store.values(con, year, unit), "checks": checks, "last": last,
                    "queries": rows(con, "SELECT * FROM queries WHERE year = ? AND unit = ? ORDER BY id",
                                    [year, unit])}

    def plan_id(self, year: int) -> str:
        """The plan of ``year``'s period (a period's plan never changes: kept once read)."""
        known = self._plans.get(year)
        if known is None:
            known = self._plans[year] = self.wf.plan_of(year).id
        return known

    def cell_rows(self, snap: dict, findings: list[dict] | None = None,
                  posted: dict[tuple[str, str], dict] | None = None) -> list[dict]:
        """The unit's cells with the draft (or what was just posted), last year's value, the target, the ranges and
        the findings on each."""
        year = snap["period"]["year"]
        stored = {(v["region"], v["measure"]): v for v in snap["values"]}
        last = snap["last"]
        findings = snap["checks"] if findings is None else findings
        by_cell: dict[tuple, list[dict]] = {}
        for f in findings:
            by_cell.setdefault((f["region"], f["measure"]), []).append(f)
        rows = []
        for i, (region, m) in enumerate(snap["cells"]):
            key = (region, m.id)
            draft = (posted or {}).get(key) or stored.get(key) or {}
            value = draft.get("state") if draft.get("state") is not None else draft.get("value")
            rng = m.plausible_range
            rows.append({
                "i": i, "region": region, "measure": m, "key": f"{region}|{m.id}",
                "value": _number_text(value), "missing_reason": draft.get("missing_reason") or "",
                "explanation": draft.get("explanation") or "", "note": draft.get("note") or "",
                "last": _number_text(last.get(key)), "target": _target(m, year),
                "hard": _range(rng.hard) if rng is not None else "", "soft": _range(rng.soft) if rng is not None else "",
                "findings": by_cell.get(key, []),
                "asks_explanation": any(f["severity"] == "soft" for f in by_cell.get(key, []))
                or bool(draft.get("explanation")),
            })
        return rows

    # --- / : the dashboard, or a unit's own submissions --------------------------------------------------------
    def home(self, c: Ctx) -> Response:
        if c.user is None:
            return self.login_redirect(c)
        year = self.current_year(c.request)
        periods = self.years()
        period = self.wf.period(year) if year is not None else None
        reads = bool(c.user.roles & RULES[Action.read_submissions].roles)
        table = self.wf.completeness_for(c.user, year).to_pylist() if period is not None and reads else []
        city = bool(c.user.roles & CITY_ROLES)
        totals = {k: sum(r[k] for r in table) for k in ("expected", "entered", "missing_with_reason", "empty",
                                                         "open_queries")}
        counts: dict[str, int] = {}
        for row in table:
            counts[row["state"]] = counts.get(row["state"], 0) + 1
        return self.render(c, "home", year=year, period=period, periods=periods, rows=table, city=city,
                           totals=totals, counts=counts, period_actions=self.period_actions(c.user, period),
                           may_review=Role.reviewer in c.user.roles)

    def period_actions(self, user: User, period: dict | None) -> list[str]:
        if period is None:
            return []
        actions = {"close": Action.close_period, "open": Action.open_period, "finalize": Action.finalize_period,
                   "publish": Action.publish}
        return [name for name, action in actions.items() if allowed(user, action, period_state=period["state"])]

    def export(self, c: Ctx, year: int) -> Response:
        if c.user is None:
            return self.login_redirect(c)
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / f"completeness-{year}.xlsx"
            try:
                self.wf.write_completeness(c.user, year, out)
            except Forbidden as e:
                return self.error(c, 403, e)
            body = out.read_bytes()
        return Response(body, media_type=XLSX, headers={
            "Content-Disposition": f'attachment; filename="meili-completeness-{year}.xlsx"', "Cache-Control": "no-store"})

    # --- /{year}/{unit} : the entry form -----------------------------------------------------------------------
    def may_read(self, user: User, unit: str) -> bool:
        return allowed(user, Action.read_submissions, unit=unit)

    def entry(self, c: Ctx, year: int, unit: str, *, status: int = 200, findings: list[dict] | None = None,
              posted: dict | None = None, message: str | None = None, conflict: bool = False,
              version: int | None = None) -> Response:
        if c.user is None:
            return self.login_redirect(c)
        if not self.may_read(c.user, unit):
            return self.error(c, 403, c.t(f"{c.user.name} 不能查看 {unit} 的报送",
                                          f"{c.user.name} may not read {unit}'s submission"))
        snap = self.snapshot(year, unit)
        period = snap["period"]
        if period is None:
            return self.error(c, 404, c.t(f"没有 {year} 年填报期", f"no reporting period for {year}"))
        sub = snap["sub"]
        kw = {"unit": unit, "submission_state": sub["state"], "period_state": period["state"]}
        done = c.request.query_params.get("done", "")
        return self.render(
            c, "entry", status=status, year=year, unit=unit, period=period, sub=sub,
            version=sub["version"] if version is None else version,
            rows=self.cell_rows(snap, findings, posted), message=message, conflict=conflict, done=done,
            may_save=allowed(c.user, Action.save_values, **kw), may_submit=allowed(c.user, Action.submit, **kw),
            may_withdraw=allowed(c.user, Action.withdraw, **kw),
            may_answer=allowed(c.user, Action.answer_query, **kw),
            queries=snap["queries"], whole=[f for f in (findings if findings is not None else snap["checks"])
                                            if f["region"] is None and f["measure"] is None])

    def posted_entries(self, year: int, unit: str, form: dict) -> tuple[list[dict], dict]:
        """The form's cells as workflow rows (every cell of the unit: an emptied one is cleared)."""
        rows, posted = [], {}
        for region, m in self.wf.cells(unit, self.plan_id(year)):
            key = f"{region}|{m.id}"
            value = str(form.get(f"value:{key}", "")).strip()
            reason = str(form.get(f"missing:{key}", "")).strip()
            explanation = str(form.get(f"explain:{key}", "")).strip()
            row = {"region": region, "measure": m.id, "value": value or None,
                   "missing_reason": None if value else (reason or None), "explanation": explanation or None}
            rows.append(row)
            posted[(region, m.id)] = {"value": value or None, "missing_reason": reason or None,
                                      "explanation": explanation or None}
        return rows, posted

    def entry_refused(self, c: Ctx, year: int, unit: str, e: MeiliError, conflict: tuple[str, str],
                      **kept) -> Response:
        """The entry form again after a refused save, upload or move: 409 with ``conflict`` for a stale version,
        422 with the findings for failed checks or with the message otherwise; a policy refusal is the 403 page."""
        from meili.app.workflow import CheckFailed
        from meili.store.workflow import ConflictError

        if isinstance(e, ConflictError):
            return self.entry(c, year, unit, status=409, conflict=True, message=c.t(*conflict), **kept)
        if isinstance(e, Forbidden):
            return self.error(c, 403, e, back=c.url(f"/desk/{year}/{unit}"))
        findings = {"findings": [f.row() for f in e.findings]} if isinstance(e, CheckFailed) else {}
        return self.entry(c, year, unit, status=422, message=_message(e, c.lang), **findings, **kept)

    def save(self, c: Ctx, year: int, unit: str, form: dict) -> Response:
        if c.user is None:
            return self.login_redirect(c)
        try:
            version = int(str(form.get("version", "")))
        except ValueError:
            return self.error(c, 422, c.t("表单缺少版本号", "the form has no version"))
        rows, posted = self.posted_entries(year, unit, form)
        try:
            self.wf.save_values(c.user, year, unit, rows, expected_version=version, source_ip=_ip(c.request))
        except MeiliError as e:
            return self.entry_refused(c, year, unit, e, (
                "保存未成功：在您打开此表之后，其他人已保存了新的数值。请重新加载本页，核对后再填。",
                "Not saved: someone else saved this form after you opened it. Reload the page, check, and enter "
                "your changes again."), posted=posted, version=version)
        return RedirectResponse(c.url(f"/desk/{year}/{unit}?done=saved"), status_code=303)

    def upload(self, c: Ctx, year: int, unit: str, form: dict) -> Response:
        if c.user is None:
            return self.login_redirect(c)
        file = form.get("template")
        if not isinstance(file, tuple) or not file[1]:
            return self.entry(c, year, unit, status=422, message=c.t("请选择要上传的 Excel 文件",
                                                                     "choose the Excel file to upload"))
        name, data = file
        suffix = Path(name or "").suffix.lower()
        if suffix not in (".xlsx", ".csv"):
            return self.entry(c, year, unit, status=422, message=c.t(
                "只接受 .xlsx（填报模板）或 .csv 文件", "only .xlsx (the reporting template) or .csv files"))
        try:
            version = int(str(form.get("version", "")))
        except ValueError:
            version = None
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / ("upload" + suffix)
            path.write_bytes(data)
            try:
                self.wf.save_template(c.user, year, unit, path, expected_version=version, source_ip=_ip(c.request))
            except MeiliError as e:
                return self.entry_refused(c, year, unit, e, (
                    "上传未保存：在您打开此表之后，其他人已保存了新的数值。请重新加载本页后再上传。",
                    "The upload was not saved: someone else saved after you opened the form. Reload and upload again."))
        return RedirectResponse(c.url(f"/desk/{year}/{unit}?done=uploaded"), status_code=303)

    def move(self, c: Ctx, year: int, unit: str, form: dict) -> Response:
        """Submit or withdraw (the unit lead)."""

        if c.user is None:
            return self.login_redirect(c)
        action = form.get("action")
        try:
            if action == "submit":
                version = str(form.get("version", ""))
                self.wf.submit(c.user, year, unit, expected_version=int(version) if version.isdigit() else None,
                               source_ip=_ip(c.request))
            elif action == "withdraw":
                self.wf.withdraw(c.user, year, unit, source_ip=_ip(c.request))
            else:
                return self.error(c, 422, c.t("未知操作", "unknown action"))
        except MeiliError as e:
            return self.entry_refused(c, year, unit, e, (
                "未提交：在您打开此表之后，其他人已保存了新的数值。请重新加载本页，核对后再提交。",
                "Not submitted: someone else saved after you opened the form. Reload, check, and submit again."))
        return RedirectResponse(c.url(f"/desk/{year}/{unit}?done={action}"), status_code=303)

    def answer(self, c: Ctx, year: int, unit: str, query_id: int, form: dict) -> Response:
        if c.user is None:
            return self.login_redirect(c)
        try:
            self._query_of(year, unit, query_id)
            self.wf.answer_query(c.user, query_id, str(form.get("answer", "")), source_ip=_ip(c.request))
        except Forbidden as e:
            return self.error(c, 403, e, back=c.url(f"/desk/{year}/{unit}"))
        except MeiliError as e:
            return self.entry(c, year, unit, status=422, message=_message(e, c.lang))
        return RedirectResponse(c.url(f"/desk/{year}/{unit}?done=answered#queries"), status_code=303)

    def _query_of(self, year: int, unit: str, query_id: int) -> dict:
        found = [q for q in self.wf.queries(year, unit) if q["id"] == query_id]
        if not found:
            raise NotFoundError(_problem("not_found", f"{unit} 的 {year} 年报送没有质询 #{query_id}",
                                         f"no query #{query_id} on {unit}'s {year} submission"))
        return found[0]

    # --- /{year}/{unit}/review ---------------------------------------------------------------------------------
    def review(self, c: Ctx, year: int, unit: str, *, status: int = 200, message: str | None = None,
               findings: list[dict] | None = None) -> Response:
        if c.user is None:
            return self.login_redirect(c)
        if not c.user.roles & CITY_ROLES or not self.may_read(c.user, unit):
            return self.error(c, 403, c.t("审核页只对市级审核人员开放", "the review page is for the city's reviewers"))
        snap = self.snapshot(year, unit)
        period = snap["period"]
        if period is None:
            return self.error(c, 404, c.t(f"没有 {year} 年填报期", f"no reporting period for {year}"))
        sub = snap["sub"]
        kw = {"unit": unit, "submission_state": sub["state"], "period_state": period["state"]}
        rows = self.cell_rows(snap, findings)
        return self.render(
            c, "review", status=status, year=year, unit=unit, period=period, sub=sub, rows=rows, message=message,
            done=c.request.query_params.get("done", ""), queries=snap["queries"],
            checks=snap["checks"] if findings is None else findings,
            may_approve=allowed(c.user, Action.approve, **kw), may_return=allowed(c.user, Action.return_submission, **kw),
            may_unapprove=allowed(c.user, Action.unapprove, **kw), may_query=allowed(c.user, Action.raise_query, **kw))

    def review_post(self, c: Ctx, year: int, unit: str, form: dict) -> Response:
        from meili.app.workflow import CheckFailed

        if c.user is None:
            return self.login_redirect(c)
        action, ip = form.get("action"), _ip(c.request)
        try:
            if action == "approve":
                self.wf.approve(c.user, year, unit, source_ip=ip)
            elif action == "return":
                self.wf.return_submission(c.user, year, unit, str(form.get("reason", "")), source_ip=ip)
            elif action == "unapprove":
                self.wf.unapprove(c.user, year, unit, str(form.get("reason", "")), source_ip=ip)
            elif action == "query":
                region, _, measure = str(form.get("cell", "")).partition("|")
                self.wf.raise_query(c.user, year, unit, region, measure, str(form.get("question", "")), source_ip=ip)
            elif action == "close_query":
                qid = str(form.get("query", ""))
                if not qid.isdigit():
                    raise RequestError(_problem("invalid_request", "缺少质询编号", "no query named"))
                self._query_of(year, unit, int(qid))
                self.wf.close_query(c.user, int(qid), source_ip=ip)
            else:
                return self.error(c, 422, c.t("未知操作", "unknown action"))
        except CheckFailed as e:
            return self.review(c, year, unit, status=422, message=_message(e, c.lang),
                               findings=[f.row() for f in e.findings])
        except Forbidden as e:
            return self.error(c, 403, e, back=c.url(f"/desk/{year}/{unit}/review"))
        except MeiliError as e:
            return self.review(c, year, unit, status=422, message=_message(e, c.lang))
        return RedirectResponse(c.url(f"/desk/{year}/{unit}/review?done={action}"), status_code=303)

    # --- /periods ------------------------------------------------------------------------------------------------
    def periods(self, c: Ctx, *, status: int = 200, message: str | None = None) -> Response:
        if c.user is None:
            return self.login_redirect(c)
        periods = self.years()
        rows = [dict(p, actions=self.period_actions(c.user, p), releases=self.wf.period_releases(p["year"]))
                for p in periods]
        done = c.request.query_params.get("done", "")
        release = c.request.query_params.get("release", "")
        return self.render(c, "periods", status=status, periods=rows, message=message, done=done,
                           release=int(release) if release.isdigit() else None,
                           may_open=allowed(c.user, Action.open_period, period_state="planned"))

    def period_post(self, c: Ctx, form: dict) -> Response:
        if c.user is None:
            return self.login_redirect(c)
        action, ip = form.get("action"), _ip(c.request)
        year_text = str(form.get("year", "")).strip()
        if not year_text.isdigit():
            return self.periods(c, status=422, message=c.t("请填写年份", "enter a year"))
        year = int(year_text)
        try:
            if action == "open":
                closes = str(form.get("closes", "")).strip()
                self.wf.open_period(c.user, year, closes=date.fromisoformat(closes) if closes else None,
                                    source_ip=ip)
            elif action == "close":
                self.wf.close_period(c.user, year, source_ip=ip)
            elif action == "finalize":
                self.wf.finalize_period(c.user, year, source_ip=ip)
            elif action == "publish":
                info = self.wf.publish_period(c.user, year, note=str(form.get("note", "")).strip() or None,
                                              source_ip=ip)
                return RedirectResponse(c.url(f"/desk/periods?done=publish&release={info.number}"), status_code=303)
            else:
                return self.error(c, 422, c.t("未知操作", "unknown action"))
        except ValueError:
            return self.periods(c, status=422, message=c.t("截止日期格式应为 YYYY-MM-DD", "the deadline is YYYY-MM-DD"))
        except Forbidden as e:
            return self.error(c, 403, e, back=c.url("/desk/periods"))
        except MeiliError as e:
            return self.periods(c, status=422, message=_message(e, c.lang))
        return RedirectResponse(c.url(f"/desk/periods?done={action}"), status_code=303)


def _ip(request: Request) -> str | None:
    return request.client.host if request.client else None


def _message(exc: BaseException, lang: str) -> str:
    render = getattr(exc, "render", None)
    return render(lang) if callable(render) else str(exc)


def _number_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return format(value, "g") if value.is_integer() and abs(value) < 1e15 else repr(value)
    return str(value)


def _range(bound) -> str:
    if not bound:
        return ""
    low, high = bound
    if low is None and high is None:
        return ""
    return f"{'' if low is None else _number_text(float(low))}–{'' if high is None else _number_text(float(high))}"


def _target(m, year: int) -> str:
    texts = getattr(m, "target_texts", None) or {}
    later = sorted(y for y in texts if y >= year)
    return f"{texts[later[0]]}（{later[0]}）" if later else ""


# --- the router ----------------------------------------------------------------------------------------------------
def router(portal) -> APIRouter:
    """The desk's pages over ``portal`` (a :class:`meili.web.server.Portal`), at ``/desk/…`` and ``/en/desk/…``.
    Include it before the portal's catch-all page route."""
    desk = Desk(portal)
    r = APIRouter(include_in_schema=False)
    guards = [Depends(_prime_form), Depends(auth.verify_csrf)]  # the form is read once, then its token checked

    def page(fn):
        async def handler(request: Request, **params):
            c = await run_in_threadpool(_ctx, request)
            return await run_in_threadpool(fn, c, **params)

        return handler

    def action(fn):
        async def handler(request: Request, **params):
            try:
                await _check_csrf(request)
            except _CsrfRefused:
                c = await run_in_threadpool(_ctx, request)
                return desk.render(c, "error", status=403, back=c.url("/desk/"), message=c.t(
                    "表单已过期或来源不明（CSRF 校验失败），未执行。请重新打开页面再提交。",
                    "The form has expired or did not come from this site (CSRF check failed); nothing was done. "
                    "Open the page again and resend."))
            except RequestError as e:
                c = await run_in_threadpool(_ctx, request)
                return desk.error(c, 413, e)
            form = await _form(request)
            c = await run_in_threadpool(_ctx, request)
            return await run_in_threadpool(fn, c, form=form, **params)

        return handler

    def add(path: str, fn, methods: list[str], signature: str, guarded: bool = False):
        import inspect

        params = [inspect.Parameter("request", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=Request)]
        for name in signature.split():
            pname, _, kind = name.partition(":")
            params.append(inspect.Parameter(pname, inspect.Parameter.KEYWORD_ONLY,
                                            annotation=int if kind == "int" else str))
        handler = (action if guarded else page)(fn)
        handler.__signature__ = inspect.Signature(params)  # type: ignore[attr-defined]
        handler.__name__ = fn.__name__ + ("_post" if guarded else "")
        for prefix in ("", "/en"):
            r.add_api_route(prefix + path, handler, methods=methods, response_class=HTMLResponse,
                            dependencies=guards if guarded else [], name=f"desk{prefix.replace('/', '_')}{path}"
                            + ("_post" if guarded else ""))

    add("/desk/", desk.home, ["GET", "HEAD"], "")
    add("/desk/periods", desk.periods, ["GET", "HEAD"], "")
    add("/desk/periods", lambda c, form: desk.period_post(c, form), ["POST"], "", guarded=True)
    add("/desk/{year}/completeness.xlsx", desk.export, ["GET"], "year:int")
    add("/desk/{year}/{unit}", desk.entry, ["GET", "HEAD"], "year:int unit")
    add("/desk/{year}/{unit}", lambda c, form, year, unit: desk.save(c, year, unit, form), ["POST"],
        "year:int unit", guarded=True)
    add("/desk/{year}/{unit}/upload", lambda c, form, year, unit: desk.upload(c, year, unit, form), ["POST"],
        "year:int unit", guarded=True)
    add("/desk/{year}/{unit}/state", lambda c, form, year, unit: desk.move(c, year, unit, form), ["POST"],
        "year:int unit", guarded=True)
    add("/desk/{year}/{unit}/queries/{query_id}", lambda c, form, year, unit, query_id:
        desk.answer(c, year, unit, query_id, form), ["POST"], "year:int unit query_id:int", guarded=True)
    add("/desk/{year}/{unit}/review", desk.review, ["GET", "HEAD"], "year:int unit")
    add("/desk/{year}/{unit}/review", lambda c, form, year, unit: desk.review_post(c, year, unit, form), ["POST"],
        "year:int unit", guarded=True)
    return r
