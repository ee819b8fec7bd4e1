"""A hypothesis state machine over the workflow: whatever the sequence of saves, submissions, withdrawals,
returns, approvals, unapprovals, queries, period moves and publications, by whichever users on whichever units,

- no value in the observations changes except by an approval (after a recorded unapproval or revision);
- ``approved_by`` is never ``submitted_by``;
- the published numbers of the latest release are the observations as they were when it was published;
- the audit chain verifies.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from meili.app import Meili
from meili.errors import MeiliError
from meili.store import audit, init_workspace
from tests.helpers.workflow import PUBLISHER, REVIEWER, REVIEWER2, YEAR, full_rows, lead, reporter

UNITS = ["360722", "360723"]
PEOPLE = st.sampled_from(["reporter", "lead", "reviewer", "reviewer2", "publisher", "other_reporter"])


def person(kind: str, unit: str):
    other = UNITS[1 - UNITS.index(unit)]
    return {"reporter": reporter(unit), "lead": lead(unit), "reviewer": REVIEWER, "reviewer2": REVIEWER2,
            "publisher": PUBLISHER, "other_reporter": reporter(other)}[kind]


class WorkflowMachine(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        self.dir = Path(tempfile.mkdtemp(prefix="meili-wf-"))
        init_workspace(self.dir)
        self.app = Meili(self.dir, actor="machine")
        self.wf = self.app.workflow
        self.wf.open_period(PUBLISHER, YEAR)
        self.rows = {u: full_rows(self.app, u) for u in UNITS}
        self.observations = self._observations()
        self.published: dict | None = None

    def teardown(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def _observations(self) -> dict:
        return {(r["region"], r["measure"], r["year"]): (r["value"], r["state"], r["revision"])
                for r in self.app.current().to_pylist()}

    def _try(self, fn, *args, **kw):
        try:
            return fn(*args, **kw)
        except MeiliError:
            return None

    # --- actions -------------------------------------------------------------------------------------------
    @rule(unit=st.sampled_from(UNITS), who=PEOPLE, bump=st.floats(-5, 5, allow_nan=False), stale=st.booleans())
    def save(self, unit, who, bump, stale):
        version = self.wf.submission(YEAR, unit)["version"] - (1 if stale else 0)
        rows = [(r, m, round(v + bump, 1) if isinstance(v, float) and m == "12" else v) for r, m, v in self.rows[unit]]
        self._try(self.wf.save_values, person(who, unit), YEAR, unit, rows, version)

    @rule(unit=st.sampled_from(UNITS), who=PEOPLE)
    def submit(self, unit, who):
        self._try(self.wf.submit, person(who, unit), YEAR, unit)

    @rule(unit=st.sampled_from(UNITS), who=PEOPLE)
    def withdraw(self, unit, who):
        self._try(self.wf.withdraw, person(who, unit), YEAR, unit)

    @rule(unit=st.sampled_from(UNITS), who=PEOPLE)
    def return_(self, unit, who):
        self._try(self.wf.return_submission, person(who, unit), YEAR, unit, "请核对湿地保护率与林业局数据")

    @rule(unit=st.sampled_from(UNITS), who=PEOPLE)
    def approve(self, unit, who):
        before = self._observations()
        result = self._try(self.wf.approve, person(who, unit), YEAR, unit)
        after = self._observations()
        if result is None:
            assert after == before, "a refused approval changed the observations"
        self.observations = after

    @rule(unit=st.sampled_from(UNITS))
    def the_usual_way(self, unit):
        """Save by the reporter, submit by the lead, approve by a reviewer: reaches approvals in short runs."""
        self.save(unit, "reporter", 0.0, False)
        self.submit(unit, "lead")
        self.approve(unit, "reviewer")

    @rule(unit=st.sampled_from(UNITS), who=PEOPLE)
    def unapprove(self, unit, who):
        self._try(self.wf.unapprove, person(who, unit), YEAR, unit, "林业局更正了湿地面积")

    @rule(unit=st.sampled_from(UNITS), who=PEOPLE)
    def raise_query(self, unit, who):
        self._try(self.wf.raise_query, person(who, unit), YEAR, unit, unit, "12", "湿地保护率为何变化？")

    @rule(who=PEOPLE, unit=st.sampled_from(UNITS), close=st.booleans())
    def answer_or_close(self, who, unit, close):
        open_ = [q for q in self.wf.queries(YEAR, unit) if q["state"] != "closed"]
        if open_:
            if close:
                self._try(self.wf.close_query, person(who, unit), open_[0]["id"])
            else:
                self._try(self.wf.answer_query, person(who, unit), open_[0]["id"], "新增省级湿地公园一处")

    @rule(move=st.sampled_from(["open", "close", "finalize", "revise"]), who=PEOPLE)
    def period(self, move, who):
        user = person(who, UNITS[0])
        fn = {"open": lambda: self.wf.open_period(user, YEAR), "close": lambda: self.wf.close_period(user, YEAR),
              "finalize": lambda: self.wf.finalize_period(user, YEAR),
              "revise": lambda: self.wf.revise_period(user, YEAR, "林业局更正湿地面积")}[move]
        self._try(fn)

    @precondition(lambda self: (self.wf.period(YEAR) or {}).get("state") == "finalized")
    @rule(who=PEOPLE)
    def publish(self, who):
        info = self._try(self.wf.publish_period, person(who, UNITS[0]), YEAR)
        if info is not None:
            self.published = {"number": info.number, "observations": self._observations()}

    # --- invariants ------------------------------------------------------------------------------------------
    @invariant()
    def values_change_only_by_approval(self):
        assert self._observations() == self.observations

    @invariant()
    def approver_is_never_submitter(self):
        for s in self.wf.submissions(YEAR):
            assert s["approved_by"] is None or s["approved_by"] != s["submitted_by"]

    @invariant()
    def the_latest_release_is_what_was_published(self):
        if self.published is None:
            return
        release = self.app.release()
        assert release.info.number == self.published["number"]
        frozen = {(r["region"], r["measure"], r["year"]): (r["value"], r["state"], r["revision"])
                  for r in release.table("observations").to_pylist()}
        assert frozen == self.published["observations"]

    @invariant()
    def the_audit_chain_verifies(self):
        with self.app.workspace.store.reading() as con:
            assert audit.verify(con).ok


WorkflowMachine.TestCase.settings = settings(max_examples=6, stateful_step_count=12, deadline=None,
                                            suppress_health_check=[HealthCheck.too_slow])
TestWorkflowMachine = WorkflowMachine.TestCase
