"""生态环境状况公报 — the annual bulletin of the plan's region, from a release.

综述 (the analyst's text and the headline numbers); 环境空气 (the city's six pollutants and 同比, the county
ranking by 综合指数, the shares of days per AQI level, the county PM2.5 map); 水环境 (sections by class, the
counties' CWQI ranking and map); the plan's progress headline (the evaluation's summary line); chapters without
data in the store (声环境, 辐射环境 …) as text slots; 附: the standards and methods in force in the year
(``meili/data/report/standards.yaml``).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from meili.errors import Problem, RequestError, Text
from meili.report import wording
from meili.report.documents._common import Source, para, read_slots, release_of
from meili.report.documents.config import read_config
from meili.report.documents.monthly import POLLUTANTS
from meili.report.model import Document, Figure, Heading, Number, Paragraph, Table

if TYPE_CHECKING:
    from meili.app import Meili

SLOTS = {"overview": "综述", "noise": "声环境", "radiation": "辐射环境", "ecology": "生态环境", "measures": "主要措施"}
LEVELS = ["优", "良", "轻度污染", "中度污染", "重度污染", "严重污染"]


def build_bulletin(app: Meili, *, year: int, month: int | None = None, release: int | None = None,
                   slots: Path | None = None, plan: str = "ganzhou", charts: bool = True) -> Document:
    """The bulletin of ``year`` for ``plan``'s region. ``charts``: include the maps (off for fast tests)."""
    src = Source(release_of(app, release))
    p = app.plan(plan)
    code = p.region
    area = app.region_name(code)
    notes = read_slots(slots, set(SLOTS))
    counties = sorted(app.regions.children(code), key=lambda c: ("-" in c.code, c.code))
    has_air = src.result("city", code, year, None, "pm25") is not None
    has_water = src.result("all", "all", year, None, "share_class_1_3", domain="water") is not None
    if not has_air and not has_water:
        raise RequestError(Problem("invalid_request", column="year", value=str(year), detail=Text(
            f"发布 {src.number} 中没有{area}{year}年的空气或水质结果", f"release {src.number} holds no {year} results")))
    doc = Document("bulletin", f"{year}年{area}生态环境状况公报", release=src.number)
    b = doc.blocks
    b.append(Heading("一、综述", 1))
    b.append(notes.slot("overview", SLOTS["overview"]))
    k = 2
    b.append(Heading(f"{_cn(k)}、环境空气", 1))
    if has_air:
        b += _air(src, code, area, counties, year, charts)
    else:
        b.append(para(f"发布 {src.number} 中没有{year}年空气质量结果。", style="note"))
    k += 1
    b.append(Heading(f"{_cn(k)}、水环境", 1))
    if has_water:
        b += _water(src, counties, year, charts)
    else:
        b.append(para(f"发布 {src.number} 中没有{year}年地表水结果。", style="note"))
    k += 1
    b.append(Heading(f"{_cn(k)}、美丽{area.removesuffix('市')}建设进展", 1))
    b += _progress(src, app, p, year)
    for name in ("ecology", "noise", "radiation", "measures"):
        k += 1
        b.append(Heading(f"{_cn(k)}、{SLOTS[name]}", 1))
        b.append(notes.slot(name, SLOTS[name]))
    b.append(Heading("附：评价依据", 1))
    used = [s for s in read_config("standards").for_year(year)]
    b.append(Table(f"附表 {year}年适用的标准与技术规定", ["类别", "编号", "名称"],
                   [[{"air": "环境空气", "water": "地表水"}.get(s.domain, s.domain), s.id, s.title] for s in used],
                   notes=["按数据日期适用：2026年3月1日前为 GB 3095-2012 等，其后为 GB 3095-2026 等；跨越切换日的年份逐日按各自标准计算。"]))
    return doc


def _cn(k: int) -> str:
    from meili.report.documents._common import cn

    return cn(k)


