"""``meili air``: hourly AQI, daily values, period evaluation and plan indicators from hourly station data.

Thin: parse, call :class:`meili.app.Meili`, print. Errors in the input print in Chinese and English and exit 1,
without a traceback.
"""

from __future__ import annotations

import time
from pathlib import Path

import typer
from rich.markup import escape
from rich.table import Table

from meili.app.choices import (
    AirFormat,
    AirGrouping,
    AirMethod,
    AirO3Order,
    AirPeriod,
    AirStandard,
    AirTimeLabel,
)
from meili.app.outputs import write_table
from meili.cli._common import (
    CsvEncoding,
    EncodingOption,
    WorkspaceOption,
    meili_app,
    output_file_callback,
    print_indicator_run,
    print_record_result,
    with_progress,
)
from meili.cli._common import err_console as console
from meili.i18n import count

app = typer.Typer(rich_markup_mode=None, help="空气质量 / air quality from hourly station data (HJ 633, HJ 663, GB 3095).",
                  no_args_is_help=True)

INPUTS = typer.Argument(..., help="输入文件、目录或通配符 / input files, folders or globs")
STATIONS = typer.Option(None, "--stations", help="站点名录 / station registry (Meili or national list)")
FORMAT = typer.Option(None, "--format", help="输入格式（默认按表头识别）/ input format (default: detected from the header)")
TIME_LABEL = typer.Option(AirTimeLabel.end, "--time-label", help="小时标签 / the hour's label convention: end = hour 16 is 15:00–16:00")
STANDARD = typer.Option(AirStandard.auto, "--standard", help="标准 / regime: auto = 按日期选择 2012 或 2026 / by date")
DROP = typer.Option(False, "--drop-unknown-stations", help="丢弃名录外站点 / drop stations not in the registry")
OUT = typer.Option(..., "-o", "--output", help="输出文件 .csv、.parquet 或 .xlsx / output file (.csv, .parquet or .xlsx)", callback=output_file_callback)
BY = typer.Option(AirGrouping.station, "--by", help="分组 / values per station, city, region or region group")
O3_ORDER = typer.Option(AirO3Order.station_mda8, "--o3-order", help="城市臭氧计算顺序 / city O3: mean of station MDA8, or MDA8 of the city's hourly means")


def _read(app, inputs, stations, fmt, time_label, drop):
    air = app.read_air(inputs, stations=stations, format=_value(fmt), time_label=_value(time_label),
                       drop_unknown_stations=drop)
    console.print(f"{len(air.files)} 个文件，{air.station_hours:,} 个站点小时 / {count(len(air.files), 'file')}, "
                  f"{count(air.station_hours, 'station-hour')}")
    return air


def _value(choice):
    return None if choice is None else choice.value


def _write(table, output: Path, air, encoding) -> int:
    return write_table(table, output, with_progress, inputs=air.files, encoding=str(encoding))


def _written(rows: int, output: Path, start: float) -> None:
    console.print(f"{rows:,} 行 → {output} / {count(rows, 'row')} ({time.perf_counter() - start:.1f} s)")


@app.command()
def hourly(
    inputs: list[str] = INPUTS,
    stations: Path | None = STATIONS,
    method: AirMethod = typer.Option(AirMethod.cnemc, "--method", help="方法 / cnemc = as the national platform publishes; hj633-2012 = the standard's text"),
    standard: AirStandard = STANDARD,
    fmt: AirFormat | None = FORMAT,
    time_label: AirTimeLabel = TIME_LABEL,
    drop: bool = DROP,
    output: Path = OUT,
    encoding: EncodingOption = CsvEncoding.utf8_bom,
) -> None:
    """小时 AQI / hourly AQI per station-hour."""
    start, app = time.perf_counter(), meili_app()
    air = _read(app, inputs, stations, fmt, time_label, drop)
    _written(_write(app.air_hourly(air, method=method.value, standard=standard.value), output, air, encoding), output, start)


@app.command()
def daily(
    inputs: list[str] = INPUTS,
    stations: Path | None = STATIONS,
    by: AirGrouping = BY,
    standard: AirStandard = STANDARD,
    o3_order: AirO3Order = O3_ORDER,
    fmt: AirFormat | None = FORMAT,
    time_label: AirTimeLabel = TIME_LABEL,
    drop: bool = DROP,
    output: Path = OUT,
    encoding: EncodingOption = CsvEncoding.utf8_bom,
) -> None:
    """日报 / daily values and AQI per station, city, region or group."""
    start, app = time.perf_counter(), meili_app()
    air = _read(app, inputs, stations, fmt, time_label, drop)
    table = app.air_daily(air, by=by.value, standard=standard.value, o3_order=o3_order.value)
    _written(_write(table, output, air, encoding), output, start)


