"""规划实施评估报告 — the annual, midterm or final evaluation of a plan, from a release.

一、总体评价: a paragraph and the summary line ("56项指标中，18项提前实现，…"); 二、主要目标指标实现情况: one table
per 领域 (the plan's categories) with every measure's baseline, targets, latest value, 序时进度, 完成进度 and the
status word; 三–六: the analyst's text (slots); 七、各县（市、区）: the ranking with ties, rank change and the
leave-one-out range.

Status words (``meili/data/report/evaluation.yaml``; docs/reports.md "Wording"): a Meili status and, where the
status alone does not decide, the evaluation's own columns:

====================  =====================================================================================
Meili status          word
====================  =====================================================================================
achieved              提前实现 before the milestone year (a level target: bound, range, state, cumulative,
                      assigned); 已实现 in or after it (and always in a ``final`` report); a trend target
                      (持续改善, 保持稳定 …) that holds is 基本符合预期 — it is met over the period, never "early"
on_track              快于预期 when 完成进度 − 序时进度 ≥ ``ahead_margin`` (0.1), else 基本符合预期
lagging               相对滞后
regressing            可能难以实现 (moved away from the target, or met at baseline and no longer)
no_data               暂无数据
target_pending        目标待下达
not_applicable        不适用 (no target at the milestone; a 2035-only target is judged on the 2020–2035 path)
====================  =====================================================================================

A provisional latest value (observation ``provisional``) prefixes 预计 ("预计提前实现"). For a qualitative measure
(one with states) the analyst may choose the word (``judgements: {measure: 进展顺利|未开展|…}`` in the slots file);
the table then says "人工判定" in its remarks.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from meili.errors import InputError, Problem, RequestError, Text
from meili.report import wording
from meili.report.documents._common import Source, cn, para, read_slots, release_of
from meili.report.documents.config import EvaluationConfig, read_config
from meili.report.model import Document, Heading, Number, Paragraph, Table

if TYPE_CHECKING:
    from meili.app import Meili

KINDS = {"annual": "年度评估报告", "midterm": "中期评估报告", "final": "总结评估报告"}
LEVEL_KINDS = {"bound", "range", "state", "cumulative", "delegated"}


def status_word(row: dict, cfg: EvaluationConfig, *, kind: str = "annual", provisional: bool = False) -> str:
    """The report's word for one evaluation row (see the module's table)."""
    w = cfg.status_words
    status = row["status"]
    if status == "achieved":
        if row.get("target_kind") == "trend":
            word = w["trend_achieved"]
        elif kind != "final" and row["year"] < row["milestone"]:
            word = w["achieved_early"]
        else:
            word = w["achieved"]
    elif status == "on_track":
        p, e = row.get("progress"), row.get("expected_progress")
        ahead = p is not None and e is not None and p - e >= cfg.ahead_margin - 1e-12
        word = w["on_track_ahead"] if ahead else w["on_track"]
    else:
        word = w[status]
    if provisional and status in ("achieved", "on_track", "lagging", "regressing"):
        word = cfg.provisional_prefix + word
    return word


def build_evaluation(app: Meili, *, year: int, month: int | None = None, release: int | None = None,
                     slots: Path | None = None, plan: str = "ganzhou", milestone: int = 2025,
                     kind: Literal["annual", "midterm", "final"] = "annual", method: str = "efficacy",
                     config: Path | None = None) -> Document:
    """The evaluation report of ``plan`` at ``year`` against ``milestone`` (2025 or 2035), from ``release``."""
    if kind not in KINDS:
        raise RequestError(Problem("invalid_choice", column="kind", value=kind, expected=" | ".join(KINDS)))
    cfg: EvaluationConfig = read_config("evaluation", config)
    src = Source(release_of(app, release))
    p = app.plan(plan)
    region = p.region
    if milestone not in p.milestones:
        raise RequestError(Problem("invalid_request", column="milestone", value=str(milestone),
                                   expected=", ".join(map(str, p.milestones))))
    rows = {m.id: src.row("evaluations", plan=p.id, year=year, milestone=milestone, region=region, measure=m.id)
            for m in p.measures}
    if not any(rows.values()):
        raise RequestError(Problem("invalid_request", column="year", value=str(year), detail=Text(
            f"发布 {src.number} 中没有{p.id} {year}年对{milestone}年目标的评估",
            f"release {src.number} holds no evaluation of {p.id} in {year} against {milestone}")))
    notes = read_slots(slots, set(cfg.slots))
    judgements = _judgements(notes, p, cfg)
    area = app.region_name(region)

    doc = Document("evaluation", f"{p.title}实施{KINDS[kind]}", subtitle=f"（{year}年）", release=src.number)
    words: dict[str, str] = {}
    used: dict[str, dict] = {}
    for m in p.measures:
        row = rows[m.id]
        if row is None:
            continue
        if row["status"] == "not_applicable" and milestone != max(p.milestones):
            later = src.row("evaluations", plan=p.id, year=year, milestone=max(p.milestones), region=region,
                            measure=m.id)
            if later is not None and later["status"] != "not_applicable":
                row = later  # a target only for 2035: its 序时进度 on the 2020–2035 path
        used[m.id] = row
        words[m.id] = judgements.get(m.id) or status_word(row, cfg, kind=kind,
                                                          provisional=_provisional(src, p, m, row))

    blocks = doc.blocks
    blocks.append(Heading("一、总体评价", 1))
    counted = [mid for mid, r in used.items() if r["status"] != "not_applicable"]
    blocks.append(para(f"对照{p.title}确定的{milestone}年目标，依据{year}年及以前各年监测统计数据（发布 {src.number}），"
                       f"对{area}主要目标指标实现情况评估如下。"))
    blocks.append(_summary_line(src, p, counted, used, words, cfg))

    blocks.append(Heading("二、主要目标指标实现情况", 1))
    for i, cat in enumerate(p.categories, 1):
        measures = [m for m in p.measures if m.category == cat.id and m.id in used]
        if not measures:
            continue
        blocks.append(Heading(f"（{cn(i)}）{cat.name}", 2))
        blocks.append(_measure_table(src, p, cat.name, measures, used, words, judgements, year))
    for name, title in cfg.slots.items():
        blocks.append(notes.slot(name, title))
    blocks += _counties(src, app, p, year, method, len(cfg.slots) + 3)
    return doc


def _judgements(notes, p, cfg: EvaluationConfig) -> dict[str, str]:
    given = notes.data.get("judgements") or {}
    problems = []
    out = {}
    qualitative = {m.id for m in p.measures if m.vocabulary}
    for mid, word in given.items():
        mid = str(mid)
        if mid not in qualitative:
            problems.append(Problem("invalid_input", file=str(notes.path), column="judgements", value=mid,
                                    expected=Text("定性指标的序号：" + "、".join(sorted(qualitative)),
                                                  "a qualitative measure: " + ", ".join(sorted(qualitative)))))
        elif word not in cfg.judgements:
            problems.append(Problem("invalid_input", file=str(notes.path), column=f"judgements.{mid}", value=word,
                                    expected=" | ".join(cfg.judgements)))
        else:
            out[mid] = word
    if problems:
        raise InputError(*problems)
    return out


def _provisional(src: Source, p, m, row: dict) -> bool:
    if row.get("value_year") is None:
        return False
    for region in (row["region"], m.scope_group):
        if region is None:
            continue
        obs = src.row("observations", plan=p.id, region=region, measure=m.id, year=row["value_year"])
        if obs is not None:
            return bool(obs.get("provisional"))
    return False


def _ref(src: Source, row: dict, column: str):
    return src.ref("evaluations", column, plan=row["plan"], year=row["year"], milestone=row["milestone"],
                   region=row["region"], measure=row["measure"])


def _summary_line(src: Source, p, counted: list[str], used: dict, words: dict, cfg: EvaluationConfig) -> Paragraph:
    """"56项指标中，18项提前实现，…": each count a Number computed from the status cells it counts."""
    total = Number(str(len(counted)), len(counted), None, tuple(_ref(src, used[m], "status") for m in counted),
                   rounding="count of measures with a target")
    runs: list[Any] = [total, "项指标中"]
    def base(word: str) -> str:
        return word.removeprefix(cfg.provisional_prefix)
    order = [w for w in cfg.summary_order if any(base(words[m]) == w for m in counted)]
    order += sorted({base(words[m]) for m in counted} - set(order))
    for w in order:
        ids = [m for m in counted if base(words[m]) == w]
        runs += ["，", Number(str(len(ids)), len(ids), None, tuple(_ref(src, used[m], "status") for m in ids),
                              rounding=f"count of measures judged {w}"), f"项{w}"]
    runs.append("。")
    return Paragraph(runs)


def _percent_of(src: Source, row: dict, column: str) -> Number:
    v = row.get(column)
    v = None if isinstance(v, float) and v != v else v
    return Number("—" if v is None else wording.fmt(v * 100, 1) + "%", v, _ref(src, row, column),
                  rounding="×100, 1 decimal, GB/T 8170-2008 half-even")


def _value(src: Source, row: dict, column: str, m) -> Number:
    v = row.get(column)
    v = None if isinstance(v, float) and v != v else v
    text = "—" if v is None else wording.fmt(v, 2)
    if "." in text:  # at most 2 decimals, as the plan writes its values (30.5, 1.05, 10)
        text = text.rstrip("0").rstrip(".")
    return Number(text, v, _ref(src, row, column), rounding="at most 2 decimals, GB/T 8170-2008 half-even")


def _measure_table(src: Source, p, category: str, measures, used: dict, words: dict, judgements: dict,
                   year: int) -> Table:
    rows = []
    for m in measures:
        row = used[m.id]
        value_cell: list[Any] = ["—"] if row.get("value") is None else \
            [_value(src, row, "value", m), f"（{row['value_year']}）"]
        baseline = [_value(src, row, "baseline", m)] if row.get("baseline") is not None else [m.baseline_text or "—"]
        remarks = []
        obs = src.row("observations", plan=p.id, region=row["region"], measure=m.id, year=row.get("value_year"))
        if obs is not None and obs.get("source"):
            remarks.append(str(obs["source"]))
        if row.get("assigned_by") and row.get("document"):
            remarks.append(f"按省下达：{row.get('target')}（{row['document']}）")
        elif row["status"] == "target_pending":
            remarks.append("按上级下达，目标待下达")
        if row["milestone"] != min(p.milestones) and row["milestone"] == max(p.milestones):
            remarks.append(f"无{min(p.milestones)}年目标，按{row['milestone']}年目标序时进度评估")
        if m.id in judgements:
            remarks.append("人工判定")
        rows.append([m.id, category, m.name, m.unit or "—", baseline,
                     m.target_texts.get(2025, "—"), m.target_texts.get(2035, "—"), value_cell,
                     _percent_of(src, row, "expected_progress"), _percent_of(src, row, "progress"), words[m.id],
                     "；".join(remarks) or "—"])
    return Table(f"表 {category}领域主要目标指标实现情况（{year}年）",
                 ["序号", "领域", "指标", "单位", f"{p.base_year}年基期值", "2025年目标值", "2035年目标值",
                  "现状值（年份）", "序时进度要求", "完成进度", "评估结论", "数据来源/备注"], rows,
                 notes=["序时进度 =（评估年 − 基期年）/（目标年 − 基期年）；完成进度 =（现状值 − 基期值）/（目标值 − 基期值）。"
                        "预计：现状值为初步数据。"],
                 # twelve columns on a portrait page: the indicator's name and the remarks get the room
                 widths=[0.55, 0.8, 2.3, 0.75, 0.95, 1.05, 1.05, 1.05, 0.85, 0.85, 1.0, 1.6])


def _counties(src: Source, app: Meili, p, year: int, method: str, k: int) -> list:
    rows = [r for key, r in src.rows("rankings").items() if key[0] == p.id and key[1] == year and key[2] == method]
    if not rows:
        return [Heading(f"{cn(k)}、各县（市、区）实施情况", 1),
                para(f"发布 {src.number} 中没有{year}年各县（市、区）的综合排名（{method}），本节从略。", style="note")]
    rows.sort(key=lambda r: (r["rank"], r["region"]))
    ranks = [r["rank"] for r in rows]
    shared = wording.tied(ranks)
    out = []
    for r in rows:
        key = dict(plan=p.id, year=year, method=method, region=r["region"])
        rank = Number(wording.rank_cell(r["rank"], r["rank"] in shared), r["rank"], src.ref("rankings", "rank", **key))
        change = Number(wording.rank_change_text(r.get("rank_change")), r.get("rank_change"),
                        src.ref("rankings", "rank_change", **key))
        shift = r.get("loo_max_shift")
        loo = "—" if shift is None else [
            Number(str(max(1, r["rank"] - shift)), max(1, r["rank"] - shift), None,
                   (src.ref("rankings", "rank", **key), src.ref("rankings", "loo_max_shift", **key))), "—",
            Number(str(min(len(rows), r["rank"] + shift)), min(len(rows), r["rank"] + shift), None,
                   (src.ref("rankings", "rank", **key), src.ref("rankings", "loo_max_shift", **key)))]
        out.append([rank, r.get("region_name") or app.region_name(r["region"]),
                    src.num("rankings", "score", "score", **key), change, loo])
    name = {"efficacy": "功效系数法", "progress": "目标进度法"}.get(method, method)
    return [Heading(f"{cn(k)}、各县（市、区）实施情况", 1),
            Table(f"表 各县（市、区）{year}年综合得分及排名（{name}）",
                  ["名次", "县（市、区）", "综合得分", "名次变化", "去一法名次范围"], out,
                  notes=[wording.TIE_NOTE, "名次变化与上年比较；去一法名次范围：逐一去掉一项指标重新排名时名次可能的最大变动范围。"])]
