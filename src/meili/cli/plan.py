"""``meili plan``: list, show, validate and export plans."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from meili.cli._common import OutputFormat, console, meili_app, write_rows

# The plan model (pydantic) loads when a command runs, not at the CLI's start-up.

app = typer.Typer(rich_markup_mode=None, help="规划 / plans: list, show, validate, export.", no_args_is_help=True)


@app.command("list")
def list_plans() -> None:
    """列出内置规划 / List the built-in plans."""
    rows = []
    for p in meili_app().builtin_plans():
        rows.append({"id": p.id, "title": p.title, "level": p.level, "region": p.region, "parent": p.parent or "",
                     "milestones": ", ".join(map(str, p.milestones)), "measures": len(p.measures)})
    write_rows(rows, OutputFormat.table, title="规划 / Plans")


@app.command("show")
def show(
    plan: Annotated[str, typer.Argument(help="Plan id (ganzhou, jiangxi) or a plan file.")],
    measure: Annotated[str | None, typer.Argument(help="A measure id, e.g. 17.2.")] = None,
) -> None:
    """显示规划或测度 / Show a plan's indicator system, or one measure in full."""
    p = meili_app().plan(plan)
    if measure is None:
        show_indicator_system(p)
        return
    m = p.measure(measure)
    console.print(f"[bold]{m.id} {m.indicator}[/] — {m.name}" + (f"（{m.scope}）" if m.scope else ""))
    console.print(f"{m.name_en} · unit/单位: {m.unit or '—'} · direction/方向: {m.direction.value}")
    console.print(f"baseline/基准值 {m.baseline.year}: {m.baseline.text!r} → {m.baseline.kind} {m.baseline.value or ''}")
    for year, t in m.targets.items():
        console.print(f"target/目标 {year}: {t.text!r} → {t.describe()}")
    for c in m.corrections:
        console.print(f"correction/订正: {c.seed!r} → {c.corrected!r}")
    if m.note:
        console.print(f"note: {m.note}")


def show_indicator_system(p) -> None:
    from meili.plan.export import measure_rows

    if not p.measures:  # a plan of categories only (美丽江西): list them rather than an empty table
        console.print(f"[bold]{escape(p.title)}[/] ({p.id}): {len(p.categories)} 类别 categories, "
                      "0 测度 measures / no measures", highlight=False)
        for c in p.categories:
            console.print(f"  {c.id}: {escape(c.name)} {escape(c.name_en or '')}", highlight=False)
        return

    rows = [
        {"序号 id": r["id"], "类别 category": r["category_name"], "指标 indicator": r["indicator"],
         "测度 measure": r["measure"] if r["measure"] != r["indicator"] else "", "范围 scope": r["scope"],
         "单位 unit": r["unit"], "方向": "↑" if r["direction"] == "higher" else "↓",
         f"基准 {p.base_year}": r["baseline_text"],
         **{f"{y}": r[f"target_{y}_text"] for y in p.milestones}}
        for r in measure_rows(p)
    ]
    write_rows(rows, OutputFormat.table, title=f"{p.title} · 指标体系 / indicator system ({len(rows)} measures)")


@app.command("validate")
def validate(files: Annotated[list[Path], typer.Argument(help="Plan files (YAML).")]) -> None:
    """校验规划文件 / Validate plan files: every problem named by file, measure and field."""
    from meili.plan import PlanError

    app, failed = meili_app(), False
    for f in files:
        try:
            p = app.validate_plan(f)
        except PlanError as e:
            failed = True
            for problem in e.problems:
                console.print(f"[red]✗[/] {problem}", highlight=False)
            continue
        console.print(f"[green]✓[/] {f}: {p.id}, {len(p.indicators)} indicators, {len(p.measures)} measures")
    if failed:
        raise typer.Exit(1)


@app.command("export")
def export(
    plan: Annotated[str, typer.Argument(help="Plan id or file.")],
    format: Annotated[OutputFormat, typer.Option("--format", "-f", help="csv or json.")] = OutputFormat.csv,
) -> None:
    """导出测度表 / Export one row per measure, in table order."""
    from meili.plan.export import MEASURE_COLUMNS, measure_rows

    p = meili_app().plan(plan)
    rows = measure_rows(p)
    cols = MEASURE_COLUMNS + [c for y in p.milestones for c in
                              (f"target_{y}_text", f"target_{y}_kind", f"target_{y}_reading")]
    write_rows(rows, format, columns=cols)
