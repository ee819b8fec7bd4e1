"""The desk: server-rendered HTML pages of the reporting workflow (#18) — entry, review, completeness, periods.

Pages work without JavaScript; every form POST carries the session's CSRF token. The JSON write API is
``meili.web.desk_api``; sign-in and sessions are ``meili.web.auth``. Both call the same ``app.workflow``.
"""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import HTMLResponse


def router(portal) -> APIRouter:
    """The desk's pages over ``portal`` (a :class:`meili.web.server.Portal`)."""
    r = APIRouter(include_in_schema=False)

    @r.get("/desk/", response_class=HTMLResponse)
    def desk_home():
        return HTMLResponse("<!doctype html><title>工作台 / Desk</title><h1>工作台 / Desk</h1>")

    return r
