"""Fixtures of the report tests: a sample document (headings, numbers, a table of counties, a map, a slot) and the
demo workspace (``meili demo``, once per session; the content builders' tests reuse it)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from meili.report.model import Document, Figure, Heading, Number, Paragraph, Ref, Slot, Table

#: Counties of Ganzhou with made-up PM2.5 values (μg/m³) for the sample map and table.
COUNTIES = [("360704", "赣县区", 27.4), ("360731", "于都县", 29.1), ("360783", "龙南市", 24.6),
            ("360702", "章贡区", 31.2), ("360735", "石城县", 22.8)]


AIR = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "air"


def _ref(code: str, column: str = "value") -> Ref:
    return Ref(1, "observations", {"plan": "ganzhou", "region": code, "measure": "2", "year": 2024}, column)


def sample_document(*, with_figure: bool = True) -> Document:
    """A monthly-通报-like document; its numbers name rows that need not exist (for the writers' tests)."""
    from meili.charts import choropleth

    rows = [[name, Number(f"{v:.1f}", v, _ref(code)), Number(str(i), i, None, (_ref(code),), "rank")]
            for i, (code, name, v) in enumerate(sorted(COUNTIES, key=lambda c: c[2]), start=1)]
    blocks: list = [
        Heading("一、总体情况", 1),
        Paragraph(["2024年，全市PM₂.₅平均浓度为", Number("27.0", 27.04, _ref("360700")), "微克/立方米，同比下降",
                   Number("5.6%", 5.6, None, (_ref("360700"),), "1 decimal"), "。"]),
        Heading("（一）各县（市、区）排名", 2),
        Table("表1 各县（市、区）PM₂.₅浓度及排名", ["县（市、区）", "PM₂.₅（μg/m³）", "排名"], rows,
              notes=["注：数值相同者并列，其后名次顺延。"], widths=[2, 2, 1]),
        Heading("1. 空间分布", 3),
    ]
    if with_figure:
        chart = choropleth([{"adcode": c, "name": n, "value": v} for c, n, v in COUNTIES], value="value",
                           unit="μg/m³", title="各县（市、区）PM₂.₅年均浓度", lang="zh")
        blocks.append(Figure(chart, "图1 各县（市、区）PM₂.₅年均浓度（示意图）", width_mm=140))
    blocks += [
        Heading("二、主要任务推进情况", 1),
        Slot("tasks", "主要任务推进情况（由分析人员撰写）"),
        Slot("notes", "说明", "第一段 <b>#不是标记</b> $x$ *星号* [方括号] \\ 反斜杠 @at \"引号\"。\n\n第二段。"),
    ]
    return Document("monthly", "赣州市环境空气质量状况通报", subtitle="（2024年12月）", issuer="赣州市生态环境局",
                    date="2025年1月10日", release=1, blocks=blocks, release_digest="ab" * 32,
                    release_created_at=datetime(2025, 1, 9, 8, 30, tzinfo=UTC))


@pytest.fixture
def document() -> Document:
    return sample_document()


@pytest.fixture(scope="session")
def demo_app(demo_workspace):
    from meili.app import Meili

    return Meili(demo_workspace)


@pytest.fixture(scope="session")
def jiangxi_app(tmp_path_factory):
    """``meili init``; ``meili air record`` of 2019-01-01 … 01-31 (the 64 stations of the 11 cities, the national
    station list as registry); ``meili publish``."""
    files = sorted((AIR / "jiangxi-2019").glob("china_sites_201901*.csv"))
    if not files:
        pytest.skip("../shared/data is absent")
    from meili.app import Meili
    from meili.store import init_workspace

    root = tmp_path_factory.mktemp("report") / "jiangxi"
    init_workspace(root)
    app = Meili(root)
    app.record_air(app.read_air(files, stations=AIR / "cnemc-stations.csv"), 2019)
    app.publish(note="2019年1月 江西省11个设区市")
    return app
