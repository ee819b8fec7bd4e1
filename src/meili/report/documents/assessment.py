"""考核评分 — the counties' assessment from a release's ranking, with the bureau's blocks, grades and vetoes.

The score is the release's composite score (``rankings``, method of ``assessment.yaml``, 0–100); each block's
score is the mean of its categories' scores (``category_scores``) scaled to the block's points. Bonuses and
deductions (capped by the configuration) and vetoes come from the analyst's file::

    adjustments:
      - {region: "360703", points: -2, reason: 环境信访问题整改滞后, document: 赣市环字〔2025〕…号}
    vetoes:
      - {region: "360722", rule: major_incident, document: …}

No published source fixes the blocks, thresholds or veto rules: they are configuration (docs/reports.md).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from meili.errors import InputError, Problem, RequestError, Text
from meili.report import wording
from meili.report.documents._common import Source, para, read_slots, release_of
from meili.report.documents.config import AssessmentConfig, read_config
from meili.report.model import Document, Heading, Number, Table

if TYPE_CHECKING:
    from meili.app import Meili


def build_assessment(app: Meili, *, year: int, month: int | None = None, release: int | None = None,
                     slots: Path | None = None, plan: str = "ganzhou", config: Path | None = None) -> Document:
    cfg: AssessmentConfig = read_config("assessment", config)
    src = Source(release_of(app, release))
    p = app.plan(plan)
    rows = sorted((r for k, r in src.rows("rankings").items() if k[:3] == (p.id, year, cfg.method)),
                  key=lambda r: (r["rank"], r["region"]))
    if not rows:
        raise RequestError(Problem("invalid_request", column="year", value=str(year), detail=Text(
            f"发布 {src.number} 中没有{year}年的综合排名（{cfg.method}）",
            f"release {src.number} holds no {year} ranking ({cfg.method})")))
    notes = read_slots(slots, set(cfg.slots))
    regions = {r["region"] for r in rows}
    adjustments, vetoes = _entries(notes, cfg, regions)

    final: dict[str, Number] = {}
    for r in rows:
        key = dict(plan=p.id, year=year, method=cfg.method, region=r["region"])
        score_ref = src.ref("rankings", "score", **key)
        bonus = min(sum(a["points"] for a in adjustments.get(r["region"], []) if a["points"] > 0), cfg.max_bonus)
        minus = min(-sum(a["points"] for a in adjustments.get(r["region"], []) if a["points"] < 0), cfg.max_deduction)
        total = r["score"] + bonus - minus
        final[r["region"]] = Number(wording.fmt(total, 2), total, None, (score_ref,),
                                    rounding="score + bonuses − deductions, 2 decimals")
    ranks = wording.competition_ranks([wording.rounded(final[r["region"]].value, "score") for r in rows],
                                      ascending=False)
    shared = wording.tied(ranks)
    adjusted = bool(adjustments)
    doc = Document("assessment", f"{p.title}实施情况{year}年度考核结果", release=src.number)
    b = doc.blocks
    b.append(Heading("一、考核工作开展情况", 1))
    b.append(notes.slot("overview", cfg.slots["overview"]))
    b.append(Heading("二、综合得分排序", 1))
    table = []
    for r, rank in sorted(zip(rows, ranks, strict=True), key=lambda t: (t[1], t[0]["region"])):
        key = dict(plan=p.id, year=year, method=cfg.method, region=r["region"])
        veto = vetoes.get(r["region"])
        grade = veto["grade"] if veto else cfg.grade(wording.rounded(final[r["region"]].value, "score") or 0)
        change = "—" if adjusted else Number(wording.rank_change_text(r.get("rank_change")), r.get("rank_change"),
                                             src.ref("rankings", "rank_change", **key))
        table.append([Number(wording.rank_cell(rank, rank in shared), rank, None,
                             tuple(n.inputs[0] for n in final.values())),
                      r.get("region_name") or app.region_name(r["region"]), final[r["region"]],
                      grade + ("（一票否决）" if veto else ""), change])
    grades = "；".join(f"{g.grade} ≥ {g.min:g}分" for g in cfg.grades[:-1]) + f"；其余为{cfg.grades[-1].grade}"
    b.append(Table(f"表 {year}年度各县（市、区）考核综合得分及等次", ["名次", "县（市、区）", "综合得分", "等次", "名次变化"],
                   table, notes=[wording.TIE_NOTE, f"等次：{grades}（配置 assessment.yaml）。"] +
                   (["因有加减分，名次变化不与上年比较。"] if adjusted else [])))
    b.append(Heading("三、分项得分", 1))
    header = ["县（市、区）"] + [f"{blk.name}（{blk.points:g}分）" for blk in cfg.blocks]
    block_rows = []
    for r in rows:
        key = dict(plan=p.id, year=year, method=cfg.method, region=r["region"])
        ref = src.ref("rankings", "category_scores", **key)
        scores = json.loads(r.get("category_scores") or "{}")
        cells: list[Any] = [r.get("region_name") or app.region_name(r["region"])]
        for blk in cfg.blocks:
            vals = [scores.get(c) for c in blk.categories if scores.get(c) is not None]
            v = None if not vals else sum(vals) / len(vals) * blk.points / 100
            cells.append(Number(wording.fmt(v, 2), v, None, (ref,), rounding="mean of categories × points/100"))
        block_rows.append(cells)
    b.append(Table(f"表 {year}年度分项得分", header, block_rows,
                   notes=["分项得分 = 所含领域得分（0–100）的平均 × 分项分值 / 100。"]))
    b.append(Heading("四、扣分、加分与一票否决", 1))
    if not adjustments and not vetoes:
        b.append(para("本年度无扣分、加分和一票否决事项。"))
    for region, items in adjustments.items():
        for a in items:
            b.append(para(f"{app.region_name(region)}：{'加' if a['points'] > 0 else '扣'}{abs(a['points']):g}分，"
                          f"{a['reason']}（{a.get('document') or '—'}）。"))
    for region, v in vetoes.items():
        b.append(para(f"{app.region_name(region)}：{v['name']}，一票否决，等次为{v['grade']}（{v.get('document') or '—'}）。"))
    b.append(notes.slot("notes", cfg.slots["notes"]))
    return doc


def _entries(notes, cfg: AssessmentConfig, regions: set[str]) -> tuple[dict, dict]:
    problems = []
    adjustments: dict[str, list[dict]] = {}
    for i, a in enumerate(notes.data.get("adjustments") or []):
        if not isinstance(a, dict) or str(a.get("region")) not in regions or not isinstance(a.get("points"), int | float) \
                or not a.get("reason"):
            problems.append(Problem("invalid_input", file=str(notes.path), column=f"adjustments[{i}]", value=str(a),
                                    expected=Text("region（参与考核的区域代码）、points（数值）、reason",
                                                  "region (a ranked region's code), points (a number), reason")))
            continue
        adjustments.setdefault(str(a["region"]), []).append(a)
    rules = {v.id: v for v in cfg.vetoes}
    vetoes: dict[str, dict] = {}
    for i, v in enumerate(notes.data.get("vetoes") or []):
        if not isinstance(v, dict) or str(v.get("region")) not in regions or v.get("rule") not in rules:
            problems.append(Problem("invalid_input", file=str(notes.path), column=f"vetoes[{i}]", value=str(v),
                                    expected="region, rule: " + " | ".join(rules)))
            continue
        vetoes[str(v["region"])] = {**v, "name": rules[v["rule"]].name, "grade": rules[v["rule"]].grade}
    if problems:
        raise InputError(*problems)
    return adjustments, vetoes
