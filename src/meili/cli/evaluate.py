"""``meili evaluate`` and ``meili rank``: thin wrappers over :mod:`meili.evaluate`."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from meili.cli._common import OutputFormat, WorkspaceOption, user_errors, write_rows

if TYPE_CHECKING:  # the evaluation engine and the store (Ibis, DuckDB) load when a command runs, not at start-up
    import pyarrow as pa

#: The ranking methods, for --help (``meili.evaluate.composite.METHODS``; a test checks they agree).
RANK_METHODS = ("efficacy", "progress")

#: Columns of ``meili evaluate`` in csv/json (every explaining input), and the shorter set shown as a table.
EVALUATE_COLUMNS = (
    "region", "measure", "year", "milestone", "value", "value_year", "target", "status", "progress",
    "expected_progress", "required_annual_change", "projection", "cagr_ratio", "cagr_status", "rule", "target_kind",
    "target_value", "baseline", "baseline_year", "baseline_source", "previous_value", "previous_year",
    "projection_points", "projection_meets_target", "tolerance", "cagr_method", "assigned_by", "document", "note",
)
TABLE_COLUMNS = ("region", "measure", "milestone", "status", "value", "value_year", "target", "baseline",
                 "progress", "expected_progress", "required_annual_change", "projection", "cagr_status", "rule")


def _observations(plan_id: str, observations: Path | None, workspace: Path | None) -> pa.Table:
    """The observations to evaluate: a file checked exactly as ``meili data import`` checks it (nothing is
    written), or the workspace's current values."""
    from meili.plan import load_plan
    from meili.store import open_workspace

    if observations is not None:
        from meili.ingest.observations import check_files

        clean, _files, _skipped = check_files([observations], plans={plan_id: load_plan(plan_id)})
        return clean
    return open_workspace(workspace).current_observations(plan=plan_id)


def _regions(keys: list[str] | None) -> list[str] | None:
    from meili.plan import load_regions

    return [load_regions().resolve(k) for k in keys] if keys else None


def _display(rows: list[dict], digits: int = 3) -> list[dict]:
    return [{k: round(v, digits) if isinstance(v, float) else v for k, v in r.items()} for r in rows]


def _errors() -> tuple[type[Exception], ...]:
    from meili.evaluate import AssignmentError, EvaluationError, MethodParamsError
    from meili.evaluate.composite import RankingError
    from meili.ingest.issues import ObservationError
    from meili.plan import PlanError, UnknownRegionError
    from meili.store import StoreError

    return (PlanError, EvaluationError, AssignmentError, MethodParamsError, RankingError, UnknownRegionError,
            ObservationError, StoreError)

PlanOpt = Annotated[str, typer.Option("--plan", "-p", help="规划 / plan id or plan file.")]
YearOpt = Annotated[int, typer.Option("--year", "-y", help="评估年份 / evaluation year (observations up to it).")]
RegionOpt = Annotated[list[str] | None, typer.Option("--region", "-r",
                                                     help="区域 / region code or name (repeatable; default: all).")]
ObsOpt = Annotated[Path | None, typer.Option("--observations", exists=True, dir_okay=False,
                                             help="观测数据文件 / observations file (CSV, Excel or Parquet, checked as "
                                                  "`meili data import` checks it) instead of the workspace.")]
AssignOpt = Annotated[Path | None, typer.Option("--assignments", "-a", exists=True, dir_okay=False,
                                                help="下达目标文件 / YAML file of assigned delegated targets.")]
FormatOpt = Annotated[OutputFormat, typer.Option("--format", "-f", help="输出格式 / output format.")]


def evaluate(
    plan: PlanOpt = "ganzhou",
    year: YearOpt = ...,  # type: ignore[assignment]
    region: RegionOpt = None,
    milestone: Annotated[str | None, typer.Option(
        "--milestone", "-m", help="目标年 / milestone year, or 'all' (default: the next milestone).")] = None,
    observations: ObsOpt = None,
    assignments: AssignOpt = None,
    fmt: FormatOpt = OutputFormat.table,
    workspace: WorkspaceOption = None,
) -> None:
    """评估 / Status of every measure: achieved, on_track, lagging, regressing, no_data, target_pending…"""
    from meili.evaluate import evaluate as _evaluate
    from meili.evaluate import load_assignments
    from meili.evaluate.status import STATUS_LABELS
    from meili.plan import load_plan

    with user_errors(*_errors()):
        p = load_plan(plan)
        ms = None if milestone is None else (milestone if milestone == "all" else _int(milestone))
        assigned = load_assignments(assignments, p) if assignments else []
        t = _evaluate(p, _observations(p.id, observations, workspace), year, milestone=ms,
                      regions=_regions(region), assignments=assigned)
    rows = t.to_pylist()
    if fmt == OutputFormat.table:
        for r in rows:
            r["status"] = STATUS_LABELS.get(r["status"], r["status"])
        write_rows(_display(rows), fmt, title=f"{p.title} — 评估 / evaluation {year}", columns=TABLE_COLUMNS)
    else:
        write_rows(rows, fmt, columns=EVALUATE_COLUMNS)


def _int(text: str) -> int:
    from meili.evaluate import EvaluationError

    try:
        return int(text)
    except ValueError:
        raise EvaluationError(f"目标年须为年份或 all / milestone must be a year or 'all', not {text!r}") from None


def rank(
    plan: PlanOpt = "ganzhou",
    year: YearOpt = ...,  # type: ignore[assignment]
    method: Annotated[str, typer.Option(
        "--method", help=f"方法 / method: {' | '.join(RANK_METHODS)} (功效系数法 | 进展).")] = "efficacy",
    region: RegionOpt = None,
    previous_year: Annotated[int | None, typer.Option(
        "--previous-year", help="排名变化对比年 / year the rank change is measured from (default: year − 1).")] = None,
    observations: ObsOpt = None,
    assignments: AssignOpt = None,
    fmt: FormatOpt = OutputFormat.table,
    workspace: WorkspaceOption = None,
) -> None:
    """排名 / Composite score and rank of regions (default: the plan region's counties), per category and overall."""
    from meili.evaluate import load_assignments
    from meili.evaluate.composite import rank as _rank
    from meili.plan import load_plan

    with user_errors(*_errors()):
        p = load_plan(plan)
        assigned = load_assignments(assignments, p) if assignments else []
        t = _rank(p, _observations(p.id, observations, workspace), year, method=method,  # type: ignore[arg-type]
                  regions=_regions(region), assignments=assigned, previous_year=previous_year)
    rows = t.to_pylist()
    if fmt == OutputFormat.table:
        for r in rows:
            r["loo"] = f"{r['loo_changes']}/{r['loo_measures']}"
        cols = ["rank", "region", "region_name", "score", "rank_change", "missing", "loo",
                *[c for c in t.column_names if c.startswith("score_")]]
        write_rows(rows, fmt, title=f"{p.title} — 排名 / ranking {year} ({method}); loo = 去一法排名变化 / "
                   "leave-one-out rank changes", columns=cols)
    else:
        write_rows(rows, fmt, title=f"{p.title} — 排名 / ranking {year} ({method})")