def _air(src: Source, code: str, area: str, counties, year: int, charts: bool) -> list:
    out: list[Any] = []
    now = {m: src.result_num("city", code, year, None, m) for m in [*POLLUTANTS, "good_rate", "composite_index"]}
    before = {m: src.result_num("city", code, year - 1, None, m) for m in now}
    runs: list[Any] = [f"{year}年，{area}环境空气质量优良天数比率为", now["good_rate"], "%"]
    c = wording.change(now["good_rate"].value, before["good_rate"].value, "good_rate")
    if c.direction != "none":
        runs += ["，", *wording.change_runs(c, [r for r in (now["good_rate"].ref, before["good_rate"].ref) if r])]
    runs += ["；PM2.5年均浓度为", now["pm25"], "微克/立方米"]
    c = wording.change(now["pm25"].value, before["pm25"].value, "pm25")
    if c.direction != "none":
        runs += ["，", *wording.change_runs(c, [r for r in (now["pm25"].ref, before["pm25"].ref) if r])]
    runs.append("。")
    out.append(Paragraph(runs))
    rows = []
    for m in [*POLLUTANTS, "composite_index"]:
        name = POLLUTANTS[m][0] + f"（{POLLUTANTS[m][1]}）" if m in POLLUTANTS else "综合指数"
        ch = wording.change(now[m].value, before[m].value, m)
        rows.append([name, now[m], before[m], wording.change_number(ch, [r for r in (now[m].ref, before[m].ref) if r])])
    out.append(Table(f"表 {area}{year}年环境空气主要污染物浓度", ["项目", f"{year}年", f"{year - 1}年", "变化率（%）"], rows,
                     notes=[] if before["pm25"].value is not None else
                     [f"发布 {src.number} 中没有{year - 1}年结果，变化率留空。"]))
    valid = src.result_num("city", code, year, None, "valid_days")
    shares = []
    for i, level in enumerate(LEVELS, 1):
        days = src.result_num("city", code, year, None, f"days_level_{i}")
        share = None if days.value is None or not valid.value else days.value / valid.value * 100
        shares.append([level, days, Number(wording.fmt(share, 1), share, None,
                                           tuple(r for r in (days.ref, valid.ref) if r), rounding="days/valid·100")])
    out.append(Table(f"表 {area}{year}年各级别天数及比例", ["级别", "天数", "比例（%）"], shares))
    # counties
    nums = {c.code: src.result_num("county", c.code, year, None, "composite_index") for c in counties}
    pm = {c.code: src.result_num("county", c.code, year, None, "pm25") for c in counties}
    ranked = [c for c in counties if nums[c.code].value is not None]
    ranks = wording.competition_ranks([wording.rounded(nums[c.code].value, "composite_index") for c in ranked])
    shared = wording.tied(ranks)
    inputs = tuple(nums[c.code].ref for c in ranked)
    rows = [[c.name, pm[c.code], nums[c.code], Number(wording.rank_cell(r, r in shared), r, None, inputs)]
            for c, r in zip(ranked, ranks, strict=True)]
    rows += [[c.name, "无监测站点", "—", "—"] for c in counties if nums[c.code].value is None]
    out.append(Table(f"表 各县（市、区）{year}年环境空气质量综合指数排名", ["县（市、区）", "PM2.5（μg/m³）", "综合指数", "排名"],
                     rows, notes=[wording.TIE_NOTE]))
    if charts and ranked:
        out.append(_county_map(ranked, pm, unit="μg/m³", title=f"{year}年各县（市、区）PM2.5年均浓度",
                               caption=f"图 {year}年各县（市、区）PM2.5年均浓度（示意图）"))
    return out


def _county_map(ranked, numbers: dict, *, unit: str, title: str, caption: str) -> Figure:
    """A county choropleth of the printed numbers (the portal's chart definition, 示意图)."""
    from meili.charts import choropleth

    data = [{"adcode": c.code, "name": c.name, "value": numbers[c.code].value} for c in ranked]
    return Figure(choropleth(data, boundaries="ganzhou", value="value", unit=unit, title=title, lang="zh"), caption)


def _water(src: Source, counties, year: int, charts: bool) -> list:
    out: list[Any] = []
    share = src.result_num("all", "all", year, None, "share_class_1_3", domain="water")
    worst = src.result_num("all", "all", year, None, "share_worse_than_5", domain="water")
    n = src.result_num("all", "all", year, None, "n_sections", domain="water")
    out.append(Paragraph([f"{year}年，", n, "个地表水监测断面中，Ⅰ～Ⅲ类水质断面比例为", share, "%，劣Ⅴ类断面比例为",
                          worst, "%。"]))
    sections = src.result_codes("water", "section", year)
    rows = []
    for s in sections:
        r = src.row("results", domain="water", scope="section", code=s, year=year, month=None, metric="class")
        status = src.row("results", domain="water", scope="section", code=s, year=year, month=None, metric="status")
        rows.append([s, (r or {}).get("name") or s, (r or {}).get("text") or "—", (status or {}).get("text") or "—"])
    out.append(Table(f"表 {year}年各断面水质类别", ["断面编码", "断面名称", "水质类别", "水质状况"], rows))
    cw = {c.code: src.result_num("county", c.code, year, None, "cwqi", domain="water") for c in counties}
    ranked = [c for c in counties if cw[c.code].value is not None]
    ranks = wording.competition_ranks([wording.rounded(cw[c.code].value, "cwqi") for c in ranked])
    shared = wording.tied(ranks)
    inputs = tuple(cw[c.code].ref for c in ranked)
    order = sorted(zip(ranked, ranks, strict=True), key=lambda t: (t[1], t[0].code))
    out.append(Table(f"表 各县（市、区）{year}年地表水水质指数（CWQI）排名", ["排名", "县（市、区）", "CWQI", "ΔCWQI（%）"],
                     [[Number(wording.rank_cell(r, r in shared), r, None, inputs), c.name, cw[c.code],
                       src.result_num("county", c.code, year, None, "cwqi_change_rate", domain="water")]
                      for c, r in order], notes=["CWQI越小水质越好；" + wording.TIE_NOTE.removeprefix("注：")]))
    if charts and ranked:
        out.append(_county_map(ranked, cw, unit="", title=f"{year}年各县（市、区）CWQI",
                               caption=f"图 {year}年各县（市、区）地表水水质指数（示意图）"))
    return out


def _progress(src: Source, app: Meili, p, year: int) -> list:
    from meili.report.documents.evaluation import build_evaluation

    try:
        ev = build_evaluation(app, year=year, release=src.number, plan=p.id)
    except RequestError:
        return [para(f"发布 {src.number} 中没有{year}年规划指标评估，本节从略。", style="note")]
    line = ev.blocks[2]
    return [para(f"对照{p.title}2025年目标："), line]
