"""``meili evaluate`` and ``meili rank``: parse, call :meth:`meili.app.Meili.evaluate` / ``rank``, print."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from meili.app.choices import RANK_METHODS, RankMethod
from meili.cli._common import OutputFormat, WorkspaceOption, column_labels, for_display, meili_app, write_rows

#: Columns of ``meili evaluate`` in csv/json (every explaining input), and the shorter set shown as a table.
EVALUATE_COLUMNS = (
    "region", "measure", "year", "milestone", "value", "value_year", "target", "status", "progress",
    "expected_progress", "required_annual_change", "projection", "cagr_ratio", "cagr_status", "rule", "target_kind",
    "target_value", "baseline", "baseline_year", "baseline_source", "previous_value", "previous_year",
    "projection_points", "projection_meets_target", "tolerance", "cagr_method", "assigned_by", "document", "note",
)
TABLE_COLUMNS = ("region", "region_name", "measure", "milestone", "status", "value", "value_year", "target", "baseline",
                 "progress", "expected_progress", "required_annual_change", "projection", "cagr_status", "rule")


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
    from meili.i18n import label

    app = meili_app(workspace)
    t = app.evaluate(plan, year, milestone=milestone, regions=region, observations=observations,
                     assignments=assignments)
    rows = t.to_pylist()
    if fmt == OutputFormat.table:
        for r in rows:
            r["status"] = label("status", r["status"])
        write_rows(for_display(rows, app), fmt, title=f"{app.plan(plan).title} — 评估 / evaluation {year}",
                   columns=TABLE_COLUMNS, headers=column_labels())
    else:
        write_rows(rows, fmt, columns=EVALUATE_COLUMNS)


def rank(
    plan: PlanOpt = "ganzhou",
    year: YearOpt = ...,  # type: ignore[assignment]
    method: Annotated[RankMethod, typer.Option(
        "--method", help=f"方法 / method ({' | '.join(RANK_METHODS)}): efficacy = 功效系数法, progress = 进展.")] = RankMethod.efficacy,
    region: RegionOpt = None,
    previous_year: Annotated[int | None, typer.Option(
        "--previous-year", help="排名变化对比年 / year the rank change is measured from (default: year − 1).")] = None,
    observations: ObsOpt = None,
    assignments: AssignOpt = None,
    fmt: FormatOpt = OutputFormat.table,
    workspace: WorkspaceOption = None,
) -> None:
    """排名 / Composite score and rank of regions (default: the plan region's counties), per category and overall."""
    app = meili_app(workspace)
    t = app.rank(plan, year, method=method.value, regions=region, previous_year=previous_year, observations=observations,
                 assignments=assignments)
    rows = t.to_pylist()
    title = f"{app.plan(plan).title} — 排名 / ranking {year} ({method.value})"
    if fmt == OutputFormat.table:
        for r in rows:
            r["loo"] = f"{r['loo_changes']}/{r['loo_measures']}"
        cols = ["rank", "region", "region_name", "score", "rank_change", "missing", "loo",
                *[c for c in t.column_names if c.startswith("score_")]]
        write_rows(for_display(rows), fmt, title=f"{title}; loo = 去一法排名变化 / leave-one-out rank changes",
                   columns=cols, headers=column_labels())
    else:
        write_rows(rows, fmt, title=title)
