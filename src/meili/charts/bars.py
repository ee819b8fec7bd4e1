"""Bar charts: counties side by side (:func:`county_bars`) and the progress summary by status (:func:`status_bars`)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Literal

import altair as alt

from meili.charts.base import (
    BLUE,
    STATUS_COLOURS,
    TEXT,
    VERMILION,
    WIDTH,
    Chart,
    Text,
    check_lang,
    fmt,
    join,
    number,
    pick,
    status_label,
    status_order,
    t,
    with_unit,
)
from meili.i18n import Lang
from meili.i18n import label as catalog_label


def county_bars(
    rows: Iterable[Mapping[str, Any]],
    *,
    value: str = "value",
    label: Text = ("数值", "value"),
    unit: str | None = None,
    title: Text = "",
    lang: Lang = "zh",
    sort: Literal["value", "adcode"] = "value",
    descending: bool = True,
    highlight: str | Sequence[str] | None = None,
) -> Chart:
    """Horizontal bars, one per county (rows with ``adcode``, ``name`` and the field ``value``).

    Sorted by value (``descending`` or not; equal values by adcode) or by adcode (ascending) — never by the names' code points,
    which put 赣/章/瑞 in an order no reader expects. Each bar ends in its value; equal values draw equal bars.
    A row without a number keeps its place in the table and on the axis, labelled "无数据 no data". ``highlight``:
    an adcode (or several) drawn in vermilion *and* marked "▶" before the name (never by colour alone).
    """
    lang = check_lang(lang)
    header = pick(label, lang)
    marked = {highlight} if isinstance(highlight, str) else set(highlight or ())
    items = []
    for r in rows:
        code = str(r["adcode"])
        items.append({"adcode": code, "name": str(r.get("name") or code), "value": r.get(value),
                      "_v": number(r.get(value))})
    if sort == "adcode":
        items.sort(key=lambda r: r["adcode"])
    elif sort == "value":
        sign = -1 if descending else 1
        items.sort(key=lambda r: (r["_v"] is None, sign * (r["_v"] or 0.0), r["adcode"]))
    else:
        raise ValueError(f"sort must be 'value' or 'adcode', not {sort!r}")
    no_data = t("无数据", "no data", lang)
    data = []
    for i, r in enumerate(items):
        v = r["_v"]
        data.append({
            "order": i, "adcode": r["adcode"],
            "axis_label": ("▶ " if r["adcode"] in marked else "") + r["name"],
            "v": v, "text_x": max(v, 0.0) if v is not None else 0.0,
            "v_text": fmt(v) if v is not None else no_data,
            "marked": r["adcode"] in marked,
        })
    order = [d["axis_label"] for d in data]
    height = max(18 * len(data), 40)
    base = alt.Chart(alt.Data(values=data)).encode(
        y=alt.Y("axis_label:N", sort=order, title=None, axis=alt.Axis(labelLimit=200, ticks=False)),
    )
    x_title = with_unit(header, unit, lang)
    bars = base.mark_bar(height={"band": 0.75}).encode(
        x=alt.X("v:Q", title=x_title),
        color=alt.condition("datum.marked", alt.value(VERMILION), alt.value(BLUE)),
    )
    labels_ = base.mark_text(align="left", baseline="middle", dx=3, color=TEXT, fontSize=11).encode(
        x=alt.X("text_x:Q"), text=alt.Text("v_text:N"),
    )
    spec = alt.layer(bars, labels_).properties(width=WIDTH - 160, height=height, title=pick(title, lang))

    table = [{"adcode": r["adcode"], "name": r["name"], value: r["value"]} for r in items]
    columns = [("adcode", t("区划代码", "code", lang)), ("name", label_for("region_name", lang)),
               (value, x_title)]
    numbered = [r for r in items if r["_v"] is not None]
    missing = [r["name"] for r in items if r["_v"] is None]
    if numbered:
        hi = min(numbered, key=lambda r: (-r["_v"], r["adcode"]))
        lo = min(numbered, key=lambda r: (r["_v"], r["adcode"]))
        u = f" {unit}" if unit else ""
        text = t(
            f"条形图：{pick(title, 'zh') or header}，{len(items)} 个区域，最高 {hi['name']}（{fmt(hi['_v'])}{u}），"
            f"最低 {lo['name']}（{fmt(lo['_v'])}{u}）",
            f"Bar chart: {pick(title, 'en') or header}, {len(items)} areas; highest {hi['name']} "
            f"({fmt(hi['_v'])}{u}), lowest {lo['name']} ({fmt(lo['_v'])}{u})", lang)
    else:
        text = t(f"条形图：{pick(title, 'zh') or header}，无数据", f"Bar chart: {pick(title, 'en') or header}, no data",
                 lang)
    if missing:
        text += t(f"；无数据：{join(missing, 'zh')}", f"; no data: {join(missing, 'en')}", lang)
    return Chart(spec=spec, alt=text + t("。", ".", lang), table=table, columns=columns)


def label_for(key: str, lang: Lang) -> str:
    return catalog_label("columns", key, lang)


def status_bars(rows: Iterable[Mapping[str, Any]], *, title: Text | None = None, lang: Lang = "zh") -> Chart:
    """Stacked horizontal bars: how many measures of each category have each status (the progress summary).

    ``rows``: one per measure (``category``, ``status``) or already counted (``category``, ``status``, ``count``).
    ``category`` is the text shown (e.g. 美丽空间); categories keep the order in which they first appear. Statuses
    stack in a fixed order (已达标 achieved … 不适用 n/a, the catalog's) and are named in the legend and the table,
    so no status is told by colour alone; segments are separated by a white line.
    """
    lang = check_lang(lang)
    counts: dict[tuple[str, str], int] = {}
    categories: list[str] = []
    for r in rows:
        cat = pick(r["category"], lang)
        if cat not in categories:
            categories.append(cat)
        key = (cat, str(r["status"]))
        counts[key] = counts.get(key, 0) + int(r.get("count", 1))
    statuses = [s for s in status_order() if any(k[1] == s for k in counts)]
    unknown = sorted({k[1] for k in counts} - set(statuses))
    if unknown:
        raise ValueError(f"unknown status {', '.join(unknown)}; expected one of {', '.join(status_order())}")
    rank = {s: i for i, s in enumerate(statuses)}
    data = [{"category": c, "status": status_label(s, lang), "rank": rank[s], "n": counts[(c, s)]}
            for c in categories for s in statuses if counts.get((c, s))]
    names = [status_label(s, lang) for s in statuses]
    colours = [STATUS_COLOURS.get(s, "#666666") for s in statuses]
    measures = t("测度数", "measures", lang)
    base = alt.Chart(alt.Data(values=data)).encode(
        y=alt.Y("category:N", sort=categories, title=None, axis=alt.Axis(labelLimit=200, ticks=False)),
        x=alt.X("sum(n):Q", stack="zero", title=measures, axis=alt.Axis(tickMinStep=1, format="d")),
        order=alt.Order("rank:Q", sort="ascending"),
    )
    bars = base.mark_bar(stroke="white", strokeWidth=1, height={"band": 0.7}).encode(
        color=alt.Color("status:N", scale=alt.Scale(domain=names, range=colours), sort=names,
                        legend=alt.Legend(title=label_for("status", lang), orient="bottom", direction="horizontal",
                                          columns=4, symbolType="square")),
        tooltip=[alt.Tooltip("category:N"), alt.Tooltip("status:N"), alt.Tooltip("n:Q")],
    )
    default_title = t("各类别测度状态", "Measures by status and category", lang)
    spec = bars.properties(width=WIDTH - 160, height=max(26 * len(categories), 40),
                           title=pick(title, lang) if title else default_title)

    table = []
    for c in categories:
        row: dict[str, Any] = {"category": c}
        for s in statuses:
            row[s] = counts.get((c, s), 0)
        row["total"] = sum(counts.get((c, s), 0) for s in statuses)
        table.append(row)
    columns = [("category", label_for("category", lang)),
               *((s, status_label(s, lang)) for s in statuses), ("total", t("合计", "total", lang))]
    total = sum(counts.values())

    def per_status(lg: Lang) -> str:
        return join([f"{status_label(s, lg)} {sum(counts.get((c, s), 0) for c in categories)}" for s in statuses], lg)

    text = t(f"堆积条形图：{len(categories)} 个类别共 {total} 个测度，{per_status('zh')}。",
             f"Stacked bar chart: {total} measures in {len(categories)} categories; {per_status('en')}.", lang)
    return Chart(spec=spec, alt=text, table=table, columns=columns)
