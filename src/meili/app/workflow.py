"""Reporting periods, submissions, entry, checks, queries and completeness: the workflow of issue #18.

One :class:`Workflow` per :class:`meili.app.Meili` (``app.workflow``); the CLI and the web call the same methods.
Every write

1. reads the period's and the submission's state and calls :func:`meili.app.policy.authorize` — a refusal is
   written to the audit log (result ``refused``) and raised as :class:`meili.app.policy.Forbidden`;
2. makes its change, its check results and its audit row (before, after, reason) in **one** DuckDB transaction,
   under the store's writer lock; the store functions (:mod:`meili.store.workflow`) refuse what the state locks
   whoever calls them.

Entry values are drafts (``submission_values``) until an approval writes them into the observations through the
validation of ``meili data import`` (:func:`meili.ingest.observations.validate`), as an import with producer
``submission YEAR UNIT`` and the approver as actor, in the approval's transaction.

>>> wf = Meili(ws).workflow                                                    # doctest: +SKIP
>>> wf.open_period(publisher, 2024, closes=date(2025, 3, 31))                 # doctest: +SKIP
>>> wf.save_values(reporter, 2024, "360722", [Entry("360722", "11.1", 78.2)], expected_version=0)  # doctest: +SKIP
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from meili.app.checks import (
    Context,
    Finding,
    explanation_problem,
    identities,
    load_rules,
    missing_cells,
    soft_checks,
)
from meili.app.policy import RULES, Action, Forbidden, User, allowed, authorize
from meili.errors import InputError, MeiliError, NotFoundError, Problem, RequestError, Text

if TYPE_CHECKING:
    import pyarrow as pa

    from meili.app import Meili
    from meili.app.releases import ReleaseInfo
    from meili.plan import Plan
    from meili.store import ImportResult

__all__ = ["CheckFailed", "Entry", "SaveResult", "Workflow"]

DEFAULT_PLAN = "ganzhou"


class CheckFailed(MeiliError):
    """A save, submission or approval that hard checks, unexplained soft checks or open queries block (422 on the
    web). ``findings``: every finding of the run (also stored in ``check_results``)."""

    kind = "check_failed"

    def __init__(self, *problems, findings: Sequence[Finding] = (), **kw):
        self.findings = list(findings)
        super().__init__(*problems, **kw)


@dataclass(frozen=True)
class Entry:
    """One cell of a unit's report: a value (a number, or a state such as 基本消除), or a reason why it is
    missing; ``explanation`` answers the soft checks; ``note`` goes with the value into the observations."""

    region: str
    measure: str
    value: float | str | None = None
    missing_reason: str | None = None
    explanation: str | None = None
    note: str | None = None

    @classmethod
    def of(cls, row: Entry | Sequence | dict) -> Entry:
        if isinstance(row, Entry):
            return row
        if isinstance(row, dict):
            return cls(**{k: row.get(k) for k in ("region", "measure", "value", "missing_reason", "explanation",
                                                   "note") if k in row})
        return cls(*row)


@dataclass
class SaveResult:
    """A save: the submission's new ``version`` (send it back with the next save) and the check ``findings``."""

    version: int
    findings: list[Finding] = field(default_factory=list)

    @property
    def unexplained(self) -> list[Finding]:
        return [f for f in self.findings if f.blocking]


def _now() -> datetime:
    return datetime.now(UTC)


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


