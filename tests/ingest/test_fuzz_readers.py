"""Malformed air and water files fed to every reader and every command that takes such a file (issue 15, Must show):
0 tracebacks (a reader raises only a MeiliError; a command exits 0 or 1, never 70 nor with an uncaught exception),
0 partial writes (no output file and no store change after a failure). Bounded: ~2 minutes in all."""

from __future__ import annotations

import hashlib
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from meili.cli import app as cli_app
from meili.errors import MeiliError
from meili.ingest.air import read_hourly, read_stations
from meili.ingest.water import read_national_table, read_samples, read_sections, read_water_input
from tests.helpers.air import WIDE, write_cnemc_day
from tests.helpers.water import NATIONAL_HEADER, NATIONAL_NO_VALUE_ROW, NATIONAL_ROW

AIR_REGISTRY = ("station,name,city_code,region_code,lon,lat,kind,groups\n"
                "1001A,a,360700,360702,114.9,25.8,assessment,central_urban\n"
                "1002A,b,360700,360702,,,background,\n")
SECTIONS = ("section,name,water_body,kind,level,region_code,target_class\n"
            "S1,章江,章江,河流,国考,360702,Ⅲ\nS2,贡江,贡江,河流,省考,360702,Ⅱ\n")
SAMPLES = "section,date,ph,do,codmn,nh3n,tp,note\nS1,2024-01-05,7.1,8,2,0.1,0.05,\nS2,2024-02-05,7.2,0.01L,3,0.2,0.1,x\n"
NATIONAL = NATIONAL_HEADER + NATIONAL_ROW + NATIONAL_ROW.replace("00:00", "04:00") + NATIONAL_NO_VALUE_ROW
LONG = "station,time,pollutant,value\n1001A,2019-01-01 01:00,pm25,35\n1002A,2019-01-01 01:00,so2,7\n"
WIDE_TEXT = WIDE + "1001A,2019-01-01 01:00,10,20,1.0,50,60,35\n1002A,2019-01-01 02:00,10,20,1.0,50,60,35\n"

HOSTILE = ["1_000", "9_7.5", "2_0_2_3", "-5", "abc", "1e308", "99999999999999999999999", "", " ", "2019013", "20190230",
           "0.6", "1.5", "24", "\"", "\"\"", "=1+1", "*", "--", "0.01L", "13-45 99:99", "Ⅵ", "nan", "\t"]


def _cnemc_text() -> str:
    with tempfile.TemporaryDirectory() as d:
        return write_cnemc_day(Path(d), "20190101", {"1001A": 30.0, "1002A": 45.0}).read_text(encoding="utf-8")


CNEMC = _cnemc_text()


@st.composite
def mutated(draw, text: str) -> bytes:
    """The seed text with a few hostile edits, then encoded (sometimes not as UTF-8)."""
    lines = text.splitlines()
    for _ in range(draw(st.integers(1, 3))):
        op = draw(st.sampled_from(["cell", "cell", "truncate", "dup_header", "blank_header", "spaced_header",
                                   "quote", "drop_sep", "extra_sep", "blank_line", "empty"]))
        i = draw(st.integers(0, max(len(lines) - 1, 0)))
        if not lines:
            break
        cells = lines[i].split(",")
        j = draw(st.integers(0, len(cells) - 1))
        if op == "cell":
            cells[j] = draw(st.one_of(st.sampled_from(HOSTILE), st.text(max_size=6)))
            lines[i] = ",".join(cells)
        elif op == "truncate":
            lines = lines[: i + 1]
            lines[-1] = lines[-1][: draw(st.integers(0, len(lines[-1])))]
        elif op in ("dup_header", "blank_header", "spaced_header"):
            head = lines[0].split(",")
            k = draw(st.integers(0, len(head) - 1))
            head = ([*head, head[k]] if op == "dup_header" else
                    [*head[:k], "", *head[k + 1:]] if op == "blank_header" else
                    [*head[:k], f" {head[k]} ", *head[k + 1:]])
            lines[0] = ",".join(head)
        elif op == "quote":
            k = draw(st.integers(0, len(lines[i])))
            lines[i] = lines[i][:k] + '"' + lines[i][k:]
        elif op == "drop_sep":
            lines[i] = lines[i].replace(",", "", 1)
        elif op == "extra_sep":
            lines[i] += ","
        elif op == "blank_line":
            lines.insert(i, "")
        else:
            lines = []
    out = "\n".join(lines) + draw(st.sampled_from(["\n", ""]))
    encoding = draw(st.sampled_from(["utf-8", "utf-8", "utf-8-sig", "gb18030", "utf-16", "latin-1", "bytes"]))
    if encoding == "bytes":
        return out.encode("utf-8")[: draw(st.integers(0, 40))] + draw(st.binary(max_size=20))
    return out.encode(encoding, errors="replace")


