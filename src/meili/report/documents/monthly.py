"""环境空气质量月度通报 — the monthly bulletin of a city's counties (or a province's cities), from a release.

Layout (the bureau's 通报): the headline paragraph; 表1 the region's six pollutants, 优良天数比率 and 综合指数 for
the month and 1–M月累计 with 同比; 表2 the units below it (县（市、区）, or 设区市 for a province) with PM2.5,
优良天数比率 and 综合指数, their 同比 and 排名, and the tie rule under it; the 前十/后十 lists (ties at the boundary
included); county surface water (CWQI, ΔCWQI) when recorded; the analyst's text slots.

Every number is a recorded result of the release (``results``: air, scope ``city`` or ``county``, the month);
changes and ranks are computed in the document from the printed values (:mod:`meili.report.wording`) and list the
references they come from. What the release does not hold is said, never estimated: a unit without results is
"无监测站点"; 同比 without the previous year's month is "—" with a sentence saying why; 1–M月累计 concentrations are
not recorded by ``meili air record`` (it records the year and each month), so only the 优良天数比率, which the
recorded day counts give exactly (Σ优良天数 / Σ有效天数), is shown cumulated.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from meili.errors import Problem, RequestError, Text
from meili.report import wording
from meili.report.documents._common import Source, cn, para, read_slots, release_of
from meili.report.documents.config import MonthlyConfig, RankRule, read_config
from meili.report.model import Document, Heading, Number, Paragraph, Table

if TYPE_CHECKING:
    from meili.app import Meili

#: How each pollutant is named and in which unit it is printed.
POLLUTANTS = {
    "pm25": ("PM2.5", "μg/m³"), "pm10": ("PM10", "μg/m³"), "o3_8h_p90": ("O3（日最大8小时第90百分位）", "μg/m³"),
    "so2": ("SO2", "μg/m³"), "no2": ("NO2", "μg/m³"), "co_p95": ("CO（日均值第95百分位）", "mg/m³"),
}
NO_STATION = "无监测站点"


@dataclass
class Unit:
    """A region ranked in the bulletin: its code, name and the numbers printed for it."""

    code: str
    name: str
    has_data: bool
    values: dict[str, Number]  # metric → this month's value
    previous: dict[str, Number]  # metric → the same month last year


def scope_of(app: Meili, region: str) -> tuple[str, str, list[tuple[str, str]], str]:
    """For ``region`` (a code or name): its code, the results scope of its units (``county`` below a city, ``city``
    below a province), the units (code, name) in code order, and their collective name."""
    code = app.regions.resolve(region)
    children = sorted(app.regions.children(code), key=lambda c: ("-" in c.code, c.code))  # zones after counties
    if not children:
        raise RequestError(Problem("invalid_request", column="region", value=region, detail=Text(
            "此区域没有下辖区域，无法排名", "this region has no regions below it to rank")))
    province = code.endswith("0000")
    return (code, "city" if province else "county", [(c.code, c.name) for c in children],
            "设区市" if province else "县（市、区）")


def build_monthly(app: Meili, *, year: int, month: int | None = None, release: int | None = None,
                  slots: Path | None = None, region: str = "360700", rule: str | None = None,
                  top_n: int | None = None, config: Path | None = None) -> Document:
    """The monthly bulletin of ``year``-``month`` for ``region``'s units (default 赣州市's 县（市、区）; a province,
    e.g. ``"江西省"``, ranks its 设区市), from ``release`` (default: the latest). ``rule``: a ranking rule of the
    configuration (``composite_index`` default, ``good_rate_pm25``); ``top_n``: the length of the 前N/后N lists."""
    if month is None or not 1 <= month <= 12:
        raise RequestError(Problem("invalid_request", column="month", value=str(month), expected="1–12"))
    cfg: MonthlyConfig = read_config("monthly", config)
    rule_id = rule or cfg.default_rule
    if rule_id not in cfg.rules:
        raise RequestError(Problem("invalid_choice", column="rule", value=rule_id, expected=" | ".join(cfg.rules)))
    the_rule = cfg.rules[rule_id]
    n = top_n or cfg.top_n
    src = Source(release_of(app, release))
    code, scope, children, collective = scope_of(app, region)
    area = app.region_name(code)
    notes = read_slots(slots, set(cfg.slots))

    units = [_unit(src, scope, c, name, year, month) for c, name in children]
    with_data = [u for u in units if u.has_data]
    if not with_data and src.result("city", code, year, month, "pm25") is None:
        raise RequestError(Problem("invalid_request", value=f"{year}-{month:02d}", detail=Text(
            f"发布 {src.number} 中没有{area}及其{collective}{year}年{month}月的空气质量结果",
            f"release {src.number} holds no air results of {year}-{month:02d} for {area} or its units"),
            expected=Text("先用 meili air record 记录并发布", "record them (meili air record) and publish first")))
    has_previous = any(u.previous.get("pm25") and u.previous["pm25"].value is not None for u in units) or \
        src.result("city", code, year - 1, month, "pm25") is not None

    doc = Document("monthly", f"{area}环境空气质量状况通报", subtitle=f"（{year}年{month}月）", release=src.number)
    blocks = doc.blocks
    blocks.append(Heading("一、总体情况", 1))
    blocks.append(_headline(src, code, area, scope, units, year, month, the_rule, collective))
    if not has_previous:
        blocks.append(para(f"本库（发布 {src.number}）中没有{year - 1}年{month}月的监测结果，本期不作同比比较，"
                           f"同比各栏留空。", style="note"))
    blocks.append(notes.slot("summary", cfg.slots["summary"]))

    own = src.result("city", code, year, month, "pm25") is not None
    if own:
        blocks.append(Heading(f"二、{area}主要污染物浓度", 1))
        blocks.append(_city_table(src, code, area, year, month, cfg.pollutants))
    k = 3 if own else 2
    blocks.append(Heading(f"{cn(k)}、各{collective}环境空气质量", 1))
    ranks = _ranks(units, the_rule)
    blocks.append(_unit_table(units, ranks, year, month, collective, the_rule))
    missing = [u.name for u in units if not u.has_data]
    if missing:
        blocks.append(para(f"{wording.names_list(missing)}在发布 {src.number} 中没有空气质量监测站点的结果"
                           f"（表中记为“{NO_STATION}”），不参与排名。", style="note"))
    blocks += _lists(units, ranks, n, collective)
    blocks.append(Heading(f"{cn(k + 1)}、地表水环境质量", 1))
    blocks += _water(src, scope, units, year, month, collective)
    blocks.append(notes.slot("measures", cfg.slots["measures"]))
    return doc


def _unit(src: Source, scope: str, code: str, name: str, year: int, month: int) -> Unit:
    metrics = ("pm25", "good_rate", "composite_index", "good_days", "valid_days")
    values = {m: src.result_num(scope, code, year, month, m) for m in metrics}
    previous = {m: src.result_num(scope, code, year - 1, month, m) for m in metrics}
    return Unit(code, name, values["pm25"].value is not None or values["composite_index"].value is not None,
                values, previous)


def _ranks(units: list[Unit], rule: RankRule) -> dict[str, tuple[int | None, bool, Number]]:
    """Each unit's rank by ``rule`` from the printed values (a :class:`Number` listing every value ranked)."""
    ranked = [u for u in units if u.has_data]
    keys = [lambda u, k=k: (None if (v := wording.rounded(u.values[k.metric].value, k.metric)) is None
                            else (v if k.order == "ascending" else -v)) for k in rule.keys]
    ranks = wording.rank_keys(ranked, keys)
    shared = wording.tied(ranks)
    inputs = tuple(u.values[k.metric].ref for u in ranked for k in rule.keys if u.values[k.metric].ref)
    out = {}
    for u, r in zip(ranked, ranks, strict=True):
        out[u.code] = (r, r in shared, Number(wording.rank_cell(r, r in shared), r, None, inputs,
                                              rounding=f"rank by {rule.name}, ties equal (1, 2, 2, 4)"))
    return out