class Workflow:
    """The workflow operations of one workspace (see the module docstring)."""

    def __init__(self, app: Meili, plan: str = DEFAULT_PLAN):
        self.app = app
        self.default_plan = plan
        self.rules = load_rules()
        self._cells: dict[tuple[str, str], list[tuple[str, Any]]] = {}

    # --- plumbing ----------------------------------------------------------------------------------------------
    @property
    def _store(self):
        return self.app.workspace.store

    def _transaction(self):
        return self._store.transaction()

    def _read(self, fn: Callable[[Any], Any]) -> Any:
        with self._store.reading() as con:
            return fn(con)

    def _act(self, user: User, action: Action, target: str, change: Callable[[Any, dict | None, dict | None], Any],
             *, year: int | None = None, unit: str | None = None, reason: str | None = None,
             source_ip: str | None = None, audit_action: str | None = None) -> Any:
        """Authorize, change and audit in one transaction. ``change(con, period, submission)`` returns
        (before, after, result[, value rows written: (table, key) for the audit]) or raises; a :class:`CheckFailed` it raises after storing its findings is audited
        as ``failed`` and committed (the findings stay), any other error rolls everything back."""
        from meili.store import audit
        from meili.store import workflow as wf

        refused: Forbidden | None = None
        failed: CheckFailed | None = None
        name = user.name if user is not None else "—"
        logged = audit_action or str(action)
        with self._transaction() as con:
            period = wf.period(con, year) if year is not None else None
            sub = wf.submission(con, year, unit) if unit is not None and year is not None else None
            period_state = period["state"] if period else ("planned" if action == Action.open_period else None)
            try:
                authorize(user, action, unit=unit, submission_state=sub["state"] if sub else None,
                          period_state=period_state)
            except Forbidden as e:
                refused = e
                audit.append(con, actor=name, action=logged, target=target, reason=e.render("both"),
                             result="refused", source_ip=source_ip)
            else:
                try:
                    before, after, result, *written = change(con, period, sub)
                except CheckFailed as e:
                    failed = e
                    audit.append(con, actor=name, action=logged, target=target, reason=e.render("both"),
                                 result="failed", source_ip=source_ip)
                else:
                    audit.append(con, actor=name, action=logged, target=target, before=_jsonable(before),
                                 after=_jsonable(after), reason=reason, result="ok", source_ip=source_ip,
                                 rows=written[0] if written else ())
                    return result
        raise refused or failed  # type: ignore[misc]

    # --- units and their cells ---------------------------------------------------------------------------------
    def plan_of(self, year: int) -> Plan:
        from meili.store import workflow as wf

        p = self._read(lambda con: wf.period(con, year))
        return self.app.plan(p["plan"] if p else self.default_plan)

    def units(self, plan: str | None = None) -> list[str]:
        """The reporting units: those of ``units.yaml`` (counties and zones by region code, city departments,
        the city bureau); without it, the plan's region and the regions directly under it."""
        p = self.app.plan(plan or self.default_plan)
        owned = _ownership()
        if owned is not None:
            return list(owned[0])
        return [p.region] + [r.code for r in self.app.regions.children(p.region)]

    def peer_units(self, plan: str | None = None) -> list[str]:
        """The regions compared with each other by the robust z-score (the regions under the plan's region: the
        20 counties, districts and zones of Ganzhou)."""
        p = self.app.plan(plan or self.default_plan)
        return [r.code for r in self.app.regions.children(p.region)]

    def cells(self, unit: str, plan: str | None = None) -> list[tuple[str, Any]]:
        """(region, measure) pairs ``unit`` reports: by the ownership table (``ownership.yaml``: 林业局 reports
        forest cover for every county …), else its own region's template rows (a county: its county measures;
        the plan's region: every city-level measure). Region groups are computed, never reported."""
        from meili.ingest.templates import template_rows

        p = self.app.plan(plan or self.default_plan)
        key = (p.id, unit)
        if key not in self._cells:
            if unit not in self.units(p.id):
                raise NotFoundError(Problem("not_found", column="unit", value=str(unit), detail=Text(
                    "没有该报送单位", "no such reporting unit"), expected=", ".join(self.units(p.id))))
            owned = _ownership()
            if owned is None:
                self._cells[key] = template_rows(p, [unit])
            else:
                owner_of = owned[1]
                self._cells[key] = [(r, m) for r, m in template_rows(p)
                                    if owner_of(p.id, m.id, r, city=p.region) == unit]
        return self._cells[key]

    def unit_of(self, unit: str, plan: str | None = None) -> str:
        """A unit's code from a code or name."""
        code = self.app.regions.resolve(unit) if unit in self.app.regions.index else unit
        self.cells(code, plan)
        return code

    # --- periods -----------------------------------------------------------------------------------------------
    def periods(self) -> pa.Table:
        import pyarrow as pa

        from meili.store import workflow as wf

        rows = self._read(wf.periods)
        return pa.Table.from_pylist(rows) if rows else pa.table({"year": pa.array([], pa.int32())})

    def period(self, year: int) -> dict | None:
        from meili.store import workflow as wf

        return self._read(lambda con: wf.period(con, year))

    def _move_period(self, user: User, year: int, move: str, action: Action, *, reason: str | None = None,
                     source_ip: str | None = None, **kw) -> dict:
        from meili.store import workflow as wf

        def change(con, period, _sub):
            before, after = wf.move_period(con, year, move, actor=user.name, time=_now(), **kw)
            return before, after, after

        return self._act(user, action, f"period {year}", change, year=year, reason=reason, source_ip=source_ip,
                         audit_action=f"{move}_period")

    def open_period(self, user: User, year: int, *, opens: date | None = None, closes: date | None = None,
                    plan: str | None = None, source_ip: str | None = None) -> dict:
        """Open ``year``'s period for entry (a new one, or a closed one again); ``closes``: the deadline."""
        p = self.app.evaluable_plan(plan or self.default_plan, year, reporting=True)
        return self._move_period(user, year, "open", Action.open_period, opens=opens, closes=closes, plan=p.id,
                                 source_ip=source_ip)

    def close_period(self, user: User, year: int, *, source_ip: str | None = None) -> dict:
        """Close entry (review goes on)."""
        return self._move_period(user, year, "close", Action.close_period, source_ip=source_ip)

    def finalize_period(self, user: User, year: int, *, source_ip: str | None = None) -> dict:
        """定库: lock every value of the year (refused while a submission awaits review)."""
        return self._move_period(user, year, "finalize", Action.finalize_period, source_ip=source_ip)

    def revise_period(self, user: User, year: int, reason: str, *, source_ip: str | None = None) -> dict:
        """Re-open a published period for a revision (revision + 1): its approved submissions may be unapproved
        and corrected; publishing it again makes the next release, the earlier one kept."""
        if not reason or not reason.strip():
            raise RequestError(Problem("invalid_request", column="reason", detail=Text(
                "修订需要写明原因", "a revision needs a reason")))
        return self._move_period(user, year, "revise", Action.publish, reason=reason, source_ip=source_ip)

    def publish_period(self, user: User, year: int, *, note: str | None = None,
                       source_ip: str | None = None) -> ReleaseInfo:
        """Publish a finalized period: :meth:`Meili.publish`'s release (the next number) and the period's move to
        ``published`` with that number, in one transaction."""
        from meili.app import releases
        from meili.store import audit
        from meili.store import workflow as wf

        name = user.name if user is not None else "—"
        period = self.period(year)
        try:
            authorize(user, Action.publish, period_state=period["state"] if period else None)
            if period is None or period["state"] != "finalized":
                authorize(user, Action.finalize_period, period_state=period["state"] if period else None)
        except Forbidden as e:
            with self._transaction() as con:
                audit.append(con, actor=name, action=str(Action.publish), target=f"period {year}",
                             reason=e.render("both"), result="refused", source_ip=source_ip)
            raise
        notes: list[str] = []

        def within(con, number: int) -> None:
            before, after = wf.move_period(con, year, "publish", actor=name, time=_now(), release=number)
            audit.append(con, actor=name, action=str(Action.publish), target=f"period {year}",
                         before=_jsonable(before), after=_jsonable(after), reason=note, source_ip=source_ip)

        row = self._store.publish(lambda obs, _res: releases.build_release(self.app, obs, notes), actor=name,
                                  note=note or f"{year} 年度报送 / reports of {year}", time=_now(), within=within)
        for text in notes:
            self.app.hooks.note(text)
        return releases.ReleaseInfo.from_row(row)

    def period_releases(self, year: int | None = None) -> list[dict]:
        from meili.store import workflow as wf

        return self._read(lambda con: wf.period_releases(con, year))

    # --- submissions ---------------------------------------------------------------------------------------
    def submission(self, year: int, unit: str) -> dict:
        from meili.store import workflow as wf

        return self._read(lambda con: wf.submission(con, year, unit))

    def submissions(self, year: int | None = None) -> list[dict]:
        from meili.store import workflow as wf

        return self._read(lambda con: wf.submissions(con, year))

    def values(self, year: int, unit: str) -> list[dict]:
        """The unit's draft values of ``year``."""
        from meili.store import workflow as wf

        return self._read(lambda con: wf.values(con, year, unit))

    def save_values(self, user: User, year: int, unit: str, rows: Iterable[Entry | Sequence | dict],
                    expected_version: int, *, source_ip: str | None = None) -> SaveResult:
        """Save draft values of ``unit``'s cells (a row with neither value nor reason clears the cell). Hard checks
        refuse the save (:class:`CheckFailed`, nothing saved, the findings stored); soft findings are stored with
        the explanations given and returned. ``expected_version``: the version the form was loaded at
        (:class:`meili.store.workflow.ConflictError` when someone saved since)."""
        entries = [Entry.of(r) for r in rows]
        return self._save(user, year, unit, entries, expected_version, source_ip=source_ip, file=None)

    def save_template(self, user: User, year: int, unit: str, path: str | Path, expected_version: int | None = None,
                      *, source_ip: str | None = None) -> SaveResult:
        """Save the values of a filled reporting workbook (``meili data template``) or long-format file: read by the
        readers of ``meili data import``, its rows limited to ``unit``'s cells of ``year`` (its 备注 / note column
        taken as the explanation). ``expected_version`` None: the current one."""
        from meili.ingest.observations import ObservationError, read_files

        files = read_files([path])
        problems = [i for f in files for i in f.issues]
        if problems:
            raise ObservationError(problems, len(problems))
        table = files[0].table
        entries, bad = [], []
        for r in (table.to_pylist() if table is not None else []):
            value = r.get("value") if r.get("value") not in (None, "") else r.get("state")
            if value in (None, "") or not str(value).strip():
                continue  # a template row left empty: not reported
            if str(r.get("year") or "").strip().removesuffix(".0") != str(year):
                bad.append(Problem("year_outside_plan", file=str(path), row=r.get("_row"), column="year",
                                   value=str(r.get("year")), expected=str(year)))
                continue
            region = str(r.get("region") or "").strip()
            region = self.app.regions.resolve(region) if region in self.app.regions.index else region
            entries.append(Entry(region, str(r.get("measure") or "").strip(), str(value).strip(),
                                 explanation=r.get("note"), note=r.get("note")))
        if bad:
            raise InputError(*bad)
        if expected_version is None:
            expected_version = self.submission(year, unit)["version"]
        return self._save(user, year, unit, entries, expected_version, source_ip=source_ip, file=str(path))

    def _save(self, user: User, year: int, unit: str, entries: list[Entry], expected_version: int, *,
              source_ip: str | None, file: str | None) -> SaveResult:
        from meili.store import workflow as wf

        # Before the write turn: a stale form is answered at once, and the import's validation (it reads no store)
        # is done here, so that saves queue only for their writes and the checks that compare with stored values.
        # Inside the turn the version and the policy are checked again on the committed state.
        period, sub = self._read(lambda con: (wf.period(con, year), wf.submission(con, year, unit)))
        if period is not None and allowed(user, Action.save_values, unit=unit, submission_state=sub["state"],
                                          period_state=period["state"]):
            wf.check_version(sub, expected_version)
        planned = self.app.plan(period["plan"] if period else self.default_plan)  # as plan_of(year), read once
        validated = _validate(planned, year, _answered(entries), source=self.app.region_name(unit))

        def change(con, period, sub):
            wf.check_version(sub, expected_version)  # a stale form is answered before any other work
            plan = self.app.plan(period["plan"])
            self._require_cells(plan, unit, entries, file)
            rows, findings = self._checked_rows(con, plan, year, unit, entries, stage="save",
                                                validated=validated if plan.id == planned.id else None)
            now = _now()
            if any(f.severity == "hard" for f in findings):
                wf.add_check_results(con, year, unit, "save", [f.row() for f in findings], actor=user.name, time=now)
                raise _failed(findings, Text(f"{unit} 的 {year} 年数值未保存", f"{unit}'s {year} values were not saved"))
            before, version = wf.write_values(con, year, unit, rows, expected_version=expected_version,
                                              actor=user.name, time=now)
            wf.add_check_results(con, year, unit, "save", [f.row() for f in findings], actor=user.name, time=now)
            after = [{k: r.get(k) for k in wf.VALUE_COLUMNS} for r in rows]
            return ({"version": sub["version"], "values": before},
                    {"version": version, "values": after, "file": file}, SaveResult(version, findings))

        return self._act(user, Action.save_values, f"submission {year} {unit}", change, year=year, unit=unit,
                         source_ip=source_ip)

    def _require_cells(self, plan: Plan, unit: str, entries: Sequence[Entry], file: str | None) -> None:
        mine = {(r, m.id) for r, m in self.cells(unit, plan.id)}
        outside = [e for e in entries if (e.region, e.measure) not in mine]
        seen, dupes = set(), []
        for e in entries:
            if (e.region, e.measure) in seen:
                dupes.append(e)
            seen.add((e.region, e.measure))
        if outside or dupes:
            raise InputError(*[Problem("not_unit_cell", file=file, column="measure", value=f"{e.region} {e.measure}",
                                       detail=Text(f"不是 {unit} 填报的单元格", f"not a cell {unit} reports"))
                               for e in outside],
                             *[Problem("duplicate_key", file=file, column="measure", value=f"{e.region} {e.measure}")
                               for e in dupes])

    def _checked_rows(self, con, plan: Plan, year: int, unit: str, entries: Sequence[Entry], stage: str,
                      validated: tuple | None = None) -> tuple[list[dict], list[Finding]]:
        """The entries as stored rows (value or state as the import's validation reads them), and the findings of
        the hard checks (validation, identities, a missing reason that explains nothing) and soft checks.
        ``validated``: :func:`_validate` of the answered entries, when already done."""
        findings: list[Finding] = []
        parsed, issues = validated or _validate(plan, year, _answered(entries), source=self.app.region_name(unit))
        for e, issue in issues:
            findings.append(Finding(issue.kind, "hard", e.region, e.measure, issue.value, issue.detail
                                    if isinstance(issue.detail, Text) else Text(str(issue.detail), str(issue.detail))))
        rows = []
        for e in entries:
            row = {"region": e.region, "measure": e.measure, "value": None, "state": None,
                   "missing_reason": None, "explanation": e.explanation, "note": e.note}
            if (e.region, e.measure) in parsed:
                row["value"], row["state"] = parsed[(e.region, e.measure)]
            elif e.missing_reason and e.missing_reason.strip():
                row["missing_reason"] = e.missing_reason.strip()
                why = explanation_problem(e.missing_reason, self.rules)
                if why is not None and stage != "save":
                    findings.append(Finding("missing_reason", "hard", e.region, e.measure, e.missing_reason, why))
            rows.append(row)
        ctx = self._context(con, plan, year, unit, rows)
        findings += identities(rows, ctx, self.rules)
        findings += soft_checks(rows, ctx, self.rules)
        return rows, findings

    def _context(self, con, plan: Plan, year: int, unit: str, rows: Sequence[dict]) -> Context:
        regions = sorted({r["region"] for r in rows})
        measures = sorted({r["measure"] for r in rows})
        peers_units = self.peer_units(plan.id)

        def current(y: int, where_regions: Sequence[str]) -> dict[tuple[str, str], float]:
            if not where_regions or not measures:
                return {}
            got = con.execute("""SELECT region, measure, value FROM current_observations
                                 WHERE plan = ? AND year = ? AND value IS NOT NULL
                                   AND region IN (SELECT unnest(?::VARCHAR[]))
                                   AND measure IN (SELECT unnest(?::VARCHAR[]))""",
                              [plan.id, y, list(where_regions), list(measures)]).fetchall()
            return {(r, m): v for r, m, v in got}

        drafts = {(r, m): v for r, m, v in con.execute(
            """SELECT region, measure, value FROM submission_values WHERE year = ? AND unit <> ?
               AND measure IN (SELECT unnest(?::VARCHAR[]))""", [year, unit, measures]).fetchall()}
        mine = {(r["region"], r["measure"]): r["value"] for r in rows}
        peers_now = current(year, peers_units) | {k: v for k, v in drafts.items() if k[0] in peers_units}
        peers_now |= {k: v for k, v in mine.items() if k[0] in peers_units}
        peers: dict[str, dict[str, float]] = {}
        for (r, m), v in peers_now.items():
            if v is not None:
                peers.setdefault(m, {})[r] = v
        others = {}
        if regions:
            got = con.execute("""SELECT region, measure, value FROM current_observations
                                 WHERE plan = ? AND year = ? AND value IS NOT NULL
                                   AND region IN (SELECT unnest(?::VARCHAR[]))""",
                              [plan.id, year, regions]).fetchall()
            others = {(r, m): v for r, m, v in got}
            stored = con.execute("""SELECT region, measure, value FROM submission_values WHERE year = ? AND unit = ?
                                    AND value IS NOT NULL""", [year, unit]).fetchall()
            others |= {(r, m): v for r, m, v in stored}
        soft = {}
        for m in plan.measures:
            rng = m.plausible_range
            if m.id in measures and rng is not None and rng.soft is not None:
                soft[m.id] = rng.soft
        return Context(plan.id, current(year - 1, regions), peers, others, soft)

    def _all_findings(self, con, plan: Plan, year: int, unit: str, stage: str) -> list[Finding]:
        """Every check on the unit's stored values, and the required cells."""
        from meili.store import workflow as wf

        stored = wf.values(con, year, unit)
        entries = [Entry(r["region"], r["measure"], r["state"] if r["state"] is not None else r["value"],
                         r["missing_reason"], r["explanation"], r["note"]) for r in stored]
        _rows, findings = self._checked_rows(con, plan, year, unit, entries, stage)
        expected = [(r, m.id) for r, m in self.cells(unit, plan.id)]
        return missing_cells(expected, [{"region": e.region, "measure": e.measure, "value": e.value,
                                         "missing_reason": e.missing_reason} for e in entries]) + findings

    def submit(self, user: User, year: int, unit: str, *, expected_version: int | None = None,
               source_ip: str | None = None) -> dict:
        """Submit the unit's values for review (the unit lead signs them off): refused while a cell is neither
        filled nor given a reason, a hard check fails or a soft finding lacks an acceptable explanation."""
        from meili.store import workflow as wf

        def change(con, period, sub):
            plan = self.app.plan(period["plan"])
            findings = self._all_findings(con, plan, year, unit, "submit")
            now = _now()
            wf.add_check_results(con, year, unit, "submit", [f.row() for f in findings], actor=user.name, time=now)
            if any(f.blocking for f in findings):
                raise _failed(findings, Text(f"{unit} 的 {year} 年数值未能提交", f"{unit}'s {year} values were not submitted"))
            before, after = wf.set_submission_state(con, year, unit, "submitted", actor=user.name, time=now,
                                                    expected_version=expected_version)
            return before, after, after

        return self._act(user, Action.submit, f"submission {year} {unit}", change, year=year, unit=unit,
                         source_ip=source_ip)

    def withdraw(self, user: User, year: int, unit: str, *, source_ip: str | None = None) -> dict:
        """Take a submission back to draft before review."""
        return self._state(user, Action.withdraw, year, unit, "draft", source_ip=source_ip)

    def return_submission(self, user: User, year: int, unit: str, reason: str, *,
                          source_ip: str | None = None) -> dict:
        """Return a submission to its unit with a reason (the reviewer never edits its values)."""
        if explanation_problem(reason, self.rules) is not None:
            raise RequestError(Problem("invalid_request", column="reason", value=reason,
                                       detail=explanation_problem(reason, self.rules)))
        return self._state(user, Action.return_submission, year, unit, "returned", reason=reason,
                           source_ip=source_ip)

    def unapprove(self, user: User, year: int, unit: str, reason: str, *, source_ip: str | None = None) -> dict:
        """Take an approval back (before 定库): the submission awaits review again; the observations written by the
        approval stay as revisions until a new approval writes the corrected values."""
        if not reason or not reason.strip():
            raise RequestError(Problem("invalid_request", column="reason", detail=Text(
                "撤销审核通过需要写明原因", "an unapproval needs a reason")))
        return self._state(user, Action.unapprove, year, unit, "submitted", reason=reason, source_ip=source_ip)

    def _state(self, user: User, action: Action, year: int, unit: str, to: str, *, reason: str | None = None,
               source_ip: str | None = None) -> dict:
        from meili.store import workflow as wf

        def change(con, _period, _sub):
            before, after = wf.set_submission_state(con, year, unit, to, actor=user.name, time=_now(), reason=reason)
            return before, after, after

        return self._act(user, action, f"submission {year} {unit}", change, year=year, unit=unit, reason=reason,
                         source_ip=source_ip)

    def approve(self, user: User, year: int, unit: str, *, source_ip: str | None = None) -> ImportResult:
        """Approve a submission: the checks again, no open query, then its values written into the observations
        through the import's validation (producer ``submission YEAR UNIT``, actor the approver) — the state, the
        observations, the check results and the audit row in one transaction."""
        from meili.store import Origin
        from meili.store import workflow as wf

        def change(con, period, sub):
            plan = self.app.plan(period["plan"])
            now = _now()
            findings = self._all_findings(con, plan, year, unit, "approve")
            wf.add_check_results(con, year, unit, "approve", [f.row() for f in findings], actor=user.name, time=now)
            asked = wf.open_queries(con, year, unit)
            if any(f.blocking for f in findings) or asked:
                extra = [Problem("open_queries", value=f"#{q['id']} {q['region']} {q['measure']}", detail=Text(
                    q["question"], q["question"])) for q in asked]
                raise _failed(findings, Text(f"{unit} 的 {year} 年报送未能审核通过",
                                             f"{unit}'s {year} submission was not approved"), extra)
            stored = [r for r in wf.values(con, year, unit) if r["missing_reason"] is None]
            entries = [Entry(r["region"], r["measure"], r["state"] if r["state"] is not None else r["value"],
                             note=r["note"]) for r in stored]
            producer = f"submission {year} {unit}"
            table = _validated_table(plan, year, entries, source=self.app.region_name(unit), file=producer)
            digest = hashlib.sha256(json.dumps(_jsonable(stored), sort_keys=True, ensure_ascii=False,
                                               default=str).encode()).hexdigest()
            origin = Origin(files=(producer,), sha256s=(digest,), producer=producer, actor=user.name, time=now)
            result = wf.write_observations(con, table, origin)
            before, after = wf.set_submission_state(con, year, unit, "approved", actor=user.name, time=now,
                                                    import_id=result.import_id)
            after = dict(after, observations={"import_id": result.import_id, "new": result.new,
                                              "revised": result.revised, "unchanged": result.unchanged})
            keys = ("plan", "region", "measure", "year", "revision")
            written = [("observations", dict(zip(keys, r, strict=True))) for r in con.execute(
                f"SELECT {', '.join(keys)} FROM observations WHERE import_id = ? ORDER BY ALL",
                [result.import_id]).fetchall()]
            return before, after, result, written

        return self._act(user, Action.approve, f"submission {year} {unit}", change, year=year, unit=unit,
                         source_ip=source_ip)

    # --- queries -------------------------------------------------------------------------------------------
    def raise_query(self, user: User, year: int, unit: str, region: str, measure: str, question: str, *,
                    source_ip: str | None = None) -> dict:
        """A reviewer's question on a cell of a submitted report; open queries block its approval."""
        from meili.store import workflow as wf

        if not question or not question.strip():
            raise RequestError(Problem("invalid_request", column="question", detail=Text("质询内容为空",
                                                                                       "the question is empty")))

        def change(con, period, _sub):
            plan = self.app.plan(period["plan"])
            self._require_cells(plan, unit, [Entry(region, measure)], None)
            q = wf.raise_query(con, year, unit, region, measure, question.strip(), actor=user.name, time=_now())
            return None, q, q

        return self._act(user, Action.raise_query, f"submission {year} {unit} {region} {measure}", change,
                         year=year, unit=unit, source_ip=source_ip)

    def answer_query(self, user: User, query_id: int, answer: str, *, source_ip: str | None = None) -> dict:
        """The unit's answer (its reporter or lead)."""
        if not answer or not answer.strip():
            raise RequestError(Problem("invalid_request", column="answer", detail=Text("答复为空", "the answer is empty")))
        return self._query_move(user, query_id, "answered", Action.answer_query, answer=answer.strip(),
                                source_ip=source_ip)

    def close_query(self, user: User, query_id: int, *, source_ip: str | None = None) -> dict:
        """The reviewer closes a query (answered or not): it no longer blocks the approval."""
        return self._query_move(user, query_id, "closed", Action.raise_query, source_ip=source_ip)

    def _query_move(self, user: User, query_id: int, to: str, action: Action, *, answer: str | None = None,
                    source_ip: str | None = None) -> dict:
        from meili.store import workflow as wf

        q = self._read(lambda con: wf.query(con, query_id))

        def change(con, _period, _sub):
            before, after = wf.move_query(con, query_id, to, actor=user.name, time=_now(), answer=answer)
            return before, after, after

        return self._act(user, action, f"query {query_id}", change, year=q["year"], unit=q["unit"],
                         source_ip=source_ip, audit_action="answer_query" if to == "answered" else "close_query")

    def queries(self, year: int | None = None, unit: str | None = None) -> list[dict]:
        where, params = [], []
        for col, val in (("year", year), ("unit", unit)):
            if val is not None:
                where.append(f"{col} = ?")
                params.append(val)
        sql = "SELECT * FROM queries" + (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY id"
        return self._read(lambda con: _rows(con, sql, params))

    def check_results(self, year: int, unit: str | None = None) -> list[dict]:
        sql = "SELECT * FROM check_results WHERE year = ?" + (" AND unit = ?" if unit else "") + " ORDER BY id"
        return self._read(lambda con: _rows(con, sql, [year] + ([unit] if unit else [])))

    # --- reads as a user may make them (the CLI and the web) ---------------------------------------------------
    def _may_read(self, user: User | None, unit: str, *, source_ip: str | None = None) -> None:
        """:func:`authorize` ``read_submissions`` of ``unit``; a refusal is written to the audit log and raised."""
        from meili.store import audit

        try:
            authorize(user, Action.read_submissions, unit=unit)
        except Forbidden as e:
            with self._transaction() as con:
                audit.append(con, actor=user.name if user is not None else "—", action=str(Action.read_submissions),
                             target=f"submission {unit}", reason=e.render("both"), result="refused",
                             source_ip=source_ip)
            raise

    def readable(self, user: User | None, units: Iterable[str]) -> list[str]:
        """The units of ``units`` whose submissions ``user`` may read (reporters and unit leads: their own; the
        city roles and the auditor: all). A user without any reading role is refused (:class:`Forbidden`)."""
        if user is None or not user.roles & RULES[Action.read_submissions].roles:
            self._may_read(user, "—")
        return [u for u in units if allowed(user, Action.read_submissions, unit=u)]

    def submission_detail(self, user: User | None, year: int, unit: str, *,
                          source_ip: str | None = None) -> dict:
        """What ``user`` may read of ``unit``'s report of ``year``: the submission (state ``draft``, version 0
        before anything was saved), its draft values, queries and stored check results."""
        unit = self.unit_of(unit, self.plan_of(year).id)  # NotFoundError for an unknown unit
        self._may_read(user, unit, source_ip=source_ip)
        sub = {"year": year, "unit": unit} | dict(_NO_SUBMISSION) | dict(self.submission(year, unit) or {})
        return {"submission": sub, "values": self.values(year, unit), "queries": self.queries(year, unit),
                "checks": self.check_results(year, unit)}

    def completeness_for(self, user: User | None, year: int, *, today: date | None = None) -> pa.Table:
        """:meth:`completeness` limited to the units ``user`` may read."""
        import pyarrow as pa
        import pyarrow.compute as pc

        table = self.completeness(year, today=today)
        mine = self.readable(user, table.column("unit").to_pylist())
        return table.filter(pc.is_in(table.column("unit"), value_set=pa.array(mine, pa.string())))

    def queries_for(self, user: User | None, year: int, unit: str | None = None) -> list[dict]:
        """:meth:`queries` limited to the units ``user`` may read (one unit: refused when it may not)."""
        if unit is not None:
            unit = self.unit_of(unit, self.plan_of(year).id)
            self._may_read(user, unit)
        rows = self.queries(year, unit)
        mine = set(self.readable(user, {r["unit"] for r in rows}))
        return [r for r in rows if r["unit"] in mine]

    # --- completeness --------------------------------------------------------------------------------------
    def completeness(self, year: int, *, today: date | None = None) -> pa.Table:
        """Per unit of ``year``'s period: cells expected, entered, missing with a reason, empty; the submission's
        state and version, who submitted and approved; open queries; the period's deadline and days left."""
        import pyarrow as pa

        from meili.store import workflow as wf

        plan = self.plan_of(year)
        today = today or date.today()

        def read(con):
            return (wf.period(con, year), {s["unit"]: s for s in wf.submissions(con, year)},
                    {u: wf.values(con, year, u) for u in self.units(plan.id)},
                    dict(con.execute("""SELECT unit, count(*) FROM queries WHERE year = ? AND state <> 'closed'
                                        GROUP BY unit""", [year]).fetchall()))

        period, subs, vals, asked = self._read(read)
        if period is None:
            raise NotFoundError(Problem("not_found", column="period", value=str(year), detail=Text(
                f"没有 {year} 年填报期", f"no reporting period for {year}")))
        closes = period["closes"]
        rows = []
        for unit in self.units(plan.id):
            expected = {(r, m.id) for r, m in self.cells(unit, plan.id)}
            have = [v for v in vals[unit] if (v["region"], v["measure"]) in expected]
            entered = sum(1 for v in have if v["missing_reason"] is None)
            missing = sum(1 for v in have if v["missing_reason"] is not None)
            sub = subs.get(unit) or _NO_SUBMISSION
            rows.append({
                "unit": unit, "unit_name": self.app.region_name(unit), "state": sub["state"],
                "version": sub["version"], "expected": len(expected), "entered": entered,
                "missing_with_reason": missing, "empty": len(expected) - entered - missing,
                "open_queries": int(asked.get(unit, 0)), "submitted_by": sub["submitted_by"],
                "approved_by": sub["approved_by"], "closes": closes,
                "days_left": (closes - today).days if closes is not None else None,
            })
        schema = pa.schema([("unit", pa.string()), ("unit_name", pa.string()), ("state", pa.string()),
                            ("version", pa.int64()), ("expected", pa.int64()), ("entered", pa.int64()),
                            ("missing_with_reason", pa.int64()), ("empty", pa.int64()), ("open_queries", pa.int64()),
                            ("submitted_by", pa.string()), ("approved_by", pa.string()), ("closes", pa.date32()),
                            ("days_left", pa.int64())])
        return pa.Table.from_pylist(rows, schema=schema)

    def write_completeness(self, user: User | None, year: int, output: str | Path, *,
                           today: date | None = None) -> int:
        """Write :meth:`completeness_for` ``user`` to ``output`` (.xlsx, .csv or .parquet) through
        :mod:`meili.app.outputs`."""
        from meili.app.outputs import check_output, record_output, write_table

        check_output(output)
        rows = write_table(self.completeness_for(user, year, today=today), Path(output), headers=COMPLETENESS_HEADERS)
        record_output(Path(output))
        return rows


COMPLETENESS_HEADERS = {
    "unit": "单位代码 unit", "unit_name": "单位 unit name", "state": "状态 state", "version": "版本 version",
    "expected": "应填 expected", "entered": "已填 entered", "missing_with_reason": "缺失并说明 missing with reason",
    "empty": "未填 empty", "open_queries": "未关闭质询 open queries", "submitted_by": "提交人 submitted by",
    "approved_by": "审核人 approved by", "closes": "截止日期 closes", "days_left": "剩余天数 days left",
}


_NO_SUBMISSION = {"state": "draft", "version": 0, "submitted_by": None, "approved_by": None}


def _rows(con, sql: str, params: list) -> list[dict]:
    cur = con.execute(sql, params)
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, r, strict=True)) for r in cur.fetchall()]


