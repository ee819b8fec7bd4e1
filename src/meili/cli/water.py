"""``meili water``: classify sections, summarise, rank by CWQI and compute plan indicators (GB 3838-2002)."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from meili.app.choices import TrophicPeriod
from meili.app.outputs import write_table
from meili.cli._common import (
    CsvEncoding,
    EncodingOption,
    WorkspaceOption,
    console,
    meili_app,
    output_file_callback,
    print_indicator_run,
    print_record_result,
)
from meili.i18n import count

app = typer.Typer(rich_markup_mode=None, help="地表水 / surface water quality: classify, summary, rank, trophic, indicators.",
                  no_args_is_help=True)


class PeriodChoice(StrEnum):
    sample = "sample"
    month = "month"
    quarter = "quarter"
    year = "year"


class SummaryBy(StrEnum):
    all = "all"
    level = "level"
    region = "region"
    water_body = "water_body"


class RankBy(StrEnum):
    region = "region"
    level = "level"
    water_body = "water_body"
    all = "all"


InputArg = Annotated[Path, typer.Argument(help="样品表（CSV/Parquet）或国家自动站表 / samples (CSV/Parquet) or the national table.")]
SectionsOpt = Annotated[Path | None, typer.Option("--sections", help="断面名录 / section registry CSV.")]
OutOpt = Annotated[Path, typer.Option("-o", "--output", help="输出文件 .csv、.parquet 或 .xlsx / output file (.csv, .parquet or .xlsx).",
                                      callback=output_file_callback)]
YearOpt = Annotated[int | None, typer.Option("--year", help="年份 / year (the national table's times have none).")]


def _read(app, path: Path, sections: Path | None, year: int | None, need_registry: bool = False):
    with console.status("读取 / reading …"):
        return app.read_water(path, sections=sections, year=year, need_registry=need_registry)


YearReqOpt = Annotated[int, typer.Option("--year", help="年份 / year")]


def _write(table, out: Path, inputs, encoding) -> None:
    rows = write_table(table, out, inputs=[i for i in inputs if i is not None], encoding=str(encoding))
    console.print(f"写出 {rows} 行 → {out} / wrote {count(rows, 'row')}", highlight=False)


def _compute_and_write(label: str, compute, input: Path, sections: Path | None, year: int | None, output: Path,
                       encoding, need_registry: bool = True):
    """Read the input, run ``compute(app, data)`` under a spinner, write the table; returns it."""
    app = meili_app()
    data = _read(app, input, sections, year, need_registry=need_registry)
    with console.status(label):
        table = compute(app, data)
    _write(table, output, (input, sections), encoding)
    return app, table


@app.command("classify")
def classify_command(input: InputArg, output: OutOpt, sections: SectionsOpt = None, year: YearOpt = None,
                     period: Annotated[PeriodChoice, typer.Option(
                         "--period", help="时段 / per sample, month, quarter or year")] = PeriodChoice.sample,
                     encoding: EncodingOption = CsvEncoding.utf8_bom) -> None:
    """断面水质类别 / Class, 水质状况 and main pollutants of each section and period (GB 3838-2002)."""
    app, table = _compute_and_write("评价 / classifying …", lambda app, data: app.water_classify(
        data, period=period.value, year=year), input, sections, year, output, encoding, need_registry=False)
    agreement = app.agreement(table) if period == PeriodChoice.sample else None
    if agreement is not None:
        agrees, published = agreement
        console.print(f"与发布类别一致 / agrees with the published class: {agrees}/{published} = "
                      f"{100 * agrees / published:.2f}%", highlight=False)


@app.command("summary")
def summary_command(input: InputArg, output: OutOpt, year: YearReqOpt, sections: SectionsOpt = None,
                    by: Annotated[SummaryBy, typer.Option(
                        "--by", help="分组 / all sections, or per level, region or water body")] = SummaryBy.all,
                    encoding: EncodingOption = CsvEncoding.utf8_bom) -> None:
    """水质比例与状况 / Class proportions, 水质状况 and main pollutants per level, region or water body."""
    _compute_and_write("汇总 / summarising …", lambda app, data: app.water_summary(data, year=year, by=by.value),
                       input, sections, year, output, encoding)


@app.command("rank")
def rank_command(input: InputArg, output: OutOpt, year: YearReqOpt, sections: SectionsOpt = None,
                 by: Annotated[RankBy, typer.Option(
                     "--by", help="排名对象 / rank regions, levels, water bodies or all")] = RankBy.region,
                 encoding: EncodingOption = CsvEncoding.utf8_bom) -> None:
    """CWQI 排名 / Rank regions by the city water quality index (环办监测〔2017〕51号)."""
    _compute_and_write("排名 / ranking …", lambda app, data: app.water_rank(data, year=year, by=by.value),
                       input, sections, year, output, encoding)


@app.command("trophic")
def trophic_command(input: InputArg, output: OutOpt, year: YearReqOpt, sections: SectionsOpt = None,
                    period: Annotated[TrophicPeriod, typer.Option("--period", help="时段 / period")] = TrophicPeriod.year,
                    encoding: EncodingOption = CsvEncoding.utf8_bom) -> None:
    """湖库营养状态 / Trophic level index TLI(Σ) and grade of lakes and reservoirs (总站生字〔2001〕090号)."""
    _compute_and_write("营养状态 / trophic state …", lambda app, data: app.water_trophic(
        data, year=year, period=period.value), input, sections, year, output, encoding)


@app.command("indicators")
def indicators_command(input: InputArg, sections: SectionsOpt = None,
                       plan: Annotated[str, typer.Option("--plan", help="规划 / plan id or file")] = "ganzhou",
                       year: Annotated[int, typer.Option("--year", help="年份 / year")] = ...,
                       output: Annotated[Path | None, typer.Option("-o", "--output",
                                         help="另存观测表 / also write the rows to .csv/.parquet",
                                         callback=output_file_callback)] = None,
                       workspace: WorkspaceOption = None,
                       dry_run: Annotated[bool, typer.Option("--dry-run", help="只校验不写入 / validate only")] = False,
                       ) -> None:
    """规划指标 18.x/19.x 写入工作区 / Plan measures 18.1, 18.2, 19.1, 19.2 computed and recorded in the workspace."""
    app = meili_app(workspace)
    data = _read(app, input, sections, year, need_registry=True)
    with console.status("计算指标 / computing indicators …"):
        rows = app.water_indicators(data, plan=plan, year=year, source=str(input))
    inputs = [Path(input)] + ([Path(sections)] if sections else [])
    run = app.record_indicators(rows, inputs, "meili water indicators", dry_run=dry_run, output=output)
    print_indicator_run(run, app.workspace.root)


@app.command("record")
def record_command(input: InputArg, year: YearReqOpt, sections: SectionsOpt = None,
                   workspace: WorkspaceOption = None) -> None:
    """记录水质结果 / Record the year's section classes (year and months), and per county and for all sections the
    class shares, 水质状况 and CWQI rank, in the workspace."""
    app = meili_app(workspace)
    data = _read(app, input, sections, year)
    run = app.record_water(data, year, files=[Path(input)] + ([Path(sections)] if sections else []))
    print_record_result(run, app.workspace.root)