def _metric_rank(units: list[Unit], metric: str, ascending: bool) -> dict[str, Number]:
    ranked = [u for u in units if u.values[metric].value is not None]
    values = [wording.rounded(u.values[metric].value, metric) for u in ranked]
    ranks = wording.competition_ranks(values, ascending=ascending)
    shared = wording.tied(ranks)
    inputs = tuple(u.values[metric].ref for u in ranked)
    return {u.code: Number(wording.rank_cell(r, r in shared), r, None, inputs,  # type: ignore[arg-type]
                           rounding=f"rank of printed {metric}, {'ascending' if ascending else 'descending'}, ties equal")
            for u, r in zip(ranked, ranks, strict=True)}


def _change(now: Number, before: Number, metric: str) -> Number:
    c = wording.change(now.value, before.value, metric)
    return wording.change_number(c, [r for r in (now.ref, before.ref) if r is not None])


def _unit_table(units: list[Unit], ranks: dict, year: int, month: int, collective: str, rule: RankRule) -> Table:
    pm_rank = _metric_rank(units, "pm25", True)
    good_rank = _metric_rank(units, "good_rate", False)
    rows: list[list[Any]] = []
    for u in units:
        if not u.has_data:
            rows.append([u.name, NO_STATION, "—", "—", "—", "—", "—", "—", "—"])
            continue
        v, p = u.values, u.previous
        rows.append([u.name, v["pm25"], _change(v["pm25"], p["pm25"], "pm25"), pm_rank.get(u.code, "—"),
                     v["good_rate"], _change(v["good_rate"], p["good_rate"], "good_rate"),
                     good_rank.get(u.code, "—"), v["composite_index"], ranks[u.code][2]])
    return Table(f"表 各{collective}{year}年{month}月环境空气质量状况及排名",
                 [collective, "PM2.5（μg/m³）", "同比（%）", "排名", "优良天数比率（%）", "同比（个百分点）", "排名",
                  "综合指数", "排名"], rows,
                 notes=[rule.note, "同比以通报数值计算；PM2.5按浓度由低到高、优良天数比率由高到低排名。"])