def _failed(findings: Sequence[Finding], head: Text, extra: Sequence[Problem] = ()) -> CheckFailed:
    problems = [Problem("check_" + f.severity, value=f"{f.region} · {f.measure}"
                        + (f" = {f.value}" if f.value is not None else ""),
                        detail=Text(f"{f.rule}：{f.detail.zh}" + (f"（说明不被接受：{f.explanation}）"
                                                                  if f.severity == "soft" and f.explanation else ""),
                                    f"{f.rule}: {f.detail.en}" + (f" (explanation not accepted: {f.explanation})"
                                                                  if f.severity == "soft" and f.explanation else "")))
                for f in findings if f.blocking]
    return CheckFailed(Problem("check_failed", detail=head), *problems, *extra, findings=findings)


def _ownership():
    """(units by code, owner_of) of :mod:`meili.app.units` when its tables are there (None: not yet)."""
    try:
        from meili.app.units import load_units, owner_of
    except ImportError:
        return None
    try:
        return load_units(), owner_of
    except (OSError, MeiliError):
        return None


def _raw(plan: Plan, year: int, entries: Sequence[Entry], source: str, file: str) -> pa.Table:
    """The entries as the cells of a report (strings), for :func:`meili.ingest.observations.validate`."""
    import pyarrow as pa

    from meili.ingest.templates import FIELDS

    measures = {m.id: m for m in plan.measures}
    cols: dict[str, list] = {f: [] for f in FIELDS}
    for e in entries:
        text = e.value if isinstance(e.value, str) else format(float(e.value), "g") if float(e.value).is_integer() \
            else repr(float(e.value))
        m = measures.get(e.measure)
        is_state = m is not None and m.is_state
        row = {"plan": plan.id, "region": e.region, "measure": e.measure, "year": str(year),
               "value": None if is_state else str(text).strip(), "state": str(text).strip() if is_state else None,
               "unit": None, "source": source, "note": e.note, "provisional": None}
        for f in FIELDS:
            cols[f].append(row[f])
    n = len(entries)
    table = pa.table({f: pa.array(cols[f], pa.string()) for f in FIELDS})
    return (table.append_column("_row", pa.array(range(1, n + 1), pa.int64()))
            .append_column("_sheet", pa.array([None] * n, pa.string()))
            .append_column("_file", pa.array([file] * n, pa.string()))
            .append_column("_file_no", pa.array([0] * n, pa.int32()))
            .append_column("_template", pa.array([False] * n, pa.bool_())))


