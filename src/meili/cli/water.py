"""``meili water``: classify sections, summarise, rank by CWQI and compute plan indicators (GB 3838-2002)."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from meili.cli._common import (
    OutputPathError,
    WorkspaceOption,
    console,
    err_console,
    output_file_callback,
    record_indicators,
    user_errors,
    write_table,
)

if TYPE_CHECKING:  # the readers and computations load ibis and pandas: imported when a command runs, not at start-up
    import pyarrow as pa

    from meili.ingest.water import WaterData

app = typer.Typer(help="地表水 / surface water quality: classify, summary, rank, indicators.", no_args_is_help=True)


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
OutOpt = Annotated[Path, typer.Option("-o", "--output", help="输出文件 .csv 或 .parquet / output file.",
                                      callback=output_file_callback)]
YearOpt = Annotated[int | None, typer.Option("--year", help="年份 / year (the national table's times have none).")]


def _read(path: Path, sections: Path | None, year: int | None) -> WaterData:
    from meili.ingest.water import WaterInputError, read_water_input

    with console.status("读取 / reading …"), user_errors(WaterInputError):
        data = read_water_input(path, year=year, sections_path=sections)
    for note in data.notes:
        err_console.print(f"[dim]{note}[/]", highlight=False)
    return data


def _write(table: pa.Table, out: Path) -> None:
    with user_errors(OutputPathError):
        rows = write_table(table, out)
    console.print(f"写出 {rows} 行 → {out} / wrote {rows} rows", highlight=False)


def _pipeline():
    from meili.standards.water import pipeline

    return pipeline


def _need_registry(sections: Path | None, data: WaterData) -> None:
    if sections is None and not data.is_national_table:
        err_console.print("错误 / error: 需要 --sections 断面名录 / --sections (a section registry) is required")
        raise typer.Exit(1)


@app.command("classify")
def classify_command(input: InputArg, output: OutOpt, sections: SectionsOpt = None, year: YearOpt = None,
                     period: Annotated[PeriodChoice, typer.Option("--period")] = PeriodChoice.sample) -> None:
    """断面水质类别 / Class, 水质状况 and main pollutants of each section and period (GB 3838-2002)."""
    data = _read(input, sections, year)
    with console.status("评价 / classifying …"):
        table = _pipeline().classify_sections(
            data.samples, data.sections, period=period.value,
            year=None if data.is_national_table else year, published=data.published,
        )
    if data.published is not None and period == PeriodChoice.sample:
        import pyarrow.compute as pc

        agrees = pc.sum(pc.equal(table["class"], table["published_class"])).as_py() or 0
        published = table["published_class"].length() - table["published_class"].null_count
        if published:
            console.print(f"与发布类别一致 / agrees with the published class: {agrees}/{published} = "
                          f"{100 * agrees / published:.2f}%", highlight=False)
    _write(table, output)


@app.command("summary")
def summary_command(input: InputArg, output: OutOpt, sections: SectionsOpt = None,
                    year: Annotated[int, typer.Option("--year")] = ...,
                    by: Annotated[SummaryBy, typer.Option("--by")] = SummaryBy.all) -> None:
    """水质比例与状况 / Class proportions, 水质状况 and main pollutants per level, region or water body."""
    data = _read(input, sections, year)
    _need_registry(sections, data)
    with console.status("汇总 / summarising …"):
        table = _pipeline().summarize_sections(data.samples, data.sections, year=year, by=by.value)
    _write(table, output)


@app.command("rank")
def rank_command(input: InputArg, output: OutOpt, sections: SectionsOpt = None,
                 year: Annotated[int, typer.Option("--year")] = ...,
                 by: Annotated[RankBy, typer.Option("--by")] = RankBy.region) -> None:
    """CWQI 排名 / Rank regions by the city water quality index (环办监测〔2017〕51号)."""
    data = _read(input, sections, year)
    _need_registry(sections, data)
    with console.status("排名 / ranking …"):
        table = _pipeline().rank_groups(data.samples, data.sections, year=year, by=by.value)
    _write(table, output)


@app.command("trophic")
def trophic_command(input: InputArg, output: OutOpt, sections: SectionsOpt = None,
                    year: Annotated[int, typer.Option("--year")] = ...,
                    period: Annotated[str, typer.Option("--period", help="month|quarter|year")] = "year") -> None:
    """湖库营养状态 / Trophic level index TLI(Σ) and grade of lakes and reservoirs (总站生字〔2001〕090号)."""
    data = _read(input, sections, year)
    _need_registry(sections, data)
    with console.status("营养状态 / trophic state …"):
        table = _pipeline().trophic_states(data.samples, data.sections, year=year, period=period)  # type: ignore[arg-type]
    _write(table, output)


@app.command("indicators")
def indicators_command(input: InputArg, sections: SectionsOpt = None,
                       plan: Annotated[str, typer.Option("--plan")] = "ganzhou",
                       year: Annotated[int, typer.Option("--year")] = ...,
                       output: Annotated[Path | None, typer.Option("-o", "--output",
                                         help="另存观测表 / also write the rows to .csv/.parquet")] = None,
                       workspace: WorkspaceOption = None,
                       dry_run: Annotated[bool, typer.Option("--dry-run", help="只校验不写入 / validate only")] = False,
                       ) -> None:
    """规划指标 18.x/19.x 写入工作区 / Plan measures 18.1, 18.2, 19.1, 19.2 computed and recorded in the workspace."""
    data = _read(input, sections, year)
    _need_registry(sections, data)
    with console.status("计算指标 / computing indicators …"):
        table = _pipeline().water_indicators(data.samples, data.sections, year=year, plan=plan, source=str(input))
    inputs = [Path(input)] + ([Path(sections)] if sections else [])
    record_indicators(table, inputs, "meili water indicators", workspace, output, dry_run)
