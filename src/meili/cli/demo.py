"""``meili demo``: the main job on the bundled example, end to end (steps in :mod:`meili.app.demo`)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from meili.cli._common import console, meili_app


def demo(
    workspace: Annotated[Path, typer.Option(
        "--workspace", "-w", help="工作区目录（默认当前目录下的 meili-demo）/ workspace folder (default: meili-demo in "
                                  "the current folder)")] = Path("meili-demo"),
    year: Annotated[int, typer.Option(help="评估年份 / year evaluated")] = 2024,
    force: Annotated[bool, typer.Option(
        "--force", help="允许写入已有非演示数据的工作区 / run on a workspace that holds other data")] = False,
) -> None:
    """演示 / Run the main job on the bundled example: plans, data, air and water measures, evaluation, ranking,
    recorded results and release 1."""
    from meili.app import demo as steps

    steps.examples_dir()
    root = workspace.expanduser().resolve()
    steps.check_workspace(root, force)
    app = meili_app(root)
    province, city = app.plan("jiangxi"), app.plan("ganzhou")
    step = _steps(7)

    step("规划 / plans")
    console.print(f"  {province.title}: {len(province.categories)} 样板, milestones "
                  f"{', '.join(map(str, province.milestones))}")
    console.print(f"  {city.title}: {len(city.indicators)} 指标 indicators, {len(city.measures)} 测度 measures "
                  f"({len(city.delegated_targets())} targets assigned by a higher level)")

    step("工作区与示例填报数据 / workspace and the example reports 2020–2024")
    console.print(f"  {steps.load_reports(app).summary()}", highlight=False)

    step("空气质量 16.1/17.1：真实小时数据 / air quality from real hourly data (赣州 2019)")
    air_input = steps.read_air(app)
    air = steps.air_measures(app, air_input)
    for r in air.rows.to_pylist():
        if r["value"] is not None:
            console.print(f"  {r['measure']} 中心城区 2019 = {r['value']:g} {r['unit']} "
                          f"({'暂定 provisional' if r['state'] == 'incomplete' else r['state']}; {r['note']})",
                          highlight=False)
    console.print(f"  {air.result.summary()}", highlight=False)

    step(f"地表水 18/19：断面监测数据 / surface water from section samples ({year}, synthetic)")
    water = steps.water_measures(app, year)
    city_values = {r["measure"]: r["value"] for r in water.rows.to_pylist() if r["region"] == city.region}
    console.print("  赣州市 " + ", ".join(f"{m} = {v:.1f} %" for m, v in sorted(city_values.items()) if v is not None))
    console.print(f"  {water.result.summary()}（修订 = 示例填报值被监测计算值取代 / revised = reported example values "
                  f"replaced by computed ones, old revisions kept）", highlight=False)

    step(f"评估 {year} → 2025 / evaluation against the 2025 milestone")
    summary, ranking = steps.evaluation(app, year)
    _print_summary(summary, app.region_name(city.region))
    _print_ranking(ranking, year)

    step("记录空气与水质结果 / air and water results recorded (赣州 2019; sections 2023–2024)")
    for run in steps.recorded_results(app, air_input):
        city = [r for r in run.rows.to_pylist() if r["month"] is None and (
            (r["scope"], r["metric"]) in {("city", "pm25"), ("city", "good_rate"), ("city", "composite_index"),
                                          ("all", "share_class_1_3"), ("all", "cwqi")})]
        shown = ", ".join(f"{r['metric']} {r['value']:.4g}" for r in city if r["value"] is not None)
        console.print(f"  {run.domain} {run.year}: {shown} — {run.summary()}", highlight=False)

    step("发布 / publish the release the portal serves")
    release = steps.publish(app)
    console.print(f"  发布 / release {release.number}: " + ", ".join(f"{k} {v}" for k, v in release.counts.items()),
                  highlight=False)
    console.print(f"\n工作区 / workspace: {root}\n  meili evaluate --plan ganzhou --year {year} -w {root}\n"
                  f"  meili rank --plan ganzhou --year {year} --method progress -w {root}\n"
                  f"  meili data history --region 中心城区 --measure 16.1 -w {root}\n"
                  f"  meili publish -w {root} --note …\n"
                  f"门户 / the portal: meili serve -w {root}   →  http://127.0.0.1:8000/zh/", highlight=False)


def _steps(total: int):
    n = iter(range(1, total + 1))

    def step(text: str) -> None:
        console.print(f"\n[bold cyan][{next(n)}/{total}][/] [bold]{text}[/]")

    return step


def _print_summary(summary, region_name: str) -> None:
    from meili.i18n import labels

    status_labels = labels("status")
    table = Table(title=f"{region_name} · 各类别测度状态 / measures by status and category")
    table.add_column("类别 category")
    for text in status_labels.values():
        table.add_column(text, justify="right")
    table.add_column("合计 total", justify="right")
    totals = dict.fromkeys([*status_labels, "total"], 0)
    for r in summary.to_pylist():
        table.add_row(r["name"], *(str(r[s] or "") for s in status_labels), str(r["total"]))
        for s in totals:
            totals[s] += r[s]
    table.add_row("[bold]合计 total[/]", *(f"[bold]{totals[s]}[/]" for s in status_labels),
                  f"[bold]{totals['total']}[/]")
    console.print(table)


def _print_ranking(ranking, year: int) -> None:
    rows = ranking.to_pylist()
    top = max((r["score"] for r in rows), default=100)
    table = Table(title=f"县（市、区）综合得分排名 {year}（功效系数法）/ county ranking, efficacy method")
    for col, justify in (("名次 rank", "right"), ("县 county", "left"), ("得分 score", "right"),
                         ("", "left"), ("变化 change", "right"), ("留一敏感 LOO", "right")):
        table.add_column(col, justify=justify)
    for r in rows:
        bar = "█" * max(1, round(40 * (r["score"] - 60) / max(top - 60, 1e-9)))
        change = r["rank_change"]
        arrow = "—" if change is None else ("↑" if change > 0 else "↓" if change < 0 else "=")
        table.add_row(str(r["rank"]), r["region_name"], f"{r['score']:.2f}", f"[green]{bar}[/]",
                      f"{arrow}{abs(change) if change else ''}", f"{r['loo_changes']}/{r['loo_measures']}")
    console.print(table)
    console.print("留一敏感 LOO: 逐一去掉一个测度时名次改变的次数 / measures whose removal changes the rank "
                  "(docs/methodology.md §6)")