def _lists(units: list[Unit], ranks: dict, n: int, collective: str) -> list:
    ranked = [u for u in units if u.code in ranks]
    if not ranked:
        return []
    rk = [ranks[u.code][0] for u in ranked]
    shared = wording.tied(rk)

    def names(idx: list[int]) -> list[Any]:
        runs: list[Any] = []
        for j, i in enumerate(idx):
            if j:
                runs.append("、")
            r = rk[i]
            runs += [ranked[i].name, f"（{wording.rank_text(r, r in shared)}）"]
        return runs

    first, last = wording.first_n(rk, n), wording.last_n(rk, n)
    return [Paragraph([f"综合排名前{n}位的{collective}（出现并列一并列入）：", *names(first), "。"]),
            Paragraph([f"综合排名后{n}位的{collective}（出现并列一并列入）：", *names(last), "。"])]


def _headline(src: Source, code: str, area: str, scope: str, units: list[Unit], year: int, month: int,
              rule: RankRule, collective: str) -> Paragraph:
    own = {m: src.result_num("city", code, year, month, m) for m in ("good_rate", "pm25", "composite_index")}
    before = {m: src.result_num("city", code, year - 1, month, m) for m in own}
    if own["pm25"].value is not None:
        runs: list[Any] = [f"{year}年{month}月，{area}环境空气质量优良天数比率为", own["good_rate"], "%"]
        for metric, lead, unit in (("good_rate", "", ""), ("pm25", "，PM2.5平均浓度为", "微克/立方米"),
                                   ("composite_index", "，环境空气质量综合指数为", "")):
            if lead:
                runs += [lead, own[metric], unit]
            c = wording.change(own[metric].value, before[metric].value, metric)
            refs = [r for r in (own[metric].ref, before[metric].ref) if r is not None]
            if c.direction != "none":
                runs += ["，", *wording.change_runs(c, refs)]
        cum = _cumulative_rate(src, code, year, month)
        if cum is not None and month > 1:
            runs += [f"；1—{month}月累计优良天数比率为", cum, "%"]
        runs.append("。")
        return Paragraph(runs)
    ranked = [u for u in units if u.has_data]
    pm = sorted((u for u in ranked if u.values["pm25"].value is not None),
                key=lambda u: u.values["pm25"].value)
    good = sorted((u for u in ranked if u.values["good_rate"].value is not None),
                  key=lambda u: u.values["good_rate"].value)
    runs = [f"{year}年{month}月，{area}{len(ranked)}个{collective}"]
    if good:
        runs += ["优良天数比率在", good[0].values["good_rate"], "%～", good[-1].values["good_rate"], "%之间"]
    if pm:
        runs += ["，PM2.5平均浓度在", pm[0].values["pm25"], "～", pm[-1].values["pm25"], "微克/立方米之间"]
    runs.append(f"。{rule.name}，结果见下表。")
    return Paragraph(runs)


