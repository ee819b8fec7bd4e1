"""``meili report evaluation|monthly|bulletin|assessment``: build a document from a release and write it.

Thin wrappers: parse, call :mod:`meili.report.documents`'s builder, hand the document to
``meili.report.write_document`` (DOCX or PDF by the output's suffix). ``add_commands(report_app)`` registers them
on the ``report`` group of :mod:`meili.cli.report`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from meili.cli._common import WorkspaceOption, console, meili_app

Year = Annotated[int, typer.Option("--year", help="年份 / year")]
# A string, not a Path: the trailing "/" of "-o DIR/" (write both formats into DIR) must survive parsing.
Output = Annotated[str, typer.Option("--output", "-o", help="输出文件（.docx 或 .pdf），或以 / 结尾的目录（两种格式及图件）"
                                     " / output file (.docx or .pdf), or a folder ending in / (both, with the charts)")]
ReleaseOpt = Annotated[int | None, typer.Option("--release", help="发布编号（默认最新）/ release number (default: the "
                                                                  "latest)")]
SlotsOpt = Annotated[Path | None, typer.Option("--slots", help="分析人员撰写的文字（YAML 或 Markdown）/ the analyst's "
                                                               "texts (YAML or Markdown)")]


def _write(document, output: str) -> None:
    from meili.report import write_document  # the writers (DOCX/PDF)

    written = write_document(document, output)
    shown = ", ".join(str(p) for p in written if p.suffix in (".docx", ".pdf"))
    console.print(f"{shown}: {len(document.numbers())} 个数字 / numbers, 发布 / release {document.release}",
                  highlight=False)


def evaluation(
    year: Year, output: Output, workspace: WorkspaceOption = None, release: ReleaseOpt = None, slots: SlotsOpt = None,
    milestone: Annotated[int, typer.Option(help="目标年 / milestone")] = 2025,
    kind: Annotated[str, typer.Option(help="annual | midterm | final")] = "annual",
    plan: Annotated[str, typer.Option(help="规划 / plan")] = "ganzhou",
    method: Annotated[str, typer.Option(help="县区排名方法 / county ranking method: efficacy | progress")] = "efficacy",
) -> None:
    """规划实施评估报告 / The plan's evaluation report (annual, midterm or final)."""
    from meili.report.documents import build_evaluation

    _write(build_evaluation(meili_app(workspace), year=year, release=release, slots=slots, plan=plan,
                            milestone=milestone, kind=kind, method=method), output)  # type: ignore[arg-type]


def monthly(
    year: Year, output: Output,
    month: Annotated[int, typer.Option("--month", help="月份 / month (1–12)")],
    workspace: WorkspaceOption = None, release: ReleaseOpt = None, slots: SlotsOpt = None,
    region: Annotated[str, typer.Option(
        "--region", help="通报范围：其下辖区域参与排名（默认赣州市的县（市、区）；江西省 = 11 个设区市）/ the region whose "
                         "units are ranked (default 赣州市's counties; 江西省 ranks its 11 cities)")] = "360700",
    rule: Annotated[str | None, typer.Option(
        "--rule", help="排名规则 / ranking rule: composite_index | good_rate_pm25")] = None,
    top: Annotated[int | None, typer.Option("--top", help="前N/后N名单长度（默认10）/ length of the first/last lists")]
    = None,
) -> None:
    """环境空气质量月度通报 / The monthly air-quality bulletin of a region's counties or cities."""
    from meili.report.documents import build_monthly

    _write(build_monthly(meili_app(workspace), year=year, month=month, release=release, slots=slots, region=region,
                         rule=rule, top_n=top), output)


def bulletin(year: Year, output: Output, workspace: WorkspaceOption = None, release: ReleaseOpt = None,
             slots: SlotsOpt = None) -> None:
    """生态环境状况公报 / The annual state-of-the-environment bulletin."""
    from meili.report.documents import build_bulletin

    _write(build_bulletin(meili_app(workspace), year=year, release=release, slots=slots), output)


def assessment(year: Year, output: Output, workspace: WorkspaceOption = None, release: ReleaseOpt = None,
               slots: SlotsOpt = None) -> None:
    """考核评分 / The counties' assessment: scores, grades, deductions, bonuses and vetoes."""
    from meili.report.documents import build_assessment

    _write(build_assessment(meili_app(workspace), year=year, release=release, slots=slots), output)


def add_commands(report_app: typer.Typer) -> None:
    """Register the four document commands on the ``report`` group."""
    for fn in (evaluation, monthly, bulletin, assessment):
        report_app.command(fn.__name__)(fn)
