"""The people and values of the workflow tests: a publisher, a reviewer, each county's reporter and lead, and a
typical value for every cell (inside the measure's soft range: no soft check fires on it)."""

from __future__ import annotations

from datetime import date

from meili.app import Meili
from meili.app.policy import Role, User
from meili.store import init_workspace

PUBLISHER = User("pub", {Role.publisher})
REVIEWER = User("rev", {Role.reviewer})
REVIEWER2 = User("rev2", {Role.reviewer})
YEAR = 2024
CLOSES = date(2025, 3, 31)


def reporter(unit: str) -> User:
    return User(f"rep-{unit}", {Role.reporter}, {unit})


def lead(unit: str) -> User:
    return User(f"lead-{unit}", {Role.unit_lead}, {unit})


def typical(m) -> float | str:
    """A value any check accepts: the best state, or the middle of the soft (else hard) range."""
    if m.is_state:
        return m.vocabulary[-1]
    rng = m.plausible_range
    low, high = (rng.soft or rng.hard) if rng is not None else (0, 100)
    low = 0 if low is None else low
    high = low + 100 if high is None else high
    return round((low + high) / 2, 2)


def full_rows(app: Meili, unit: str, **override) -> list[tuple]:
    """Every cell of ``unit`` with its typical value (``override``: measure → value)."""
    rows = []
    for region, m in app.workflow.cells(unit):
        value = override.get(m.id, typical(m))
        # shares of good and poor water: keep the identities true (19.1 ≤ 18.2; 18.2 + 19.2 ≤ 100)
        if m.id in ("18.1", "18.2") and m.id not in override:
            value = 90.0
        if m.id == "19.1" and m.id not in override:
            value = 80.0
        if m.id == "19.2" and m.id not in override:
            value = 2.0
        rows.append((region, m.id, value))
    return rows


def workspace(tmp_path, year: int = YEAR) -> Meili:
    """A new workspace with ``year``'s period open."""
    init_workspace(tmp_path)
    app = Meili(tmp_path, actor="tester")
    app.workflow.open_period(PUBLISHER, year, opens=date(2025, 1, 1), closes=CLOSES)
    return app


def approved(app: Meili, unit: str, year: int = YEAR, **override):
    """Save every cell of ``unit``, submit it and approve it; returns the approval's ImportResult."""
    wf = app.workflow
    version = wf.submission(year, unit)["version"]
    wf.save_values(reporter(unit), year, unit, full_rows(app, unit, **override), expected_version=version)
    wf.submit(lead(unit), year, unit)
    return wf.approve(REVIEWER, year, unit)
