"""``meili periods open|close|finalize|publish|revise|list``: the reporting calendar (docs/workflow.md, "Periods and
submissions"). Each command signs in as ``--as NAME`` (:mod:`meili.cli.users`) and calls
:class:`meili.app.workflow.Workflow`; the policy and the store decide."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import typer

from meili.cli._common import OutputFormat, WorkspaceOption, console, meili_app, write_rows
from meili.cli.users import AsOption, TotpOption, signed_in

app = typer.Typer(rich_markup_mode=None, no_args_is_help=True,
                  help="填报期 / reporting periods: open, close, finalize (定库), publish, revise.")

YearArg = Annotated[int, typer.Argument(help="年度 / the reporting year")]
DateOption = Annotated[str | None, typer.Option(help="日期 / a date, YYYY-MM-DD")]


def _date(text: str | None, name: str) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise typer.BadParameter(f"应为 YYYY-MM-DD / expected YYYY-MM-DD: {text!r}", param_hint=name) from None


def _show(period: dict) -> None:
    closes = f", 截止 / closes {period['closes']}" if period.get("closes") else ""
    release = f", 发布 / release {period['release']}" if period.get("release") else ""
    console.print(f"{period['year']}: {period['state']}{closes}{release}"
                  + (f", 修订 / revision {period['revision']}" if period.get("revision") else ""), highlight=False)


@app.command("open")
def open_(year: YearArg, closes: DateOption = None, opens: DateOption = None,
          plan: Annotated[str | None, typer.Option(help="规划 / plan id (default ganzhou)")] = None,
          as_: AsOption = None, totp: TotpOption = None, workspace: WorkspaceOption = None) -> None:
    """开启填报期 / Open a year's period for entry (a new one, or a closed one again)."""
    m = meili_app(workspace)
    _show(m.workflow.open_period(signed_in(m, as_, totp), year, opens=_date(opens, "--opens"),
                                 closes=_date(closes, "--closes"), plan=plan))


@app.command("close")
def close(year: YearArg, as_: AsOption = None, totp: TotpOption = None, workspace: WorkspaceOption = None) -> None:
    """截止填报 / Close entry (review goes on)."""
    m = meili_app(workspace)
    _show(m.workflow.close_period(signed_in(m, as_, totp), year))


@app.command("finalize")
def finalize(year: YearArg, as_: AsOption = None, totp: TotpOption = None, workspace: WorkspaceOption = None) -> None:
    """定库 / Finalize: lock every value of the year."""
    m = meili_app(workspace)
    _show(m.workflow.finalize_period(signed_in(m, as_, totp), year))


@app.command("publish")
def publish(year: YearArg, note: Annotated[str | None, typer.Option(help="说明 / a note kept with the release")] = None,
            as_: AsOption = None, totp: TotpOption = None, workspace: WorkspaceOption = None) -> None:
    """发布 / Publish a finalized period as the next release (the first line printed is its number)."""
    m = meili_app(workspace)
    info = m.workflow.publish_period(signed_in(m, as_, totp), year, note=note)
    typer.echo(info.number)
    _show(m.workflow.period(year))


@app.command("revise")
def revise(year: YearArg, reason: Annotated[str, typer.Option("--reason", help="修订原因 / why")],
           as_: AsOption = None, totp: TotpOption = None, workspace: WorkspaceOption = None) -> None:
    """修订 / Re-open a published period for a revision (publishing it again makes the next release)."""
    m = meili_app(workspace)
    _show(m.workflow.revise_period(signed_in(m, as_, totp), year, reason))


@app.command("list")
def list_(fmt: Annotated[OutputFormat, typer.Option("--format", "-f", help="输出格式 / output format.")] = OutputFormat.table,
          workspace: WorkspaceOption = None) -> None:
    """列出填报期 / List the periods."""
    rows = meili_app(workspace).workflow.periods().to_pylist()
    write_rows(rows, fmt, title="填报期 / periods",
               columns=["year", "plan", "state", "opens", "closes", "release", "revision", "updated_by"])
