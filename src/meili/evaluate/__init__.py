"""The evaluation engine: status of every measure, the CAGR second opinion, composite scores and rankings.

>>> from meili.evaluate import evaluate, rank, category_summary, county_ranking   # doctest: +SKIP

All functions are pure: a plan, an observations table (pyarrow or Ibis) and a year in, a pyarrow Table out. Each
query is compiled once per process and run with the call's tables on a private DuckDB connection
(:mod:`meili.evaluate.engine`), so the functions are cheap to call repeatedly and safe to call from several threads.
Rules: ``docs/methodology.md`` and :mod:`meili.evaluate.rules`; parameters: ``src/meili/data/methods/*.yaml``.
"""

from meili.evaluate.assignments import Assignment, AssignmentError, load_assignments, validate_assignments
from meili.evaluate.composite import METHODS, measure_scores_expr, rank
from meili.evaluate.errors import EvaluationError, RankingError
from meili.evaluate.params import MethodParamsError, cagr_params, composite_params, status_params
from meili.evaluate.status import (
    COLUMNS,
    STATUSES,
    default_milestone,
    evaluate,
    evaluate_expr,
)
from meili.evaluate.summary import category_summary, county_ranking

__all__ = [
    "COLUMNS",
    "METHODS",
    "STATUSES",
    "Assignment",
    "AssignmentError",
    "EvaluationError",
    "MethodParamsError",
    "RankingError",
    "cagr_params",
    "category_summary",
    "composite_params",
    "county_ranking",
    "default_milestone",
    "evaluate",
    "evaluate_expr",
    "load_assignments",
    "measure_scores_expr",
    "rank",
    "status_params",
    "validate_assignments",
]