@app.command()
def annual(
    inputs: list[str] = INPUTS,
    stations: Path = typer.Option(..., "--stations", help="站点名录 / station registry"),
    year: int = typer.Option(..., "--year", help="年份 / year"),
    period: AirPeriod = typer.Option(AirPeriod.year, "--period", help="时段 / period（half: 上/下半年 H1/H2）"),
    by: AirGrouping = typer.Option(AirGrouping.city, "--by", help="分组 / per station, city, region or region group"),
    standard: AirStandard = STANDARD,
    o3_order: AirO3Order = O3_ORDER,
    fmt: AirFormat | None = FORMAT,
    time_label: AirTimeLabel = TIME_LABEL,
    drop: bool = DROP,
    output: Path = OUT,
    encoding: EncodingOption = CsvEncoding.utf8_bom,
) -> None:
    """年度/季度/月度评价与排名 / HJ 663 period evaluation, 综合指数 and ranking."""
    start, app = time.perf_counter(), meili_app()
    air = _read(app, inputs, stations, fmt, time_label, drop)
    table = app.air_annual(air, year=year, by=by.value, period=period.value, standard=standard.value,
                          o3_order=o3_order.value)
    _written(_write(table, output, air, encoding), output, start)
    ranking = app.air_ranking(table, air, by=by.value)
    if ranking is not None:
        _print_ranking(*ranking, output)


def _print_ranking(period: str, rows: list[dict], output: Path, most: int = 20) -> None:
    """The latest period's 综合指数 ranking as bars."""
    top = max(r["composite_index"] for r in rows)
    table = Table(title=f"环境空气质量综合指数排名 {period}（越小越好）/ composite index ranking, lower is better")
    for col, justify in (("名次 rank", "right"), ("名称 name", "left"), ("综合指数 I_sum", "right"), ("", "left"),
                         ("优良天数比率 good %", "right"), ("PM2.5", "right"), ("变化率 change %", "right")):
        table.add_column(col, justify=justify)
    for r in rows[:most]:
        bar = "█" * max(1, round(30 * r["composite_index"] / top))
        change = r.get("change_rate")
        table.add_row(str(r["rank"]), escape(r["name"]), f"{r['composite_index']:.2f}",
                      f"[cyan]{bar}[/]", "" if r["good_rate"] is None else f"{r['good_rate']:.1f}",
                      "" if r["pm25"] is None else f"{r['pm25']:g}", "" if change is None else f"{change:+.1f}")
    console.print(table)
    if len(rows) > most:
        console.print(f"… 共 {len(rows)} 个 / {len(rows)} in all: see {output}")


@app.command()
def indicators(
    inputs: list[str] = INPUTS,
    stations: Path = typer.Option(..., "--stations", help="站点名录 / station registry"),
    plan: str = typer.Option("ganzhou", "--plan", help="规划 / plan id or file"),
    year: int = typer.Option(..., "--year", help="年份 / year"),
    city_code: str = typer.Option("360700", "--city-code", help="中心城区所在城市 / city of the central urban area"),
    standard: AirStandard = STANDARD,
    fmt: AirFormat | None = FORMAT,
    time_label: AirTimeLabel = TIME_LABEL,
    drop: bool = DROP,
    output: Path | None = typer.Option(None, "-o", "--output", help="另存观测表 / also write the rows to .csv/.parquet",
                                       callback=output_file_callback),
    workspace: WorkspaceOption = None,
    dry_run: bool = typer.Option(False, "--dry-run", help="只校验不写入 / validate, write nothing"),
) -> None:
    """规划指标 16.x/17.x 写入工作区 / plan measures 16.x and 17.x computed and recorded in the workspace."""
    app = meili_app(workspace)
    air = _read(app, inputs, stations, fmt, time_label, drop)
    rows = app.air_indicators(air, plan=plan, year=year, city_code=city_code, standard=standard.value,
                              sources=inputs)
    run = app.record_indicators(rows, air.files, "meili air indicators", dry_run=dry_run, output=output)
    print_indicator_run(run, app.workspace.root)


@app.command()
def record(
    inputs: list[str] = INPUTS,
    stations: Path | None = STATIONS,
    year: int = typer.Option(..., "--year", help="年份 / year"),
    standard: AirStandard = STANDARD,
    o3_order: AirO3Order = O3_ORDER,
    fmt: AirFormat | None = FORMAT,
    time_label: AirTimeLabel = TIME_LABEL,
    drop: bool = DROP,
    workspace: WorkspaceOption = None,
) -> None:
    """记录年度与月度结果 / record the year's and each month's HJ 663 results (per station, city, county, group)."""
    app = meili_app(workspace)
    air = _read(app, inputs, stations, fmt, time_label, drop)
    run = app.record_air(air, year, standard=standard.value, o3_order=o3_order.value)
    print_record_result(run, app.workspace.root)
