"""``meili audit verify|export``: the hash-chained audit log, for an auditor (sign-in as in ``meili users``)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from meili.cli._common import WorkspaceOption, console, err_console, meili_app
from meili.cli.users import AsOption, TotpOption, signed_in

app = typer.Typer(rich_markup_mode=None, help="审计日志 / the audit log.", no_args_is_help=True)


@app.command("verify")
def verify(
    workspace: WorkspaceOption = None,
    as_: AsOption = None,
    totp: TotpOption = None,
) -> None:
    """校验审计日志 / Check the audit chain and the audited value rows: exit 0 when intact, 1 and the first broken
    row otherwise."""
    from meili.app.audit import verify_audit

    app_ = meili_app(workspace)
    result = verify_audit(app_.workspace, signed_in(app_, as_, totp))
    if result.ok:
        console.print(f"审计日志完好 / audit log intact: {result.rows} 行 rows; head {result.head or '—'}",
                      highlight=False)
        return
    row = result.broken_row or {}
    err_console.print(f"审计日志已损坏 / audit log broken: 第 {result.first_broken_seq} 行 / row "
                      f"{result.first_broken_seq}\n{result.reason.render('both')}", highlight=False, markup=False)
    if row:
        shown = {k: row.get(k) for k in ("seq", "at", "actor", "action", "target", "result", "hash")}
        err_console.print("  " + "  ".join(f"{k}={v}" for k, v in shown.items()), highlight=False, markup=False)
    raise typer.Exit(1)


@app.command("export")
def export(
    output: Annotated[Path, typer.Option("--output", "-o", help="输出文件 / output file: .jsonl, .csv, .xlsx, .parquet.")],
    workspace: WorkspaceOption = None,
    as_: AsOption = None,
    totp: TotpOption = None,
) -> None:
    """导出审计日志 / Export the whole audit log."""
    from meili.app.audit import export_audit

    app_ = meili_app(workspace)
    n = export_audit(app_.workspace, output, signed_in(app_, as_, totp))
    console.print(f"已导出 / exported {n} 行 rows → {output}", highlight=False)