def _city_table(src: Source, code: str, area: str, year: int, month: int, pollutants: list[str]) -> Table:
    rows: list[list[Any]] = []
    for m in pollutants:
        name, unit = POLLUTANTS[m]
        now, before = src.result_num("city", code, year, month, m), src.result_num("city", code, year - 1, month, m)
        rows.append([f"{name}（{unit}）", now, _change(now, before, m), "—", "—"])
    for m, label in (("good_rate", "优良天数比率（%）"), ("composite_index", "综合指数")):
        now, before = src.result_num("city", code, year, month, m), src.result_num("city", code, year - 1, month, m)
        cum, cum_before = (_cumulative_rate(src, code, year, month), _cumulative_rate(src, code, year - 1, month)) \
            if m == "good_rate" else (None, None)
        rows.append([label, now, _change(now, before, m), cum or "—",
                     _change(cum, cum_before, m) if cum is not None and cum_before is not None else "—"])
    return Table(f"表 {area}{year}年{month}月环境空气主要污染物浓度",
                 ["项目", f"{month}月", "同比（%或个百分点）", f"1—{month}月累计", "累计同比"], rows,
                 notes=["浓度、综合指数同比为变化率（%），优良天数比率同比为个百分点；以通报数值计算。",
                        f"1—{month}月累计浓度未入库（meili air record 记录年度与各月结果），不作推算；累计优良天数比率"
                        "由各月优良天数与有效监测天数之和计算。"])


def _cumulative_rate(src: Source, code: str, year: int, month: int) -> Number | None:
    """Σ优良天数 / Σ有效监测天数 over months 1…month (None unless every month is recorded)."""
    good, valid, refs = 0.0, 0.0, []
    for m in range(1, month + 1):
        g, v = src.result("city", code, year, m, "good_days"), src.result("city", code, year, m, "valid_days")
        if g is None or not v:
            return None
        good, valid = good + g, valid + v
        refs += [src.ref("results", "value", domain="air", scope="city", code=code, year=year, month=m,
                         metric=metric) for metric in ("good_days", "valid_days")]
    rate = good / valid * 100
    return Number(wording.fmt(rate, 1), rate, None, tuple(refs), rounding="Σgood_days/Σvalid_days·100, 1 decimal")


def _water(src: Source, scope: str, units: list[Unit], year: int, month: int, collective: str) -> list:
    recorded = [u for u in units if src.result(scope, u.code, year, month, "cwqi", domain="water") is not None]
    if not recorded:
        return [para(f"发布 {src.number} 中没有各{collective}{year}年{month}月的地表水水质指数（CWQI）结果，"
                     f"本期不作通报。", style="note")]
    rows = []
    nums = {u.code: src.result_num(scope, u.code, year, month, "cwqi", domain="water") for u in units}
    values = [wording.rounded(nums[u.code].value, "cwqi") for u in units]
    ranks = wording.competition_ranks(values)
    shared = wording.tied(ranks)
    inputs = tuple(nums[u.code].ref for u in units if nums[u.code].value is not None)
    for u, r in zip(units, ranks, strict=True):
        change = src.result_num(scope, u.code, year, month, "cwqi_change_rate", domain="water")
        rows.append([u.name, nums[u.code], change,
                     Number(wording.rank_cell(r, r in shared), r, None, inputs) if r else "—"])
    return [Table(f"表 各{collective}地表水水质指数（CWQI）", [collective, "CWQI", "ΔCWQI（%）", "排名"], rows,
                  notes=["CWQI越小水质越好；数值相同者并列，其后名次顺延。"])]