def _answered(entries: Sequence[Entry]) -> list[Entry]:
    """The entries with a value or state (the rest are cleared cells or missing with a reason)."""
    return [e for e in entries if e.value is not None and str(e.value).strip() != ""]


def _validate(plan: Plan, year: int, entries: Sequence[Entry], source: str):
    """The import's validation of the entries: ({(region, measure): (value, state)}, [(entry, issue)])."""
    from meili.ingest.observations import validate

    if not entries:
        return {}, []
    raw = _raw(plan, year, entries, source, "entry")
    clean, issues, _total, _counts, _skipped = validate(raw, plans={plan.id: plan})
    found = [(entries[i.row - 1], i) for i in issues if i.row is not None]
    if clean is None:
        return {}, found
    parsed = {(r["region"], r["measure"]): (r["value"], r["state"]) for r in clean.to_pylist()}
    return parsed, found


def _validated_table(plan: Plan, year: int, entries: Sequence[Entry], source: str, file: str) -> pa.Table:
    """The clean table :func:`meili.ingest.observations.validate` makes of the entries (an ObservationError
    when it finds an issue, as ``meili data import`` raises it)."""
    import pyarrow as pa

    from meili.ingest.observations import ObservationError, validate
    from meili.store.model import INPUT_SCHEMA

    if not entries:
        return INPUT_SCHEMA.empty_table()
    clean, issues, total, counts, _skipped = validate(_raw(plan, year, entries, source, file), plans={plan.id: plan})
    if total:
        raise ObservationError(issues, total, counts)
    assert isinstance(clean, pa.Table)
    return clean
