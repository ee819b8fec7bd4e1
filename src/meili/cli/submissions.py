"""``meili submissions …``: a unit's report from a filled template, submit, withdraw, approve, return, unapprove,
queries, check results and the completeness of a period (docs/workflow.md). Each write signs in as ``--as NAME``
(:mod:`meili.cli.users`) and calls :class:`meili.app.workflow.Workflow`; the policy and the store decide."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from meili.cli._common import OutputFormat, WorkspaceOption, console, meili_app, write_rows
from meili.cli.users import AsOption, TotpOption, signed_in

app = typer.Typer(rich_markup_mode=None, no_args_is_help=True,
                  help="报送与审核 / submissions: save, submit, review, queries, status.")
query_app = typer.Typer(rich_markup_mode=None, no_args_is_help=True, help="质询 / queries on a value.")
app.add_typer(query_app, name="query")

YearArg = Annotated[int, typer.Argument(help="年度 / the reporting year")]
UnitArg = Annotated[str, typer.Argument(help="单位代码 / unit code (360722, dept-forestry …)")]
ReasonOption = Annotated[str, typer.Option("--reason", help="原因 / the reason (required)")]


def _show(sub: dict) -> None:
    who = "".join(f", {k} {sub[k]}" for k in ("submitted_by", "approved_by") if sub.get(k))
    console.print(f"{sub['year']} {sub['unit']}: {sub['state']} (版本 / version {sub['version']}){who}"
                  + (f"\n  原因 / reason: {sub['reason']}" if sub.get("reason") else ""), highlight=False)


@app.command("save")
def save(year: YearArg, unit: UnitArg, file: Annotated[Path, typer.Argument(help="填好的模板 / a filled template")],
         version: Annotated[int | None, typer.Option(help="表单版本 / the version the file was made at")] = None,
         as_: AsOption = None, totp: TotpOption = None, workspace: WorkspaceOption = None) -> None:
    """保存 / Save a unit's values from a filled template (meili data template) or a long-format file."""
    m = meili_app(workspace)
    result = m.workflow.save_template(signed_in(m, as_, totp), year, unit, file, version)
    console.print(f"{year} {unit}: 已保存 / saved, 版本 / version {result.version}", highlight=False)
    for f in result.findings:
        mark = "✓" if f.accepted else "⚠"
        console.print(f"  {mark} {f.region} {f.measure} = {f.value}: {f.detail}"
                      + (f" — {f.explanation}" if f.explanation else ""), highlight=False)
    if result.unexplained:
        console.print(f"  {len(result.unexplained)} 项需书面说明后才能提交 / need a written explanation before "
                      "submitting (备注 / note column)", highlight=False)


@app.command("submit")
def submit(year: YearArg, unit: UnitArg, as_: AsOption = None, totp: TotpOption = None,
           workspace: WorkspaceOption = None) -> None:
    """提交 / Submit the unit's values for review (its lead signs them off)."""
    m = meili_app(workspace)
    _show(m.workflow.submit(signed_in(m, as_, totp), year, unit))


@app.command("withdraw")
def withdraw(year: YearArg, unit: UnitArg, as_: AsOption = None, totp: TotpOption = None,
             workspace: WorkspaceOption = None) -> None:
    """撤回 / Withdraw a submission before review."""
    m = meili_app(workspace)
    _show(m.workflow.withdraw(signed_in(m, as_, totp), year, unit))


@app.command("approve")
def approve(year: YearArg, unit: UnitArg, as_: AsOption = None, totp: TotpOption = None,
            workspace: WorkspaceOption = None) -> None:
    """审核通过 / Approve: the values become the current observations (one import)."""
    m = meili_app(workspace)
    result = m.workflow.approve(signed_in(m, as_, totp), year, unit)
    _show(m.workflow.submission(year, unit))
    console.print(result.summary(), highlight=False)


@app.command("return")
def return_(year: YearArg, unit: UnitArg, reason: ReasonOption, as_: AsOption = None, totp: TotpOption = None,
            workspace: WorkspaceOption = None) -> None:
    """退回 / Return a submission to its unit with a reason."""
    m = meili_app(workspace)
    _show(m.workflow.return_submission(signed_in(m, as_, totp), year, unit, reason))


@app.command("unapprove")
def unapprove(year: YearArg, unit: UnitArg, reason: ReasonOption, as_: AsOption = None, totp: TotpOption = None,
              workspace: WorkspaceOption = None) -> None:
    """撤销审核通过 / Take an approval back (before 定库)."""
    m = meili_app(workspace)
    _show(m.workflow.unapprove(signed_in(m, as_, totp), year, unit, reason))


