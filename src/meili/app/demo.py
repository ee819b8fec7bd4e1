"""The main job on the bundled example, as steps a front door runs one by one and shows.

plans → a workspace with the example reports → air measures 16/17 from real hourly data → water measures 18/19
from monthly samples → the evaluation of a year against its milestone and the county ranking → the air and water
results recorded (Ganzhou 2019; the example sections 2023–2024) → release 1 (or the next) published.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from meili.errors import NotFoundError, Problem, RequestError, Text

if TYPE_CHECKING:
    import pyarrow as pa

    from meili.app import AirInput, IndicatorRun, Meili
    from meili.app.releases import RecordResult, ReleaseInfo
    from meili.store import ImportResult


@dataclass
class DemoResult:
    """What the demo did and found: each step's outcome, for a front door to show."""

    workspace: Path
    reports: ImportResult | None = None
    air: IndicatorRun | None = None
    water: IndicatorRun | None = None
    summary: pa.Table | None = None
    ranking: pa.Table | None = None
    results: list[RecordResult] | None = None
    release: ReleaseInfo | None = None


def examples_dir() -> Path:
    """The bundled example's folder; a clear error when Meili runs from an installation without it."""
    from meili.examples import EXAMPLES_DIR

    if not EXAMPLES_DIR.is_dir():
        raise NotFoundError(Problem("not_found", file=str(EXAMPLES_DIR), detail=Text(
            "示例数据不在此处（请在源代码目录中运行）", "the bundled example is not here (run from a checkout)")))
    return EXAMPLES_DIR


#: The demo's workspace when none is named: a folder in the current one, kept so that its results can be explored.
DEFAULT_WORKSPACE = "meili-demo"
#: Every write of the demo names itself so (its producers start with this).
DEMO_PRODUCER = "meili demo"


def check_workspace(root: Path, force: bool = False) -> None:
    """Refuse to run the demo on a workspace that holds data it did not write (its simulated county values would
    become current over real ones), unless ``force``."""
    from meili.store.workspace import CONFIG_FILE, open_workspace

    if force or not (Path(root) / CONFIG_FILE).is_file():
        return
    producers = open_workspace(root).imports().column("producer").to_pylist()
    foreign = [p for p in producers if not str(p).startswith(DEMO_PRODUCER)]
    if foreign:
        raise RequestError(Problem("workspace_has_data", file=str(root), value=f"{len(foreign)}", detail=Text(
            f"该工作区已有 {len(foreign)} 次非演示导入；演示会把模拟值写成当前值。请另选目录，或确认后强制运行",
            f"the workspace holds {len(foreign)} imports the demo did not make; the demo would make its simulated "
            "values current over them. Choose another folder, or force it if that is what you want")))


def load_reports(app: Meili) -> ImportResult:
    """Create the workspace (or open it) and import the example reports 2020–2024."""
    from meili.examples import load_example

    result = load_example(app.workspace_path)
    app.__dict__.pop("workspace", None)  # the workspace now exists: open it afresh on next use
    return result


#: The example's air year and water years (what the bundled files cover).
AIR_YEAR = 2019
WATER_YEARS = (2023, 2024)


def read_air(app: Meili) -> AirInput:
    """The real hourly data of Ganzhou 2019 with its station registry, read once for the demo's air steps."""
    examples = examples_dir()
    return app.read_air([examples / "air" / "ganzhou-2019-hourly.parquet"],
                        stations=examples / "air" / "ganzhou-stations.csv")


def air_measures(app: Meili, air: AirInput | None = None) -> IndicatorRun:
    """Measures 16.1/17.1 of 中心城区 from the real hourly data of Ganzhou 2019, recorded in the workspace."""
    air = air if air is not None else read_air(app)
    hourly_file = air.files[0]
    rows = app.air_indicators(air, year=AIR_YEAR, sources=[hourly_file.name])
    return app.record_indicators(rows, [hourly_file], "meili demo: air indicators")


def water_files() -> tuple[Path, Path]:
    examples = examples_dir()
    return examples / "water" / "samples.csv", examples / "water" / "sections.csv"


def recorded_results(app: Meili, air: AirInput | None = None) -> list[RecordResult]:
    """The air results of Ganzhou 2019 and the water results of the example sections 2023–2024, recorded."""
    air = air if air is not None else read_air(app)
    runs = [app.record_air(air, AIR_YEAR, producer="meili demo: air results")]
    samples_file, sections_file = water_files()
    data = app.read_water(samples_file, sections=sections_file)
    runs += app.record_water_years(data, WATER_YEARS, files=[samples_file, sections_file],
                                  producer="meili demo: water results")
    return runs


def publish(app: Meili) -> ReleaseInfo:
    """Publish the workspace's next release (release 1 on a new demo workspace)."""
    return app.publish(note="meili demo")


def water_measures(app: Meili, year: int) -> IndicatorRun:
    """Measures 18.x/19.x from the example section samples of ``year``, recorded in the workspace."""
    examples = examples_dir()
    samples_file, sections_file = examples / "water" / "samples.csv", examples / "water" / "sections.csv"
    data = app.read_water(samples_file, sections=sections_file)
    rows = app.water_indicators(data, year=year, source=samples_file.name)
    return app.record_indicators(rows, [samples_file, sections_file], "meili demo: water indicators")


def evaluation(app: Meili, year: int, plan: str = "ganzhou") -> tuple[pa.Table, pa.Table]:
    """(measures per status and category for the city, the county ranking by the efficacy method)."""
    return app.category_summary(plan, year), app.rank(plan, year)
