"""One measure over the years, with its baseline, its milestone targets and the projection (:func:`measure_chart`).

Every target kind of ``meili.plan.targets.TargetKind`` has a drawing (``docs/charts.md``, "Targets"):

==============  =====================================================================================================
kind            drawn as
==============  =====================================================================================================
``bound``       a tick at the target value in the milestone year, labelled "2025目标 ≥ 10"
``range``       a band low–high in the milestone year, labelled "2025目标 3–5"
``cumulative``  a text "2025目标 累计 ≥ 18" (a change summed over the period: not on the axis of annual values)
``trend``       a text "2035目标：保持稳定" at the milestone year, no number
``state``       a text "2035目标：<state>" (alias ``qualitative``)
``delegated``   with an assigned value: a tick (or band) labelled with the value and its document;
                without: a text "2025目标 待下达（按省下达）" / "2025 target pending (assigned by the province)"
``none``        nothing (the table says so)
==============  =====================================================================================================
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import altair as alt

from meili.charts.base import (
    BLUE,
    GREY,
    TEXT,
    VERMILION,
    WIDTH,
    Chart,
    Text,
    check_lang,
    fmt,
    get,
    number,
    pick,
    t,
    with_unit,
)
from meili.i18n import Lang
from meili.i18n import label as catalog_label

_SYM = {">=": "≥", ">": ">", "<=": "≤", "<": "<", "≥": "≥", "≤": "≤", "=": "="}

#: English glosses of the plans' trend words (``meili.plan.targets.TREND_WORDS``); the word itself is always shown.
TREND_GLOSS = {
    "持续提升": "keep rising",
    "巩固提升": "consolidate and raise",
    "保持稳定": "remain stable",
    "稳定控制": "keep under control",
    "保持长治久清": "stay clean for good",
    "持续改善": "keep improving",
    "稳定下降": "decline steadily",
    "逐步下降": "decline gradually",
    "只增不减": "increase, never decrease",
}

_WHO = {"province": ("省", "the province"), "nation": ("国家", "the nation")}
KINDS = ("bound", "range", "cumulative", "trend", "state", "delegated", "none")


def read_target(obj: Any) -> dict[str, Any]:
    """One target as a plain dict, from a dict or a ``meili.plan.Target``-like object plus its year.

    Accepts the plan's field names (``kind``, ``text``, ``op``, ``value``, ``low``, ``high``, ``trend``, ``state``,
    ``assigned_by``) and the evaluation's (``milestone``, ``target_kind``, ``target``, ``cmp``, ``target_value``,
    ``document``); ``year`` or ``milestone`` is required. ``assigned``: an assigned target of a delegated one.
    """
    year = get(obj, "year", "milestone")
    kind = get(obj, "kind", "target_kind")
    if kind == "qualitative":
        kind = "state"
    if year is None or kind not in KINDS:
        raise ValueError(f"target {obj!r}: needs a year and a kind among {', '.join(KINDS)} (or qualitative)")
    out = {
        "year": int(year), "kind": kind, "text": get(obj, "text", "target", default=""),
        "op": get(obj, "op", "cmp"), "value": number(get(obj, "value", "target_value")),
        "low": number(get(obj, "low")), "high": number(get(obj, "high")), "trend": get(obj, "trend"),
        "state": get(obj, "state"), "assigned_by": get(obj, "assigned_by"), "document": get(obj, "document"),
    }
    assigned = get(obj, "assigned")
    if assigned is not None:
        for k in ("op", "value", "low", "high", "document"):
            v = get(assigned, k, {"op": "cmp", "value": "target_value"}.get(k, k))
            if v is not None:
                out[k] = number(v) if k in ("value", "low", "high") else v
    return out


def _describe(tg: dict[str, Any], lang: Lang) -> tuple[str, str]:
    """(drawing, label): drawing is "tick", "band" or "text"; label in ``lang``."""
    year, kind = tg["year"], tg["kind"]
    pre = t(f"{year}目标", f"{year} target", lang)
    sym = _SYM.get(tg["op"] or "", "")
    number = f"{sym} {fmt(tg['value'])}".strip() if tg["value"] is not None else ""
    band = f"{fmt(tg['low'])}–{fmt(tg['high'])}" if tg["low"] is not None and tg["high"] is not None else ""
    if kind == "bound":
        return "tick", f"{pre} {number}"
    if kind == "range":
        return "band", f"{pre} {band}"
    if kind == "cumulative":
        return "text", t(f"{pre} 累计 {number}", f"{pre}: cumulative {number}", lang)
    if kind == "trend":
        word = tg["trend"] or tg["text"]
        gloss = TREND_GLOSS.get(word)
        return "text", t(f"{pre}：{word}", f"{pre}: {word}" + (f" ({gloss})" if gloss else ""), lang)
    if kind == "state":
        return "text", t(f"{pre}：{tg['state'] or tg['text']}", f"{pre}: {tg['state'] or tg['text']}", lang)
    if kind == "delegated":
        zh_who, en_who = _WHO.get(tg["assigned_by"] or "province", _WHO["province"])
        doc = tg["document"]
        if number or band:
            src = t(f"（{zh_who}下达：{doc}）" if doc else f"（{zh_who}下达）",
                    f" (assigned by {en_who}: {doc})" if doc else f" (assigned by {en_who})", lang)
            return ("band" if band and not number else "tick"), f"{pre} {number or band}{src}"
        return "text", t(f"{pre} 待下达（按{zh_who}下达）", f"{pre} pending (assigned by {en_who})", lang)
    return "none", ""


def measure_chart(
    points: Iterable[Mapping[str, Any]],
    targets: Iterable[Any] | Mapping[int, Any] = (),
    *,
    unit: str | None = None,
    title: Text = "",
    lang: Lang = "zh",
    projection: Mapping[str, Any] | None = None,
) -> Chart:
    """A measure's line chart over the years.

    ``points``: ``{"year", "value", "provisional": bool, "baseline": bool}`` — a provisional value is a hollow
    circle, the baseline a square, both named in the legend. ``targets``: the milestones' targets (see the module
    docstring and :func:`read_target`), a list or ``{year: target}``. ``projection``: ``{"year", "value"}``, drawn as
    a dashed line from the last value to that year.
    """
    lang = check_lang(lang)
    if isinstance(targets, Mapping):
        targets = [{**(dict(v) if isinstance(v, Mapping) else v.model_dump()), "year": y} for y, v in targets.items()]
    tgs = [read_target(x) for x in targets]
    kinds = {"observed": t("观测值", "observed", lang), "provisional": t("预计值", "provisional", lang),
             "baseline": t("基期值", "baseline", lang)}
    pts = []
    for p in points:
        kind = "baseline" if p.get("baseline") else "provisional" if p.get("provisional") else "observed"
        pts.append({"year": int(p["year"]), "value": p.get("value"), "v": number(p.get("value")), "kind": kind,
                    "kind_label": kinds[kind]})
    pts.sort(key=lambda p: p["year"])
    drawn = [p for p in pts if p["v"] is not None]
    y_title = unit or t("数值", "value", lang)

    years = {p["year"] for p in drawn} | {tg["year"] for tg in tgs if tg["kind"] != "none"}
    proj = None
    if projection is not None and drawn and number(projection.get("value")) is not None:
        proj = {"year": int(projection["year"]), "v": number(projection["value"])}
        years.add(proj["year"])
    lo_year, hi_year = (min(years), max(years)) if years else (0, 1)
    x_scale = alt.Scale(domain=[lo_year - 0.6, hi_year + 0.6], nice=False)
    x = alt.X("year:Q", title=catalog_label("columns", "year", lang), scale=x_scale,
              axis=alt.Axis(format="d", values=sorted(years), grid=False))
    y = alt.Y("v:Q", title=y_title, scale=alt.Scale(zero=False))

    layers = []
    if drawn:
        series = alt.Chart(alt.Data(values=drawn))
        layers.append(series.mark_line(color=BLUE, strokeWidth=2).encode(x=x, y=y))
        domain = [kinds[k] for k in ("observed", "provisional", "baseline") if any(p["kind"] == k for p in drawn)]
        shapes = {kinds["observed"]: "circle", kinds["provisional"]: "circle", kinds["baseline"]: "square"}
        fills = {kinds["observed"]: BLUE, kinds["provisional"]: "white", kinds["baseline"]: BLUE}
        legend = alt.Legend(title=None, orient="bottom", direction="horizontal")
        layers.append(series.mark_point(size=70, strokeWidth=2, color=BLUE, opacity=1).encode(
            x=x, y=y,
            shape=alt.Shape("kind_label:N", scale=alt.Scale(domain=domain, range=[shapes[d] for d in domain]),
                            legend=legend),
            fill=alt.Fill("kind_label:N", scale=alt.Scale(domain=domain, range=[fills[d] for d in domain]),
                          legend=legend),
        ))
    if proj is not None:
        last = drawn[-1]
        line = [{"year": last["year"], "v": last["v"]}, {**proj}]
        proj_label = t(f"预测 {fmt(proj['v'])}", f"projected {fmt(proj['v'])}", lang)
        layers.append(alt.Chart(alt.Data(values=line)).mark_line(color=GREY, strokeDash=[6, 4], strokeWidth=2)
                      .encode(x=x, y=y))
        layers.append(alt.Chart(alt.Data(values=[{**proj, "label": proj_label}]))
                      .mark_text(align="left", dx=8, dy=10, color=GREY, fontSize=11).encode(x=x, y=y, text="label:N"))

    described = [(tg, *_describe(tg, lang)) for tg in tgs]
    row = 0
    for tg, how, lab in described:
        # a label at the last year ends at its mark (else it would leave the chart); others are centred on it
        last = tg["year"] == hi_year
        place = {"align": "right", "dx": 14} if last else {"align": "center"}
        if how == "band":
            band = alt.Chart(alt.Data(values=[{"year": tg["year"], "x0": tg["year"] - 0.35, "x1": tg["year"] + 0.35,
                                               "v": tg["low"], "v2": tg["high"], "label": lab}]))
            layers.append(band.mark_rect(fill=VERMILION, fillOpacity=0.18, stroke=VERMILION, strokeWidth=1.5)
                          .encode(x=alt.X("x0:Q", scale=x_scale), x2="x1:Q", y=y, y2="v2:Q"))
            layers.append(band.mark_text(dy=-6, color=TEXT, fontSize=11, baseline="bottom", **place).encode(
                x=x, y=alt.Y("v2:Q"), text="label:N"))
        elif how == "tick":
            tick = alt.Chart(alt.Data(values=[{"year": tg["year"], "v": tg["value"], "label": lab}]))
            layers.append(tick.mark_tick(orient="horizontal", color=VERMILION, thickness=3, size=26)
                          .encode(x=x, y=y))
            layers.append(tick.mark_text(dy=-8, color=TEXT, fontSize=11, baseline="bottom", **place).encode(
                x=x, y=y, text="label:N"))
        elif how == "text":  # words, not numbers: stacked at the top of the plot, at their year
            layers.append(alt.Chart(alt.Data(values=[{"year": tg["year"], "label": lab}]))
                          .mark_text(color=TEXT, fontSize=11, baseline="top", **place)
                          .encode(x=x, y=alt.value(4 + 16 * row), text="label:N"))
            row += 1
    if not layers:
        layers.append(alt.Chart(alt.Data(values=[{"label": t("无数据", "no data", lang)}])).mark_text(
            color=GREY).encode(text="label:N"))
    spec = alt.layer(*layers).properties(
        width=WIDTH - 120, height=260, title=pick(title, lang))

    # the table and the text alternative
    target_kind = t("目标", "target", lang)
    table: list[dict[str, Any]] = [{"year": p["year"], "value": p["value"], "kind": p["kind_label"], "note": ""}
                                   for p in pts]
    if proj is not None:
        table.append({"year": proj["year"], "value": proj["v"], "kind": t("预测", "projection", lang), "note": ""})
    for tg, how, lab in described:
        value = tg["value"] if how == "tick" else None
        note = lab or t(f"{tg['year']}目标：无", f"{tg['year']} target: none", lang)
        table.append({"year": tg["year"], "value": value, "kind": target_kind, "note": note})
    columns = [("year", catalog_label("columns", "year", lang)),
               ("value", with_unit(t("数值", "value", lang), unit, lang)),
               ("kind", t("类型", "type", lang)), ("note", t("说明", "note", lang))]
    name = pick(title, lang) or t("测度", "measure", lang)
    u = f" {unit}" if unit else ""
    if drawn:
        first, last = drawn[0], drawn[-1]
        text = t(f"折线图：{name}，{first['year']}—{last['year']}年由 {fmt(first['v'])}{u} 变为 {fmt(last['v'])}{u}",
                 f"Line chart: {name}, from {fmt(first['v'])}{u} in {first['year']} to {fmt(last['v'])}{u} in "
                 f"{last['year']}", lang)
        if last["kind"] == "provisional":
            text += t(f"（{last['year']}年为预计值）", f" ({last['year']} provisional)", lang)
    else:
        text = t(f"折线图：{name}，无观测值", f"Line chart: {name}, no observations", lang)
    notes = [lab for _, how, lab in described if lab]
    if proj is not None:
        notes.append(t(f"按趋势预测 {proj['year']}年为 {fmt(proj['v'])}{u}",
                       f"projected {fmt(proj['v'])}{u} in {proj['year']}", lang))
    if notes:
        text += t("；", "; ", lang) + t("；", "; ", lang).join(notes)
    return Chart(spec=spec, alt=text + t("。", ".", lang), table=table, columns=columns)
