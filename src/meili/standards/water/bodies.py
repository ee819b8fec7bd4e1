"""Water bodies, basins and sets of sections: class proportions, 水质状况 and main pollutants
(地表水环境质量评价办法（试行）环办〔2011〕22号, rivers/basins/lakes and regions).

Inputs are the outputs of :mod:`meili.standards.water.classify` for one or more periods:
``means`` (section period values), ``section_class_table`` (section classes) and a registry ``sections``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import ibis
import ibis.expr.types as ir

from meili.standards.rounding import round_half_even
from meili.standards.water.classify import LAKE_KINDS, item_classes, section_classes
from meili.standards.water.tables import load_table

GroupBy = Literal["all", "level", "region", "water_body", "basin", "province"]
MIN_SECTIONS_FOR_PROPORTIONS = 5


def group_key(sections: ir.Table, by: GroupBy | Sequence[GroupBy]) -> ir.Table:
    """Each section's group key (``all``, its region code, level or water body) and kind.

    ``by`` several groupings (stacked, for one query over all of them): a section has a row per grouping, its key
    written ``<grouping>|<key>`` (``region|360702``, ``all|all``); split it with :func:`split_stacked_key`."""
    if not isinstance(by, str):
        parts = [group_key(sections, b) for b in by]
        return ibis.union(*(t.mutate(key=ibis.literal(f"{b}|") + t.key) for b, t in zip(by, parts, strict=True)),
                          distinct=False)
    column = {"region": "region_code"}.get(by, by)
    key = ibis.literal("all") if by == "all" else sections[column].cast("string").fill_null("")
    return sections.select("section", "kind", key=key)


def grouping_of_key(key: ir.StringValue) -> ir.StringValue:
    """The grouping of a stacked key (``region`` of ``region|360702``; :func:`group_key` of several groupings)."""
    return key.split("|")[0]


def status_from_proportions(share_i_iii: ir.NumericValue, share_worse_than_v: ir.NumericValue) -> ir.StringValue:
    """水质状况 of a river, basin or region of ≥ 5 sections from its class proportions (in %), by the rows of
    ``tables/body_status.csv`` in order (地表水环境质量评价办法（试行）): Ⅰ–Ⅲ ≥ 90 优; ≥ 75 良好; 劣Ⅴ < 20
    轻度污染; 劣Ⅴ < 40 中度污染; otherwise 重度污染 — which includes Meili's decision for Ⅰ–Ⅲ = 60 % with
    劣Ⅴ = 40 %, a case the method's wording leaves uncovered."""
    rules = load_table("body_status").to_pylist()
    branches = []
    for rule in rules:
        condition = ibis.literal(True)
        if rule["min_share_i_iii"] is not None:
            condition &= share_i_iii >= rule["min_share_i_iii"]
        if rule["max_share_worse_than_v"] is not None:
            condition &= share_worse_than_v < rule["max_share_worse_than_v"]
        branches.append((condition, rule["status_zh"]))
    return ibis.cases(*branches)


def proportions(
    section_class_table: ir.Table,
    item_class_table: ir.Table,
    sections: ir.Table,
    by: GroupBy = "all",
    *,
    max_pollutants: int = 3,
) -> ir.Table:
    """Class proportions of the sections of each group and period, in % (地表水环境质量评价办法（试行）).

    Numerator and denominator are the sections with a valid class in the period; registered sections without
    one (dry, unsampled) are left out and counted in ``n_left_out`` (Meili decision). Main pollutants are the
    items over Class Ⅲ ranked by 断面超标率 (sections over Ⅲ ÷ evaluated sections), at most three, written
    ``总磷（20.0%）``, listed when the group is 轻度污染 or worse.

    Returns ``key, period, n_sections, n_left_out, share_i_iii, share_i_ii, share_v_worse,
    share_worse_than_v, status, main_pollutants``.
    """
    groups = group_key(sections, by)
    classed = section_class_table.select("section", "period", "class_rank").inner_join(groups, "section")
    counts = classed.group_by(["key", "period"]).aggregate(
        n_sections=classed.section.nunique(),
        n_i_iii=classed.class_rank.count(where=classed.class_rank <= 3),
        n_i_ii=classed.class_rank.count(where=classed.class_rank <= 2),
        n_v_worse=classed.class_rank.count(where=classed.class_rank >= 5),
        n_worse_than_v=classed.class_rank.count(where=classed.class_rank == 6),
    )
    registered = groups.group_by("key").aggregate(n_registered=groups.section.nunique())
    counts = counts.inner_join(registered, "key")

    def share(n: ir.IntegerValue) -> ir.FloatingValue:
        return (n * 100.0) / counts.n_sections

    counts = counts.mutate(
        n_left_out=counts.n_registered - counts.n_sections,
        share_i_iii=share(counts.n_i_iii),
        share_i_ii=share(counts.n_i_ii),
        share_v_worse=share(counts.n_v_worse),
        share_worse_than_v=share(counts.n_worse_than_v),
    )
    counts = counts.mutate(status=status_from_proportions(counts.share_i_iii, counts.share_worse_than_v))

    over = item_class_table.filter((item_class_table.role == "evaluated") & (item_class_table.class_rank > 3))
    over = over.select("section", "period", "item", "name_zh", "table1_no").inner_join(groups, "section")
    rates = over.group_by(["key", "period", "item", "name_zh", "table1_no"]).aggregate(
        n_over=over.section.nunique()
    )
    rates = rates.inner_join(counts.select("key", "period", "n_sections"), ["key", "period"])
    rates = rates.mutate(rate=rates.n_over * 100.0 / rates.n_sections)
    rates = rates.mutate(
        position=ibis.row_number().over(
            group_by=["key", "period"], order_by=[ibis.desc(rates.rate), rates.table1_no]
        )
    )
    rates = rates.filter(rates.position < max_pollutants)
    # the rate printed to 0.1 %, as the bulletins print it (地表水环境质量评价办法（试行）, 环办〔2011〕22号 [S];
    # GB/T 8170-2008 §3.2 on the decimal value)
    labels = rates.mutate(label=rates.name_zh + "（" + round_half_even(rates.rate, 1).cast("string") + "%）")
    pollutants = labels.group_by(["key", "period"]).aggregate(
        rate_pollutants=labels.label.group_concat("、", order_by=labels.position)
    )
    polluted = [row["status_zh"] for row in load_table("body_status").to_pylist() if row["status_rank"] >= 3]
    result = counts.left_join(pollutants, ["key", "period"])
    return result.select(
        "key",
        "period",
        "n_sections",
        "n_left_out",
        "share_i_iii",
        "share_i_ii",
        "share_v_worse",
        "share_worse_than_v",
        "status",
        main_pollutants=ibis.ifelse(result.status.isin(polluted), result.rate_pollutants, ibis.null("string")),
    )


