"""The one authorization policy: who may do what, to which unit's submission, in which state.

Every write path — the CLI and the web alike — calls :func:`authorize` before it changes anything; a refusal is a
:class:`Forbidden` error (kind ``forbidden``) naming the user, the action and why, in Chinese and English. The
rules are one table (:data:`RULES`): for each :class:`Action`, the roles that may do it, whose unit it may touch
(``own``: a unit the user is granted; ``other``: any unit but those; ``any``; ``none``: no unit involved), and the
submission and period states it needs. docs/workflow.md ("Policy matrix") prints the same table.

Roles a person may not hold together are refused when they are granted (:func:`check_roles`): the unit that
submits never approves (``reviewer`` with ``reporter``/``unit_lead``), the user administrator never changes values
(``user_admin`` with any role that does), the auditor only reads (``auditor`` with anything but ``public``).

>>> alice = User("alice", frozenset({Role.reporter}), frozenset({"360702"}))
>>> authorize(alice, Action.save_values, unit="360702", submission_state="draft", period_state="open")
>>> authorize(alice, Action.save_values, unit="360703", submission_state="draft", period_state="open")
Traceback (most recent call last):
...
meili.app.policy.Forbidden: 无权限 / forbidden: alice 不能保存数值：只能为本单位（360702）操作，360703 不是 / alice may not save values: acts only for its own units (360702), not 360703
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum

from meili.errors import MeiliError, Problem, RequestError, Text

__all__ = ["RULES", "Action", "ConflictingRoles", "Forbidden", "PeriodState", "Role", "Rule", "SubmissionState",
           "User", "allowed", "authorize", "check_roles"]


class Role(StrEnum):
    reporter = "reporter"      # 填报员: enters its units' values
    unit_lead = "unit_lead"    # 单位负责人: signs off (submits) its unit's report, answers queries
    reviewer = "reviewer"      # 市级审核员: approves or returns other units' submissions, raises queries
    publisher = "publisher"    # 发布员: finalizes (定库) periods and publishes releases
    user_admin = "user_admin"  # 用户管理员: manages accounts, nothing else
    auditor = "auditor"        # 审计员: reads the audit log
    public = "public"          # 公众: reads the published portal; no write at all


class Action(StrEnum):
    save_values = "save_values"
    submit = "submit"
    withdraw = "withdraw"
    approve = "approve"
    return_submission = "return_submission"
    unapprove = "unapprove"
    raise_query = "raise_query"
    answer_query = "answer_query"
    open_period = "open_period"
    close_period = "close_period"
    finalize_period = "finalize_period"
    publish = "publish"
    manage_users = "manage_users"
    read_audit = "read_audit"
    read_submissions = "read_submissions"


class PeriodState(StrEnum):
    planned = "planned"
    open = "open"
    closed = "closed"
    finalized = "finalized"  # 定库
    published = "published"


class SubmissionState(StrEnum):
    draft = "draft"
    submitted = "submitted"
    returned = "returned"
    approved = "approved"


#: Roles scoped to the units they are granted for (a grant of these names a unit).
UNIT_ROLES = frozenset({Role.reporter, Role.unit_lead})
#: Roles that change values or what the public sees (refused together with ``user_admin``).
VALUE_ROLES = frozenset({Role.reporter, Role.unit_lead, Role.reviewer, Role.publisher})

ROLE_TEXT: dict[Role, Text] = {
    Role.reporter: Text("填报员", "reporter"), Role.unit_lead: Text("单位负责人", "unit lead"),
    Role.reviewer: Text("市级审核员", "city reviewer"), Role.publisher: Text("发布员", "publisher"),
    Role.user_admin: Text("用户管理员", "user administrator"), Role.auditor: Text("审计员", "auditor"),
    Role.public: Text("公众", "public"),
}
ACTION_TEXT: dict[Action, Text] = {
    Action.save_values: Text("保存数值", "save values"), Action.submit: Text("提交", "submit"),
    Action.withdraw: Text("撤回提交", "withdraw a submission"), Action.approve: Text("审核通过", "approve"),
    Action.return_submission: Text("退回", "return a submission"),
    Action.unapprove: Text("撤销审核通过", "unapprove"), Action.raise_query: Text("提出质询", "raise a query"),
    Action.answer_query: Text("答复质询", "answer a query"), Action.open_period: Text("开启填报期", "open a period"),
    Action.close_period: Text("关闭填报期", "close a period"),
    Action.finalize_period: Text("定库", "finalize a period"), Action.publish: Text("发布", "publish"),
    Action.manage_users: Text("管理用户", "manage users"), Action.read_audit: Text("查阅审计日志", "read the audit log"),
    Action.read_submissions: Text("查看报送", "read submissions"),
}


@dataclass(frozen=True)
class User:
    """A signed-in person as the policy sees it. ``units``: the unit codes the user acts for (every unit of its
    grants); ``grants``: the (role, unit) pairs, unit None for a role without a unit — when empty (a user built
    by hand, in a test), every role in ``roles`` is taken to hold every unit in ``units``."""

    name: str
    roles: frozenset[Role] = frozenset()
    units: frozenset[str] = frozenset()
    admin: bool = False
    active: bool = True
    totp_enabled: bool = False
    grants: frozenset[tuple[Role, str | None]] = field(default=frozenset(), compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "roles", frozenset(Role(r) for r in self.roles))
        object.__setattr__(self, "units", frozenset(self.units))

    def units_for(self, role: Role) -> frozenset[str]:
        """The units this user holds ``role`` for."""
        if not self.grants:
            return self.units if role in self.roles else frozenset()
        return frozenset(u for r, u in self.grants if r == role and u is not None)


@dataclass(frozen=True)
class Rule:
    """Who may do an action: ``roles``; ``scope`` of the unit (``own`` | ``other`` | ``any`` | ``none``); the
    submission states and period states it needs (None: not a condition)."""

    roles: frozenset[Role]
    scope: str
    submission: frozenset[SubmissionState] | None = None
    period: frozenset[PeriodState] | None = None


def _rule(roles, scope, submission=None, period=None) -> Rule:
    return Rule(frozenset(roles), scope, None if submission is None else frozenset(submission),
                None if period is None else frozenset(period))


S, P, R = SubmissionState, PeriodState, Role
_REVIEWABLE = (P.open, P.closed)  # review goes on after the period closes for entry, until 定库

#: The policy. docs/workflow.md prints it; tests/app/test_policy.py checks every cell against its own spec.
RULES: dict[Action, Rule] = {
    Action.save_values: _rule({R.reporter}, "own", {S.draft, S.returned}, {P.open}),
    Action.submit: _rule({R.unit_lead}, "own", {S.draft, S.returned}, {P.open}),
    Action.withdraw: _rule({R.unit_lead}, "own", {S.submitted}, {P.open}),
    Action.approve: _rule({R.reviewer}, "other", {S.submitted}, _REVIEWABLE),
    Action.return_submission: _rule({R.reviewer}, "other", {S.submitted}, _REVIEWABLE),
    Action.unapprove: _rule({R.reviewer}, "other", {S.approved}, _REVIEWABLE),
    Action.raise_query: _rule({R.reviewer}, "other", {S.submitted}, _REVIEWABLE),
    Action.answer_query: _rule({R.reporter, R.unit_lead}, "own", {S.submitted, S.returned}, _REVIEWABLE),
    Action.open_period: _rule({R.reviewer, R.publisher}, "none", None, {P.planned, P.closed}),
    Action.close_period: _rule({R.reviewer, R.publisher}, "none", None, {P.open}),
    Action.finalize_period: _rule({R.publisher}, "none", None, {P.closed}),
    Action.publish: _rule({R.publisher}, "none", None, {P.finalized, P.published}),
    Action.manage_users: _rule({R.user_admin}, "none"),
    Action.read_audit: _rule({R.auditor}, "none"),
    Action.read_submissions: _rule({R.reporter, R.unit_lead, R.reviewer, R.publisher, R.auditor}, "any"),
}
#: read_submissions: reporters and unit leads see their own units only; the city roles and the auditor see all.
_READ_OWN_ONLY = frozenset({R.reporter, R.unit_lead})


class Forbidden(MeiliError):
    """An action the policy refuses to this user (HTTP 403; CLI exit 1)."""

    kind = "forbidden"

    def __init__(self, *problems, user: str | None = None, action: str | None = None, **kw):
        self.user, self.action = user, action
        super().__init__(*problems, **kw)


class ConflictingRoles(RequestError):
    """Roles one person may not hold together, or a grant that lacks (or should not have) a unit."""

    kind = "conflicting_roles"


def _states(states: Iterable[str]) -> str:
    return ", ".join(sorted(str(s) for s in states))


def _refuse(user: User | None, action: Action, zh: str, en: str) -> Forbidden:
    name = user.name if user is not None else "—"
    a = ACTION_TEXT[action]
    return Forbidden(Problem("forbidden", detail=Text(f"{name} 不能{a.zh}：{zh}",
                                                                   f"{name} may not {a.en}: {en}")),
                     user=name, action=str(action))


def authorize(user: User | None, action: Action | str, *, unit: str | None = None,
              submission_state: str | None = None, period_state: str | None = None) -> None:
    """Return if ``user`` may do ``action`` to ``unit``'s submission (in ``submission_state``) in a period in
    ``period_state``; else raise :class:`Forbidden` saying why.

    ``submission_state`` None for an action that needs one is read as ``draft`` (no submission yet: the unit's
    report is being prepared). ``period_state`` None for an action that needs one is refused (no such period).
    """
    action = Action(action)
    rule = RULES[action]
    if user is None:
        raise _refuse(user, action, "未登录", "not signed in")
    if not user.active:
        raise _refuse(user, action, "账户已停用", "the account is disabled")
    holding = rule.roles & user.roles
    if not holding:
        need = " / ".join(sorted(ROLE_TEXT[r].zh for r in rule.roles))
        need_en = ", ".join(sorted(ROLE_TEXT[r].en for r in rule.roles))
        raise _refuse(user, action, f"需要角色 {need}", f"needs the role {need_en}")
    if rule.scope != "none":
        if unit is None:
            raise _refuse(user, action, "未指明单位", "no unit named")
        if rule.scope == "own" or (action == Action.read_submissions and holding <= _READ_OWN_ONLY):
            own = frozenset().union(*(user.units_for(r) for r in holding))
            if unit not in own:
                mine = ", ".join(sorted(own)) or "—"
                raise _refuse(user, action, f"只能为本单位（{mine}）操作，{unit} 不是",
                              f"acts only for its own units ({mine}), not {unit}")
        elif rule.scope == "other" and unit in user.units:
            raise _refuse(user, action, f"{unit} 是本人所在单位，本单位的报送不能由本人审核",
                          f"{unit} is the user's own unit: a unit's submission is never reviewed by its own people")
    if rule.submission is not None:
        state = SubmissionState(submission_state or SubmissionState.draft)
        if state not in rule.submission:
            raise _refuse(user, action, f"报送状态为 {state}，需要 {_states(rule.submission)}",
                          f"the submission is {state}; needs {_states(rule.submission)}")
    if rule.period is not None:
        if period_state is None:
            raise _refuse(user, action, "没有该填报期", "no such period")
        state = PeriodState(period_state)
        if state not in rule.period:
            raise _refuse(user, action, f"填报期状态为 {state}，需要 {_states(rule.period)}",
                          f"the period is {state}; needs {_states(rule.period)}")


def allowed(user: User | None, action: Action | str, **kw) -> bool:
    """Whether :func:`authorize` lets it through (for a page that hides a button; the write still calls
    :func:`authorize`)."""
    try:
        authorize(user, action, **kw)
    except Forbidden:
        return False
    return True


#: Pairs of roles one person may not hold, with why (checked at grant time).
CONFLICTS: list[tuple[frozenset[Role], frozenset[Role], Text]] = [
    (frozenset({R.reviewer}), UNIT_ROLES,
     Text("报送单位的人员不能审核（审核员不得兼任填报员或单位负责人）",
          "the unit that submits never approves (a reviewer may not also report or sign off)")),
    (frozenset({R.user_admin}), VALUE_ROLES,
     Text("用户管理员不能修改数值或发布", "the user administrator never changes values or publishes")),
    (frozenset({R.auditor}), frozenset(Role) - {R.auditor, R.public},
     Text("审计员只能查阅", "the auditor only reads")),
]


def check_roles(roles: Iterable[Role | str], grants: Iterable[tuple[Role | str, str | None]] = (),
                user: str | None = None) -> None:
    """Refuse roles one person may not hold together (:data:`CONFLICTS`), naming both and why.

    ``roles``: every role the person would hold after the change. ``grants``: the (role, unit) pairs being
    granted — a reporter or unit lead needs a unit; the other roles take none (a reviewer may name its own unit,
    which it then never reviews)."""
    held = frozenset(Role(r) for r in roles)
    problems = []
    for one, others, why in CONFLICTS:
        if one & held and (others & held) - one:
            pair = sorted(one & held) + sorted((others & held) - one)
            problems.append(Problem("conflicting_roles", value=user, expected=why.render("both"), detail=Text(
                f"不能同时担任 {'、'.join(ROLE_TEXT[r].zh for r in pair)}",
                f"cannot hold {' and '.join(ROLE_TEXT[r].en for r in pair)} together")))
    for role, unit in grants:
        role = Role(role)
        if role in UNIT_ROLES and not unit:
            problems.append(Problem("conflicting_roles", value=user, detail=Text(
                f"{ROLE_TEXT[role].zh} 必须指定单位", f"a {ROLE_TEXT[role].en} needs a unit")))
        if unit and role not in UNIT_ROLES | {R.reviewer}:
            problems.append(Problem("conflicting_roles", value=user, detail=Text(
                f"{ROLE_TEXT[role].zh} 不按单位授权（{unit}）", f"a {ROLE_TEXT[role].en} is not granted per unit ({unit})")))
    if problems:
        raise ConflictingRoles(*problems)
