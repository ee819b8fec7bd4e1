"""The policy matrix: every role × action × own/other unit × submission state × period state, asserted.

The expected matrix is built from :data:`SPEC` below — a small table written for people, read by this test — never
by calling :func:`authorize`; then the whole matrix of :func:`authorize` is compared with it, cell by cell.
"""

from __future__ import annotations

import itertools

import pytest

from meili.app.policy import (
    Action,
    ConflictingRoles,
    Forbidden,
    PeriodState,
    Role,
    SubmissionState,
    User,
    allowed,
    authorize,
    check_roles,
)

# who          action             whose unit  submission states    period states
# (unit: own = a unit the user is granted; other = any other unit; any; - = no unit involved; "*" = any state)
SPEC = """
reporter       save_values        own         draft,returned       open
unit_lead      submit             own         draft,returned       open
unit_lead      withdraw           own         submitted            open
reviewer       approve            other       submitted            open,closed
reviewer       return_submission  other       submitted            open,closed
reviewer       unapprove          other       approved             open,closed
reviewer       raise_query        other       submitted            open,closed
reporter       answer_query       own         submitted,returned   open,closed
unit_lead      answer_query       own         submitted,returned   open,closed
reviewer       open_period        -           *                    planned,closed
publisher      open_period        -           *                    planned,closed
reviewer       close_period       -           *                    open
publisher      close_period       -           *                    open
publisher      finalize_period    -           *                    closed
publisher      publish            -           *                    finalized,published
user_admin     manage_users       -           *                    *
auditor        read_audit         -           *                    *
reporter       read_submissions   own         *                    *
unit_lead      read_submissions   own         *                    *
reviewer       read_submissions   any         *                    *
publisher      read_submissions   any         *                    *
auditor        read_submissions   any         *                    *
"""

OWN, OTHER = "360702", "360703"
WHOSE = ("own", "other")


def expected_matrix() -> dict[tuple, bool]:
    rules = [line.split() for line in SPEC.strip().splitlines()]
    expected = {}
    for role, action, whose, sub, period in itertools.product(
            Role, Action, WHOSE, SubmissionState, PeriodState):
        ok = False
        for r, a, unit, subs, periods in rules:
            if (r, a) != (role, action):
                continue
            ok = ((unit in ("-", "any") or unit == whose)
                  and (subs == "*" or sub in subs.split(","))
                  and (periods == "*" or period in periods.split(",")))
        expected[(role, action, whose, sub, period)] = ok
    return expected


def actual_matrix() -> dict[tuple, bool]:
    actual = {}
    for role, action, whose, sub, period in itertools.product(
            Role, Action, WHOSE, SubmissionState, PeriodState):
        user = User(f"u-{role}", frozenset({role}), frozenset({OWN}))
        actual[(role, action, whose, sub, period)] = allowed(
            user, action, unit=OWN if whose == "own" else OTHER, submission_state=sub, period_state=period)
    return actual


def test_every_cell_of_the_matrix():
    expected, actual = expected_matrix(), actual_matrix()
    assert len(actual) == len(Role) * len(Action) * 2 * len(SubmissionState) * len(PeriodState) == 4200
    wrong = [(k, expected[k], actual[k]) for k in expected if expected[k] != actual[k]]
    assert not wrong, f"{len(wrong)} cells differ, e.g. {wrong[:5]}"
    assert sum(expected.values()) > 100  # the spec allows something


def test_public_and_no_user_may_do_nothing():
    for action in Action:
        assert not allowed(User("p", frozenset({Role.public})), action, unit=OWN, submission_state="draft",
                           period_state="open")
        assert not allowed(None, action, unit=OWN, submission_state="draft", period_state="open")


def test_inactive_user_is_refused_everything():
    u = User("gone", frozenset({Role.reporter}), frozenset({OWN}), active=False)
    with pytest.raises(Forbidden, match=r"停用.*disabled"):
        authorize(u, Action.save_values, unit=OWN, submission_state="draft", period_state="open")


