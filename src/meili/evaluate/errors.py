"""The evaluation's errors: part of Meili's one error model (:class:`meili.errors.MeiliError`).

``ValueError`` stays a second base so that code written against the earlier classes keeps working.
"""

from __future__ import annotations

from meili.errors import MeiliError


class EvaluationError(MeiliError, ValueError):
    """Inputs the evaluation cannot use (a missing column, a target without a reading, a year that is no
    milestone)."""

    kind = "evaluation"


class RankingError(MeiliError, ValueError):
    """A ranking that cannot be computed (unknown method, no region to compare)."""

    kind = "ranking"