@app.command("show")
def show(year: YearArg, unit: UnitArg,
         fmt: Annotated[OutputFormat, typer.Option("--format", "-f", help="输出格式 / output format.")] = OutputFormat.table,
         as_: AsOption = None, totp: TotpOption = None, workspace: WorkspaceOption = None) -> None:
    """查看报送 / A unit's submission: its state and draft values (reporters and unit leads: their own units)."""
    m = meili_app(workspace)
    detail = m.workflow.submission_detail(signed_in(m, as_, totp), year, unit)
    if fmt == OutputFormat.table:
        _show(detail["submission"])
    write_rows(detail["values"], fmt, title=f"{year} {unit} 草稿数值 / draft values",
               columns=["region", "measure", "value", "state", "missing_reason", "explanation"])


@app.command("status")
def status(year: YearArg, output: Annotated[Path | None, typer.Option(
               "--output", "-o", help="写出 / write to FILE (.xlsx, .csv, .parquet)")] = None,
           fmt: Annotated[OutputFormat, typer.Option("--format", "-f", help="输出格式 / output format.")] = OutputFormat.table,
           as_: AsOption = None, totp: TotpOption = None, workspace: WorkspaceOption = None) -> None:
    """完成情况 / Completeness of a period per unit the user may read: cells, state, queries, days left."""
    m = meili_app(workspace)
    user = signed_in(m, as_, totp)
    if output is not None:
        rows = m.workflow.write_completeness(user, year, output)
        console.print(f"{output}: {rows} 个单位 / units", highlight=False)
        return
    write_rows(m.workflow.completeness_for(user, year).to_pylist(), fmt, title=f"{year} 报送完成情况 / completeness",
               columns=["unit", "unit_name", "state", "expected", "entered", "missing_with_reason", "empty",
                        "open_queries", "days_left"])


@app.command("checks")
def checks(year: YearArg, unit: UnitArg, fmt: Annotated[OutputFormat, typer.Option("--format", "-f", help="输出格式 / output format.")] = OutputFormat.table,
           as_: AsOption = None, totp: TotpOption = None, workspace: WorkspaceOption = None) -> None:
    """校核结果 / The check results stored for a unit, with their explanations."""
    m = meili_app(workspace)
    rows = m.workflow.submission_detail(signed_in(m, as_, totp), year, unit)["checks"]
    write_rows(rows, fmt, title=f"{year} {unit} 校核 / checks",
               columns=["id", "stage", "region", "measure", "rule", "severity", "value", "detail_zh", "explanation",
                        "accepted"])


@query_app.command("raise")
def query_raise(year: YearArg, unit: UnitArg,
                region: Annotated[str, typer.Argument(help="区域 / region code or name")],
                measure: Annotated[str, typer.Argument(help="测度 / measure id, e.g. 16.1")],
                question: Annotated[str, typer.Argument(help="问题 / the question to the unit")], as_: AsOption = None,
                totp: TotpOption = None, workspace: WorkspaceOption = None) -> None:
    """提出质询 / Raise a question on a value of a submitted report."""
    m = meili_app(workspace)
    q = m.workflow.raise_query(signed_in(m, as_, totp), year, unit, region, measure, question)
    typer.echo(q["id"])


@query_app.command("answer")
def query_answer(query_id: Annotated[int, typer.Argument(help="质询编号 / query id")],
                 answer: Annotated[str, typer.Argument(help="答复 / the answer")], as_: AsOption = None, totp: TotpOption = None,
                 workspace: WorkspaceOption = None) -> None:
    """答复质询 / Answer a query (the unit's reporter or lead)."""
    m = meili_app(workspace)
    q = m.workflow.answer_query(signed_in(m, as_, totp), query_id, answer)
    console.print(f"#{q['id']}: {q['state']}", highlight=False)


@query_app.command("close")
def query_close(query_id: Annotated[int, typer.Argument(help="质询编号 / query id")], as_: AsOption = None, totp: TotpOption = None,
                workspace: WorkspaceOption = None) -> None:
    """关闭质询 / Close a query (the reviewer)."""
    m = meili_app(workspace)
    q = m.workflow.close_query(signed_in(m, as_, totp), query_id)
    console.print(f"#{q['id']}: {q['state']}", highlight=False)


@query_app.command("list")
def query_list(year: YearArg, unit: Annotated[str | None, typer.Argument(help="报送单位 / reporting unit (default: all)")] = None,
               fmt: Annotated[OutputFormat, typer.Option("--format", "-f", help="输出格式 / output format.")] = OutputFormat.table,
               as_: AsOption = None, totp: TotpOption = None, workspace: WorkspaceOption = None) -> None:
    """列出质询 / List the queries of a year (or of one unit) the user may read."""
    m = meili_app(workspace)
    rows = m.workflow.queries_for(signed_in(m, as_, totp), year, unit)
    write_rows(rows, fmt, title=f"{year} 质询 / queries",
               columns=["id", "unit", "region", "measure", "state", "question", "raised_by", "answer", "answered_by"])