def test_refusal_names_user_action_and_why_in_both_languages():
    u = User("li", frozenset({Role.reviewer}), frozenset({OWN}))
    with pytest.raises(Forbidden) as e:
        authorize(u, Action.approve, unit=OWN, submission_state="submitted", period_state="open")
    text = str(e.value)
    assert "li 不能审核通过" in text and "li may not approve" in text
    assert "own unit" in text and e.value.kind == "forbidden" and e.value.to_dict()["error"] == "forbidden"
    with pytest.raises(Forbidden, match="the submission is draft; needs submitted"):
        authorize(u, Action.approve, unit=OTHER, submission_state="draft", period_state="open")
    with pytest.raises(Forbidden, match="the period is finalized; needs closed, open"):
        authorize(u, Action.approve, unit=OTHER, submission_state="submitted", period_state="finalized")
    with pytest.raises(Forbidden, match="needs the role publisher"):
        authorize(u, Action.publish, period_state="finalized")


def test_missing_unit_or_period_is_refused():
    u = User("a", frozenset({Role.reporter}), frozenset({OWN}))
    with pytest.raises(Forbidden, match="no unit named"):
        authorize(u, Action.save_values, submission_state="draft", period_state="open")
    with pytest.raises(Forbidden, match="no such period"):
        authorize(u, Action.save_values, unit=OWN, submission_state="draft")
    # no submission yet is a draft
    authorize(u, Action.save_values, unit=OWN, period_state="open")


def test_grants_scope_each_role_to_its_own_units():
    # reporter for A, unit lead for B: may save A's values but not submit A
    u = User("mix", frozenset({Role.reporter, Role.unit_lead}), frozenset({"A", "B"}),
             grants=frozenset({(Role.reporter, "A"), (Role.unit_lead, "B")}))
    assert allowed(u, Action.save_values, unit="A", submission_state="draft", period_state="open")
    assert not allowed(u, Action.save_values, unit="B", submission_state="draft", period_state="open")
    assert allowed(u, Action.submit, unit="B", submission_state="draft", period_state="open")
    assert not allowed(u, Action.submit, unit="A", submission_state="draft", period_state="open")


def test_reviewer_and_publisher_together():
    u = User("boss", frozenset({Role.reviewer, Role.publisher}), frozenset({"city-bureau"}))
    assert allowed(u, Action.approve, unit=OWN, submission_state="submitted", period_state="closed")
    assert allowed(u, Action.finalize_period, period_state="closed")
    assert not allowed(u, Action.approve, unit="city-bureau", submission_state="submitted", period_state="open")


@pytest.mark.parametrize("roles, why", [
    ({"reviewer", "reporter"}, "the unit that submits never approves"),
    ({"reviewer", "unit_lead"}, "the unit that submits never approves"),
    ({"user_admin", "reporter"}, "never changes values"),
    ({"user_admin", "publisher"}, "never changes values"),
    ({"user_admin", "reviewer"}, "never changes values"),
    ({"auditor", "reviewer"}, "the auditor only reads"),
    ({"auditor", "user_admin"}, "the auditor only reads"),
])
def test_conflicting_roles_are_refused(roles, why):
    with pytest.raises(ConflictingRoles, match=why) as e:
        check_roles(roles, user="x")
    assert "不能同时担任" in str(e.value)


@pytest.mark.parametrize("roles", [{"reporter", "unit_lead"}, {"reviewer", "publisher"}, {"auditor", "public"},
                                   {"user_admin"}, {"publisher"}])
def test_compatible_roles_pass(roles):
    check_roles(roles)


def test_unit_roles_need_a_unit_and_others_take_none():
    with pytest.raises(ConflictingRoles, match="needs a unit"):
        check_roles({"reporter"}, [("reporter", None)])
    with pytest.raises(ConflictingRoles, match="not granted per unit"):
        check_roles({"auditor"}, [("auditor", "360702")])
    check_roles({"reviewer"}, [("reviewer", "city-bureau")])