READERS = {
    "cnemc": (CNEMC, lambda p, reg: read_hourly([p], format=None, stations=reg)),
    "wide": (WIDE_TEXT, lambda p, reg: read_hourly([p], stations=reg)),
    "long": (LONG, lambda p, reg: read_hourly([p])),
    "air_registry": (AIR_REGISTRY, lambda p, reg: read_stations(p)),
    "samples": (SAMPLES, lambda p, reg: read_samples(p)),
    "national": (NATIONAL, lambda p, reg: read_national_table(p, 2021)),
    "water_any": (NATIONAL, lambda p, reg: read_water_input(p, year=2021)),
    "sections": (SECTIONS, lambda p, reg: read_sections(p)),
}


@pytest.mark.parametrize("reader", list(READERS))
def test_fuzz_every_reader_raises_only_meili_errors(reader):
    seed, read = READERS[reader]

    @settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
    @given(data=mutated(seed))
    def run(data):
        with tempfile.TemporaryDirectory() as d:
            reg_path = Path(d) / "reg.csv"
            reg_path.write_text(AIR_REGISTRY, encoding="utf-8")
            path = Path(d) / ("china_sites_20190101.csv" if reader == "cnemc" else "in.csv")
            path.write_bytes(data)
            try:
                result = read(path, read_stations(reg_path))
                if hasattr(result, "execute"):
                    result.execute()
            except MeiliError:
                pass

    run()


# --- every command that takes such a file ------------------------------------------------------------------------
COMMANDS = {
    "air hourly": ("cnemc", lambda i, r, o, w: ["air", "hourly", i, "--stations", r, "-o", o]),
    "air daily": ("wide", lambda i, r, o, w: ["air", "daily", i, "--stations", r, "--by", "city", "-o", o]),
    "air annual": ("cnemc", lambda i, r, o, w: ["air", "annual", i, "--stations", r, "--year", "2019", "-o", o]),
    "air indicators": ("registry", lambda i, r, o, w: ["air", "indicators", i, "--stations", r, "--plan", "ganzhou",
                                                       "--year", "2019", "--workspace", w, "-o", o]),
    "water classify": ("national", lambda i, r, o, w: ["water", "classify", i, "--year", "2021", "-o", o]),
    "water summary": ("samples", lambda i, r, o, w: ["water", "summary", i, "--sections", r, "--year", "2024", "-o", o]),
    "water rank": ("sections", lambda i, r, o, w: ["water", "rank", i, "--sections", r, "--year", "2024", "-o", o]),
    "water trophic": ("samples", lambda i, r, o, w: ["water", "trophic", i, "--sections", r, "--year", "2024",
                                                     "-o", o]),
    "water indicators": ("samples", lambda i, r, o, w: ["water", "indicators", i, "--sections", r, "--plan",
                                                        "ganzhou", "--year", "2024", "--workspace", w, "-o", o]),
}


def _store_digest(ws: Path) -> str:
    return hashlib.sha256(b"".join(p.read_bytes() for p in sorted(ws.rglob("*.duckdb")) if p.is_file())).hexdigest()


@pytest.mark.parametrize("command", list(COMMANDS))
def test_fuzz_every_command_exits_cleanly_and_writes_nothing_on_failure(command, tmp_path_factory):
    target, argv = COMMANDS[command]
    air = command.startswith("air")
    data_seed, registry_seed = (CNEMC if target in ("cnemc", "registry") else WIDE_TEXT, AIR_REGISTRY) if air else (
        NATIONAL if target == "national" else SAMPLES, SECTIONS)
    base = tmp_path_factory.mktemp("fuzz")
    ws = base / "ws"
    assert CliRunner().invoke(cli_app, ["init", str(ws)]).exit_code == 0
    runner = CliRunner()

    @settings(max_examples=8, deadline=None, suppress_health_check=list(HealthCheck))
    @given(data=mutated(registry_seed if target in ("registry", "sections") else data_seed))
    def run(data):
        with tempfile.TemporaryDirectory(dir=base) as d:
            inp = Path(d) / ("china_sites_20190101.csv" if data_seed is CNEMC else "in.csv")
            reg = Path(d) / "reg.csv"
            if target in ("registry", "sections"):
                inp.write_text(data_seed, encoding="utf-8")
                reg.write_bytes(data)
            else:
                inp.write_bytes(data)
                reg.write_text(registry_seed, encoding="utf-8")
            out = Path(d) / "out.csv"
            before = _store_digest(ws)
            result = runner.invoke(cli_app, argv(str(inp), str(reg), str(out), str(ws)))
            assert result.exit_code in (0, 1), (result.exit_code, result.output)
            assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
            if result.exit_code == 1:
                assert not out.exists(), "partial write after a failure"
                assert _store_digest(ws) == before, "store changed after a failure"

    run()
