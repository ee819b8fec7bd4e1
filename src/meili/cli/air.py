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

from meili.app.outputs import write_table
from meili.cli._common import (
    CsvEncoding,
    EncodingOption,
    WorkspaceOption,
    meili_app,
    output_file_callback,
    print_indicator_run,
    with_progress,
)
from meili.cli._common import err_console as console

app = typer.Typer(help="空气质量 / air quality from hourly station data (HJ 633, HJ 663, GB 3095).",
                  no_args_is_help=True)

INPUTS = typer.Argument(..., help="输入文件、目录或通配符 / input files, folders or globs")
STATIONS = typer.Option(None, "--stations", help="站点名录 / station registry (Meili or national list)")
FORMAT = typer.Option(None, "--format", help="cnemc|wide|long (默认按表头识别 / detected from the header)")
TIME_LABEL = typer.Option("end", "--time-label", help="end|start: 小时标签 / the hour's label convention")
STANDARD = typer.Option("auto", "--standard", help="auto|2012|2026: 按日期选择标准 / regime by date")
DROP = typer.Option(False, "--drop-unknown-stations", help="丢弃名录外站点 / drop stations not in the registry")
OUT = typer.Option(..., "-o", "--output", help="输出 .csv 或 .parquet / output file", callback=output_file_callback)
BY = typer.Option("station", "--by", help="station|city|region|group")
O3_ORDER = typer.Option("station_mda8", "--o3-order", help="station_mda8|city_hourly: 城市臭氧计算顺序")


def _read(app, inputs, stations, fmt, time_label, drop):
    air = app.read_air(inputs, stations=stations, format=fmt, time_label=time_label, drop_unknown_stations=drop)
    console.print(f"{len(air.files)} 个文件，{air.station_hours:,} 个站点小时 / files, station-hours")
    return air


def _write(table, output: Path, air, encoding) -> int:
    return write_table(table, output, with_progress, inputs=air.files, encoding=str(encoding))


def _written(rows: int, output: Path, start: float) -> None:
    console.print(f"{rows:,} 行 → {output} ({time.perf_counter() - start:.1f} s)")


@app.command()
def hourly(
    inputs: list[str] = INPUTS,
    stations: Path | None = STATIONS,
    method: str = typer.Option("cnemc", "--method", help="cnemc|hj633-2012"),
    standard: str = STANDARD,
    fmt: str | None = FORMAT,
    time_label: str = TIME_LABEL,
    drop: bool = DROP,
    output: Path = OUT,
    encoding: EncodingOption = CsvEncoding.utf8_bom,
) -> None:
    """小时 AQI / hourly AQI per station-hour."""
    start, app = time.perf_counter(), meili_app()
    air = _read(app, inputs, stations, fmt, time_label, drop)
    _written(_write(app.air_hourly(air, method=method, standard=standard), output, air, encoding), output, start)


@app.command()
def daily(
    inputs: list[str] = INPUTS,
    stations: Path | None = STATIONS,
    by: str = BY,
    standard: str = STANDARD,
    o3_order: str = O3_ORDER,
    fmt: str | None = FORMAT,
    time_label: str = TIME_LABEL,
    drop: bool = DROP,
    output: Path = OUT,
    encoding: EncodingOption = CsvEncoding.utf8_bom,
) -> None:
    """日报 / daily values and AQI per station, city, region or group."""
    start, app = time.perf_counter(), meili_app()
    air = _read(app, inputs, stations, fmt, time_label, drop)
    table = app.air_daily(air, by=by, standard=standard, o3_order=o3_order)
    _written(_write(table, output, air, encoding), output, start)


@app.command()
def annual(
    inputs: list[str] = INPUTS,
    stations: Path = typer.Option(..., "--stations", help="站点名录 / station registry"),
    year: int = typer.Option(..., "--year"),
    period: str = typer.Option("year", "--period", help="year|half|quarter|month（half: 上/下半年 H1/H2）"),
    by: str = typer.Option("city", "--by", help="station|city|region|group"),
    standard: str = STANDARD,
    o3_order: str = O3_ORDER,
    fmt: str | None = FORMAT,
    time_label: str = TIME_LABEL,
    drop: bool = DROP,
    output: Path = OUT,
    encoding: EncodingOption = CsvEncoding.utf8_bom,
) -> None:
    """年度/季度/月度评价与排名 / HJ 663 period evaluation, 综合指数 and ranking."""
    start, app = time.perf_counter(), meili_app()
    air = _read(app, inputs, stations, fmt, time_label, drop)
    table = app.air_annual(air, year=year, by=by, period=period, standard=standard, o3_order=o3_order)
    _written(_write(table, output, air, encoding), output, start)
    ranking = app.air_ranking(table, air, by=by)
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
    plan: str = typer.Option("ganzhou", "--plan"),
    year: int = typer.Option(..., "--year"),
    city_code: str = typer.Option("360700", "--city-code", help="中心城区所在城市 / city of the central urban area"),
    standard: str = STANDARD,
    fmt: str | None = FORMAT,
    time_label: str = TIME_LABEL,
    drop: bool = DROP,
    output: Path | None = typer.Option(None, "-o", "--output", help="另存观测表 / also write the rows to .csv/.parquet",
                                       callback=output_file_callback),
    workspace: WorkspaceOption = None,
    dry_run: bool = typer.Option(False, "--dry-run", help="只校验不写入 / validate, write nothing"),
) -> None:
    """规划指标 16.x/17.x 写入工作区 / plan measures 16.x and 17.x computed and recorded in the workspace."""
    app = meili_app(workspace)
    air = _read(app, inputs, stations, fmt, time_label, drop)
    rows = app.air_indicators(air, plan=plan, year=year, city_code=city_code, standard=standard, sources=inputs)
    run = app.record_indicators(rows, air.files, "meili air indicators", dry_run=dry_run, output=output)
    print_indicator_run(run, app.workspace.root)
