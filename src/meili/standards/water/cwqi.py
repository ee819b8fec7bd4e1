"""City water quality index CWQI and the ranking of cities, counties or groups
(城市地表水环境质量排名技术规定（试行）, 环办监测〔2017〕51号).

Item index over the 21 evaluation items: C / C_Ⅲ (lake TP with the lake limit 0.05); DO: C_Ⅲ / C (5 / C);
pH: (7 − pH)/(7 − 6) at or below 7, else (pH − 7)/(9 − 7) (6 and 9 are the Class Ⅲ bounds of GB 3838 Table 1).
Section CWQI = Σ item indices. A group's CWQI: per-item means over its river sections give CWQI_river, over its
lake points CWQI_lake, and CWQI = (CWQI_river · n_river + CWQI_lake · n_lake)/(n_river + n_lake).
"""

from __future__ import annotations

from collections.abc import Sequence

import ibis
import ibis.expr.types as ir

from meili.standards.water.bodies import GroupBy, group_key
from meili.standards.water.classify import item_classes
from meili.standards.water.tables import table

_PH_NEUTRAL = 7.0  # the neutral point of the 2017 pH index formula


def item_index(classed: ir.Table) -> ir.FloatingValue:
    """The CWQI index of each item value from :func:`~meili.standards.water.classify.item_classes` output
    (环办监测〔2017〕51号); null for items outside the 21 evaluation items."""
    forms = table("items").select("item", "cwqi_form")
    classed = classed.inner_join(forms, "item")
    ph = ibis.ifelse(
        classed.value <= _PH_NEUTRAL,
        (_PH_NEUTRAL - classed.value) / (_PH_NEUTRAL - classed.lower_iii),
        (classed.value - _PH_NEUTRAL) / (classed.upper_iii - _PH_NEUTRAL),
    )
    index = ibis.cases(
        (classed.cwqi_form == "ratio", classed.value / classed.upper_iii),
        (classed.cwqi_form == "inverse", classed.lower_iii / classed.value.nullif(0.0)),
        (classed.cwqi_form == "ph", ph),
        else_=ibis.null("float64"),
    )
    return classed.mutate(index=index).filter(lambda t: (t.role == "evaluated") & t.index.notnull())


def section_cwqi(means: ir.Table, sections: ir.Table | None = None) -> ir.Table:
    """CWQI of each section and period: the sum of its item indices (环办监测〔2017〕51号).

    Returns ``section, period, cwqi, n_items, missing_items``: a missing item is not silently counted as
    zero but named in ``missing_items`` (the 21 evaluation items not measured).
    """
    indexed = item_index(item_classes(means, sections))
    result = indexed.group_by(["section", "period"]).aggregate(
        cwqi=indexed["index"].sum(), n_items=indexed.item.nunique()
    )
    evaluated = table("items").filter(lambda t: t.role == "evaluated").select("item", "name_zh", "table1_no")
    expected = result.select("section", "period").cross_join(evaluated)
    missing = expected.anti_join(indexed.select("section", "period", "item"), ["section", "period", "item"])
    missing = missing.group_by(["section", "period"]).aggregate(
        missing_items=missing.name_zh.group_concat("、", order_by=missing.table1_no)
    )
    joined = result.left_join(missing, ["section", "period"])
    return joined.select("section", "period", "cwqi", "n_items", "missing_items")


