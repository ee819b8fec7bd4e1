"""``meili air``: hourly AQI, daily values, period evaluation and plan indicators from hourly station data.

Thin: parse, call :mod:`meili.standards.air`, write, print. Errors in the input print in Chinese and English
and exit 1, without a traceback.
"""

from __future__ import annotations

import time
from pathlib import Path

import typer

from meili.cli._common import (
    OutputPathError,
    WorkspaceOption,
    counted,
    output_file_callback,
    record_indicators,
    user_errors,
    with_progress,
    write_table,
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


def _input_errors() -> tuple[type[Exception], ...]:
    from meili.ingest.air import AirInputError

    return (AirInputError, OutputPathError, ValueError)


def _load(inputs, stations, fmt, time_label, drop):
    # ibis and the readers are loaded when a command runs, not at the CLI's start-up.
    import ibis

    from meili.ingest.air import expand_inputs, read_hourly, read_stations

    con = ibis.duckdb.connect()
    registry = read_stations(stations) if stations else None
    files = expand_inputs(inputs)
    with counted("读取并检查文件 / reading and checking files", len(files)) as on_file:
        hourly = read_hourly(files, con=con, format=fmt, time_label=time_label, stations=registry,
                             unknown_stations="drop" if drop else "error", on_file=on_file)
    hourly = with_progress("整理站点小时 / arranging station-hours",
                           lambda: con.create_table("_hourly", hourly, temp=True), backend=con)
    n = hourly.count().to_pyarrow().as_py()
    console.print(f"{len(files)} 个文件，{n:,} 个站点小时 / files, station-hours")
    return con, hourly, registry, files


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
) -> None:
    """小时 AQI / hourly AQI per station-hour."""
    from meili.standards.air.aqi import not_measured_by_design
    from meili.standards.air.hourly import hourly_aqi

    with user_errors(*_input_errors()):
        start = time.perf_counter()
        _, h, registry, _ = _load(inputs, stations, fmt, time_label, drop)
        nm = not_measured_by_design(registry.table if registry else None)
        # Sorted so that the same input always gives the same file.
        rows = write_table(hourly_aqi(h, method=method, standard=standard, not_measured=nm)
                           .order_by(["station", "time"]), output)
        console.print(f"{rows:,} 行 → {output} ({time.perf_counter() - start:.1f} s)")


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
) -> None:
    """日报 / daily values and AQI per station, city, region or group."""
    from meili.standards.air.daily import daily_values

    with user_errors(*_input_errors()):
        start = time.perf_counter()
        _, h, registry, _ = _load(inputs, stations, fmt, time_label, drop)
        table = daily_values(h, registry=registry.table if registry else None, by=by, standard=standard,
                             o3_order=o3_order)
        rows = write_table(table.order_by(["key", "date"]), output)
        console.print(f"{rows:,} 行 → {output} ({time.perf_counter() - start:.1f} s)")


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
) -> None:
    """年度/季度/月度评价与排名 / HJ 663 period evaluation, 综合指数 and ranking."""
    from meili.standards.air.annual import annual_values

    with user_errors(*_input_errors()):
        start = time.perf_counter()
        _, h, registry, _ = _load(inputs, stations, fmt, time_label, drop)
        table = annual_values(h, registry=registry.table, by=by, period=period, year=year, standard=standard,
                              o3_order=o3_order)
        rows = write_table(table.order_by(["period", "rank", "key"]), output)
        console.print(f"{rows:,} 行 → {output} ({time.perf_counter() - start:.1f} s)")
        _print_ranking(output, registry.table if by == "city" else None)


def _print_ranking(output: Path, registry, most: int = 20) -> None:
    """The latest period's 综合指数 ranking as bars (read back from the written file: a few hundred rows)."""
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq
    from rich.table import Table

    from meili.plan import load_regions

    written = pq.read_table(output) if output.suffix.lower() == ".parquet" else pacsv.read_csv(
        output, convert_options=pacsv.ConvertOptions(column_types={"key": "string", "period": "string"}))
    rows = [r for r in written.to_pylist() if r["composite_index"] is not None and r["rank"] is not None]
    if not rows:
        return
    period = max(r["period"] for r in rows)
    rows = sorted((r for r in rows if r["period"] == period), key=lambda r: (r["rank"], r["key"]))
    names = dict(zip(registry.column("city_code").to_pylist(), registry.column("city").to_pylist(), strict=True)) \
        if registry is not None else {}

    def name(key: str) -> str:
        if names.get(key, key) != key:
            return names[key]
        try:  # a GB/T 2260 code or group id of Meili's regions (Jiangxi): its Chinese name
            return load_regions().name(key)
        except (KeyError, ValueError):
            return key

    top = max(r["composite_index"] for r in rows)
    table = Table(title=f"环境空气质量综合指数排名 {period}（越小越好）/ composite index ranking, lower is better")
    for col, justify in (("名次 rank", "right"), ("名称 name", "left"), ("综合指数 I_sum", "right"), ("", "left"),
                         ("优良天数比率 good %", "right"), ("PM2.5", "right"), ("变化率 change %", "right")):
        table.add_column(col, justify=justify)
    for r in rows[:most]:
        bar = "█" * max(1, round(30 * r["composite_index"] / top))
        change = r.get("change_rate")
        table.add_row(str(r["rank"]), name(str(r["key"])), f"{r['composite_index']:.2f}",
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
    from meili.standards.air.indicators import plan_indicators

    with user_errors(*_input_errors()):
        con, h, registry, files = _load(inputs, stations, fmt, time_label, drop)
        table = with_progress("计算指标 / computing the indicators", lambda: plan_indicators(
            h, registry.table, year=year, plan=plan, city_code=city_code, sources=[str(i) for i in inputs],
            standard=standard), backend=con)
        record_indicators(table, [Path(f) for f in files], "meili air indicators", workspace, output, dry_run)