def mean_concentration_classes(means: ir.Table, sections: ir.Table, by: GroupBy = "water_body") -> ir.Table:
    """Class of each group judged from the mean concentrations of its sections (地表水环境质量评价办法（试行）:
    rivers and basins of fewer than 5 sections; lakes and reservoirs of several points — the mean over time per
    point, then over the points, with the lake TP limits of GB 3838-2002 Table 1).

    A group whose sections are all lakes or reservoirs is judged as a lake. Returns ``key, period,
    class_rank, class, status, main_pollutants, n_items``.
    """
    groups = group_key(sections, by)
    kinds = groups.group_by("key").aggregate(all_lake=groups.kind.isin(LAKE_KINDS).all())
    values = means.select("section", "period", "item", "value").inner_join(groups.drop("kind"), "section")
    body = values.group_by(["key", "period", "item"]).aggregate(value=values.value.mean())
    body = body.inner_join(kinds, "key")
    body = body.mutate(kind=ibis.ifelse(body.all_lake, "lake", "river")).drop("all_lake")
    classed = item_classes(body)
    result = section_classes(classed, keys=["key", "period"])
    return result.select("key", "period", "class_rank", "class", "status", "main_pollutants", "n_items")


def summarize(
    means: ir.Table,
    section_class_table: ir.Table,
    item_class_table: ir.Table,
    sections: ir.Table,
    by: GroupBy = "all",
    *,
    min_sections_for_proportions: int = MIN_SECTIONS_FOR_PROPORTIONS,
) -> ir.Table:
    """One row per group and period: class proportions, 水质状况 and main pollutants.

    For ``by="water_body"`` (rivers, basins, lakes; 地表水环境质量评价办法（试行）): a lake or reservoir, or a
    river of fewer than ``min_sections_for_proportions`` (5) evaluated sections, is judged from its mean
    concentrations (``method = "mean_concentration"``, with ``class``); a river of 5 or more by its class
    proportions (``method = "proportion"``). Other groupings (level, region, all) are judged by proportions
    (Meili decision: the mean-concentration rule is written for rivers and lakes, not administrative sets).
    The proportions are always reported.
    """
    shares = proportions(section_class_table, item_class_table, sections, by)
    if by not in ("water_body", "basin"):
        return shares.mutate(method=ibis.literal("proportion"), **{"class": ibis.null("string")})
    by_mean = mean_concentration_classes(means, sections, by).select(
        "key", "period", mean_class="class", mean_status="status", mean_pollutants="main_pollutants"
    )
    groups = group_key(sections, by)
    lakes = groups.group_by("key").aggregate(all_lake=groups.kind.isin(LAKE_KINDS).all())
    joined = shares.left_join(by_mean, ["key", "period"]).drop("key_right", "period_right")
    joined = joined.inner_join(lakes, "key")
    use_mean = joined.all_lake | (joined.n_sections < min_sections_for_proportions)
    return joined.select(
        *[c for c in shares.columns if c not in ("status", "main_pollutants")],
        status=ibis.ifelse(use_mean, joined.mean_status, joined.status),
        main_pollutants=ibis.ifelse(use_mean, joined.mean_pollutants, joined.main_pollutants),
        method=ibis.ifelse(use_mean, "mean_concentration", "proportion"),
        **{"class": ibis.ifelse(use_mean, joined.mean_class, ibis.null("string"))},
    )