def group_cwqi(means: ir.Table, sections: ir.Table, by: GroupBy = "region") -> ir.Table:
    """CWQI of each group (city, county, …) and period (环办监测〔2017〕51号; the aggregation over sections is
    as recalled in the reference, unverified): per-item means over the group's river sections → CWQI_river,
    over its lake and reservoir points → CWQI_lake, weighted by their numbers of sections.

    Returns ``key, period, cwqi, n_river, n_lake, n_items``.
    """
    groups = group_key(sections, by)
    values = means.select("section", "period", "item", "value").inner_join(groups, "section")
    values = values.mutate(part=ibis.ifelse(values.kind.isin(("lake", "reservoir")), "lake", "river"))
    counts = values.group_by(["key", "period", "part"]).aggregate(n=values.section.nunique())
    averaged = values.group_by(["key", "period", "part", "item"]).aggregate(value=values.value.mean())
    averaged = averaged.mutate(kind=averaged.part)
    indexed = item_index(item_classes(averaged))
    parts = indexed.group_by(["key", "period", "part"]).aggregate(
        cwqi_part=indexed["index"].sum(), n_items=indexed.item.nunique()
    )
    parts = parts.inner_join(counts, ["key", "period", "part"])
    result = parts.group_by(["key", "period"]).aggregate(
        cwqi=(parts.cwqi_part * parts.n).sum() / parts.n.sum(),
        n_river=parts.n.sum(where=parts.part == "river").fill_null(0),
        n_lake=parts.n.sum(where=parts.part == "lake").fill_null(0),
        n_items=parts.n_items.min(),
    )
    return result


def previous_year_period(period: ir.StringValue) -> ir.StringValue:
    """The same period one year earlier: ``2024`` → ``2023``, ``2024-03`` → ``2023-03``, ``2024-Q1`` → ``2023-Q1``."""
    return (period.substr(0, 4).cast("int32") - 1).cast("string") + period.substr(4)


def rank(cwqi_table: ir.Table, key: str = "key", *, within: Sequence[str] = ()) -> ir.Table:
    """Rank groups within each period by CWQI ascending (smaller is better; ties share the better rank), and
    the change against the same period a year earlier where the table holds it (环办监测〔2017〕51号):
    ΔCWQI = (CWQI_now − CWQI_last)/CWQI_last × 100 %, negative = better.

    Returns the input columns plus ``rank`` (1 = best) and ``change_rate`` (%, null without last year).
    ``within``: columns that also part the ranking (the grouping of stacked keys).
    """
    ranked = cwqi_table.mutate(rank=ibis.rank().over(group_by=["period", *within], order_by=cwqi_table.cwqi) + 1)
    last = cwqi_table.select(key, last_period="period", cwqi_last="cwqi")
    ranked = ranked.mutate(last_period=previous_year_period(ranked.period))
    joined = ranked.left_join(last, [key, "last_period"])
    return joined.select(
        *cwqi_table.columns,
        "rank",
        change_rate=(joined.cwqi - joined.cwqi_last) / joined.cwqi_last * 100.0,
    )


def change_ranking(ranked: ir.Table, good: ir.Table, key: str = "key", *, within: Sequence[str] = ()) -> ir.Table:
    """Rank the change ΔCWQI ascending (most improved first), leaving out the groups that need no improvement.

    城市地表水环境质量排名技术规定（试行）(环办监测〔2017〕51号): groups whose sections are all Ⅱ or better and all
    meet their targets in both years are not ranked by change. ``good`` has ``key, period, all_good`` (bool) per
    group and period. Adds ``change_ranked`` (bool) and ``change_rank`` (null where not ranked or no last year).
    ``within``: columns that also part the ranking (the grouping of stacked keys).
    """
    now = good.select(key, "period", good_now="all_good")
    last = good.select(key, last_period="period", good_last="all_good")
    t = ranked.mutate(last_period=previous_year_period(ranked.period))
    t = t.left_join(now, [key, "period"]).select(t, "good_now")
    t = t.left_join(last, [key, "last_period"]).select(t, "good_last")
    exempt = ibis.coalesce(t.good_now, False) & ibis.coalesce(t.good_last, False)
    t = t.mutate(change_ranked=t.change_rate.notnull() & ~exempt)
    # Rounded so that float noise (5.0 → 5.5 vs 3.0 → 3.3, both +10 %) cannot break a tie.
    order = ibis.ifelse(t.change_ranked, t.change_rate.round(6), ibis.null("float64"))
    t = t.mutate(change_rank=ibis.ifelse(
        t.change_ranked, ibis.rank().over(group_by=["period", *within, t.change_ranked], order_by=order) + 1,
        ibis.null("int64")))
    return t.drop("last_period", "good_now", "good_last")
