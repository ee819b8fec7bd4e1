"""Section water-quality classes: GB 3838-2002 single-factor evaluation, period means and main pollutants.

All functions take and return Ibis table expressions (DuckDB by default; the same expressions run on Spark).
The long sample table every function starts from has the columns

    section: string, time: timestamp, item: string, value: float64, below_dl: bool

where ``value`` is the reported number (the detection limit itself for a value written ``0.01L``) and
``below_dl`` flags such values. A section registry, where given, has at least ``section, kind`` and for
attainment ``target_class`` (see :mod:`meili.ingest.water`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import ibis
import ibis.expr.types as ir

from meili.errors import invalid_choice
from meili.standards.rounding import round_half_even
from meili.standards.water.tables import table

Period = Literal["sample", "month", "quarter", "year"]
PERIODS: tuple[str, ...] = ("sample", "month", "quarter", "year")
LAKE_KINDS: tuple[str, ...] = ("lake", "reservoir")

# Means are rounded to this many decimals before classification only to remove binary floating-point
# noise (0.1 + 0.2 ≠ 0.3), never as the standard's 修约: the smallest limit in Table 1 is 0.00005.
_FLOAT_NOISE_DECIMALS = 10


def period_label(time: ir.TimestampValue, period: Period) -> ir.StringValue:
    """The period a sample time falls in, as text: ``YYYY-MM-DD HH:MM``, ``YYYY-MM``, ``YYYY-Qn`` or ``YYYY``."""
    if period == "sample":
        return time.strftime("%Y-%m-%d %H:%M")
    if period == "month":
        return time.strftime("%Y-%m")
    if period == "quarter":
        return time.strftime("%Y") + "-Q" + time.quarter().cast("string")
    if period == "year":
        return time.strftime("%Y")
    raise invalid_choice("period", period, PERIODS)


def period_means(
    samples: ir.Table,
    period: Period | Sequence[Period] = "month",
    *,
    year: int | None = None,
    min_samples: int = 1,
    below_dl_fraction: float = 0.5,
    ph_mean: Literal["arithmetic", "hydrogen"] = "arithmetic",
) -> ir.Table:
    """Each item's value over a period: the arithmetic mean of its samples.

    环办监测函〔2020〕82号 (地表水环境质量监测数据统计技术规定（试行）) point 7: a value below the detection
    limit enters the mean as ½ of the limit (``below_dl_fraction``); the period value keeps the flag
    ``below_dl`` when every sample was below the limit. A period of one sample is that sample.
    Unverified in the text we hold, hence parameters with the documented defaults: ``min_samples`` (periods
    with fewer samples of an item are left out), and ``ph_mean`` ("hydrogen" averages 10^-pH).

    At ``period="sample"`` each source row (column ``row`` where the reader gives it) is its own sample,
    so rows repeated at one time are not merged. Rows without a time only have a sample period.

    Returns ``section, period, item, value, below_dl, n_samples`` (and ``row`` at the sample period).

    ``period`` several kinds of period (not ``sample``), for one query over all of them: each sample counts in a
    period of each kind, whose labels tell them apart (``2024``, ``2024-03``, ``2024-Q1``); every later step is
    computed per period, so each kind's rows are those of a call for it alone.
    """
    if not isinstance(period, str):
        if "sample" in period:
            raise invalid_choice("period", "sample", tuple(p for p in PERIODS if p != "sample"))
        if year is not None:
            samples = samples.filter(samples.time.year() == year)
        samples = samples.filter(samples.value.notnull() & samples.time.notnull())
        stacked = ibis.union(*(samples.mutate(_period=period_label(samples.time, p)) for p in period), distinct=False)
        return _means(stacked, stacked._period, ["section", "period", "item"], below_dl_fraction=below_dl_fraction,
                      min_samples=min_samples, ph_mean=ph_mean)
    if year is not None:
        samples = samples.filter(samples.time.year() == year)
    samples = samples.filter(samples.value.notnull())
    if period != "sample":
        samples = samples.filter(samples.time.notnull())
    keys = ["section", "period", "item"]
    if period == "sample" and "row" in samples.columns:
        keys.insert(2, "row")
    # A row without a time (the national table has some) gets the period "" so joins on the key still match.
    label = period_label(samples.time, period).fill_null("")
    return _means(samples, label, keys, below_dl_fraction=below_dl_fraction, min_samples=min_samples,
                  ph_mean=ph_mean)


def _means(samples: ir.Table, label: ir.StringValue, keys: list[str], *, below_dl_fraction: float,
           min_samples: int, ph_mean: str) -> ir.Table:
    """The means of :func:`period_means` over ``samples`` (filtered) with their period ``label``."""
    used = ibis.ifelse(samples.below_dl, samples.value * below_dl_fraction, samples.value)
    if ph_mean == "hydrogen":
        used = ibis.ifelse(samples.item == "ph", ibis.literal(10.0).pow(-used), used)
    grouped = samples.mutate(period=label, used=used).group_by(keys)
    means = grouped.aggregate(
        value=lambda t: t.used.mean(),
        below_dl=lambda t: t.below_dl.all(),
        n_samples=lambda t: t.used.count(),
    )
    if ph_mean == "hydrogen":
        means = means.mutate(value=ibis.ifelse(means.item == "ph", -means.value.log10(), means.value))
    means = means.mutate(value=means.value.round(_FLOAT_NOISE_DECIMALS))
    return means.filter(means.n_samples >= min_samples)


def value_keys(values: ir.Table) -> list[str]:
    """The key columns of a table of period values: ``section``, ``period`` and, for samples, ``row``."""
    return [c for c in ("section", "period", "row") if c in values.columns]


def with_water_kind(values: ir.Table, sections: ir.Table | None) -> ir.Table:
    """Add ``kind`` (river, lake, reservoir; river where the registry does not say) and ``water_kind``
    (``lake`` for lakes and reservoirs, else ``river``), the key of the lake TP limits of GB 3838 Table 1."""
    if "kind" not in values.columns:
        if sections is None:
            values = values.mutate(kind=ibis.literal("river"))
        else:
            kinds = sections.select("section", registry_kind="kind")
            values = values.left_join(kinds, "section").drop("section_right")
            values = values.mutate(kind=values.registry_kind.fill_null("river")).drop("registry_kind")
    return values.mutate(water_kind=ibis.ifelse(values.kind.isin(LAKE_KINDS), "lake", "river"))


def item_classes(values: ir.Table, sections: ir.Table | None = None) -> ir.Table:
    """The GB 3838-2002 class of each item value (GB 3838-2002 §4 and Table 1).

    An item's class is the best class whose limit it meets, so where classes share a limit the better
    class wins (COD 15 → Ⅰ, BOD5 3 → Ⅰ, Cu 1.0 → Ⅱ); pH meets every class inside 6–9 (two-sided);
    dissolved oxygen meets a class at or above its limit (reversed); total phosphorus of lakes and
    reservoirs uses the lake limits. A value meeting no class is 劣Ⅴ (rank 6). Items without Table 1
    limits (water temperature, chlorophyll-a, …) are not classified and drop out.

    ``values`` has ``section, item, value`` (plus any key columns, e.g. ``period``) and either ``kind``
    or a registry in ``sections`` giving it. Returns those columns plus ``class_rank`` (1–6),
    ``limit_iii`` (the Class Ⅲ limit where it is an upper limit), ``lower_iii`` and ``upper_iii`` (the
    Class Ⅲ bounds as Table 1 gives them), ``multiple`` (超标倍数 (C − C_Ⅲ)/C_Ⅲ, for
    items over Class Ⅲ with an upper limit only; none for pH and DO), ``role``, ``priority``, ``name_zh``,
    ``table1_no``.
    """
    values = with_water_kind(values, sections).filter(lambda t: t.value.notnull())
    limits = table("limits")
    keys = list(values.columns)
    joined = values.inner_join(
        limits,
        [
            values.item == limits.item,
            (limits.water_kind == "all") | (limits.water_kind == values.water_kind),
        ],
    )
    meets = (joined.lower.isnull() | (joined.value >= joined.lower)) & (
        joined.upper.isnull() | (joined.value <= joined.upper)
    )
    is_iii = joined.class_rank == 3
    classed = joined.group_by(keys).aggregate(
        best=joined.class_rank.min(where=meets),
        limit_iii=joined.upper.max(where=is_iii & joined.lower.isnull()),
        lower_iii=joined.lower.max(where=is_iii),
        upper_iii=joined.upper.max(where=is_iii),
    )
    classed = classed.mutate(class_rank=classed.best.fill_null(6)).drop("best")
    items = table("items").select("item", "role", "priority", "name_zh", "table1_no")
    classed = classed.inner_join(items, "item")
    over_iii = (classed.class_rank > 3) & classed.limit_iii.notnull()
    return classed.mutate(
        multiple=ibis.ifelse(over_iii, (classed.value - classed.limit_iii) / classed.limit_iii, ibis.null())
    )


def main_pollutants(
    classes: ir.Table, keys: list[str] | None = None, *, max_items: int = 3, multiple_decimals: int = 1
) -> ir.Table:
    """Main pollutants (主要污染指标) of each key from its item classes (地表水环境质量评价办法（试行）).

    Candidates are the evaluation items over their Class Ⅲ limit. Order: cyanide and heavy metals
    (``priority`` in ``tables/items.csv``) first, then the worst class, then the larger 超标倍数; pH and DO,
    which have no 超标倍数, come after the items of their class that have one (Meili decision); Table 1
    order breaks remaining ties. At most ``max_items``, written as bulletins write them:
    ``氨氮（1.3）、总磷（0.6）、化学需氧量（0.2）``: 超标倍数 to ``multiple_decimals`` (default 1, as the bulletins
    print it: 地表水环境质量评价办法（试行）, 环办〔2011〕22号 [S]), rounded by GB/T 8170-2008 §3.2.

    Returns ``keys + [main_pollutants]`` for keys with at least one candidate.
    """
    keys = keys or value_keys(classes)
    candidates = classes.filter((classes.role == "evaluated") & (classes.class_rank > 3))
    order = [
        ibis.desc(candidates.priority),
        ibis.desc(candidates.class_rank),
        ibis.desc(candidates.multiple, nulls_first=False),
        candidates.table1_no,
    ]
    ranked = candidates.mutate(position=ibis.row_number().over(group_by=keys, order_by=order))
    ranked = ranked.filter(ranked.position < max_items)
    # GB/T 8170-2008 §3.2 on the decimal value: (0.25 − 0.2)/0.2 is 0.24999999999999997 in binary, 0.25 → 0.2
    shown = round_half_even(ranked.multiple, multiple_decimals).cast("string")
    label = ranked.name_zh + ibis.ifelse(ranked.multiple.isnull(), "", "（" + shown + "）")
    ranked = ranked.mutate(label=label)
    return ranked.group_by(keys).aggregate(
        main_pollutants=ranked.label.group_concat("、", order_by=ranked.position)
    )


def section_classes(
    item_class_table: ir.Table,
    sections: ir.Table | None = None,
    *,
    keys: list[str] | None = None,
    max_pollutants: int = 3,
    multiple_decimals: int = 1,
) -> ir.Table:
    """Each section's class over a period by the single-factor method (地表水环境质量评价办法（试行）:
    "根据评价时段内该断面参评的指标中类别最高的一项来确定"), its 水质状况 and colour, its main pollutants, and
    whether it meets the registry's ``target_class``.

    Only the 21 evaluation items count; total nitrogen (lakes and reservoirs) and fecal coliform are
    reported apart in ``reference_items``. Returns ``keys`` (default ``section, period``) plus
    ``class_rank, class, status, status_en, colour, n_items, main_pollutants, reference_items`` and, with a
    registry, ``target_class, meets_target``.
    """
    keys = keys or value_keys(item_class_table)
    evaluated = item_class_table.filter(item_class_table.role == "evaluated")
    worst = evaluated.group_by(keys).aggregate(
        class_rank=evaluated.class_rank.max(), n_items=evaluated.item.nunique()
    )
    classes = table("classes").select(
        "class_rank", "class", status="status_zh", status_en="status_en", colour="colour_zh"
    )
    result = worst.inner_join(classes, "class_rank")
    pollutants = main_pollutants(
        item_class_table, keys, max_items=max_pollutants, multiple_decimals=multiple_decimals
    )
    result = result.left_join(pollutants, keys).select(
        *result.columns,
        main_pollutants=ibis.ifelse(result.class_rank > 3, pollutants.main_pollutants, ibis.null("string")),
    )
    reference = item_class_table.filter(
        (item_class_table.role == "reference")
        | ((item_class_table.role == "reference_lake") & (item_class_table.water_kind == "lake"))
    )
    numerals = table("classes").select("class_rank", ref_class="class")
    reference = reference.inner_join(numerals, "class_rank")
    reference = reference.group_by(keys).aggregate(
        reference_items=(reference.name_zh + " " + reference.ref_class + "类").group_concat(
            "、", order_by=reference.table1_no
        )
    )
    result = result.left_join(reference, keys).select(*result.columns, "reference_items")
    if sections is not None and "target_class" in sections.columns:
        targets = sections.select("section", target_class="target_class")
        ranks = table("classes").select(target_class="class", target_rank="class_rank")
        targets = targets.left_join(ranks, "target_class").select("section", "target_class", "target_rank")
        result = result.left_join(targets, "section").select(
            *result.columns,
            "target_class",
            meets_target=ibis.ifelse(
                targets.target_rank.isnull(), ibis.null("boolean"), result.class_rank <= targets.target_rank
            ),
        )
    return result


def classify(
    samples: ir.Table,
    sections: ir.Table | None = None,
    *,
    period: Period = "sample",
    year: int | None = None,
    min_samples: int = 1,
    ph_mean: Literal["arithmetic", "hydrogen"] = "arithmetic",
) -> ir.Table:
    """Section classes per period from raw samples: :func:`period_means`, then :func:`item_classes`, then
    :func:`section_classes` (GB 3838-2002 Table 1; 地表水环境质量评价办法（试行）; 环办监测函〔2020〕82号)."""
    means = period_means(samples, period, year=year, min_samples=min_samples, ph_mean=ph_mean)
    return section_classes(item_classes(means, sections), sections)


def compare_published(samples: ir.Table, sections: ir.Table | None, published: ir.Table) -> ir.Table:
    """Meili's class of every sample row beside the class the source published for it.

    ``published`` has ``section, row, published_class``. Rows are classified one by one (the sample
    period), with the same rules as :func:`classify`. Returns ``section, row, period, class, published_class,
    agrees`` for the rows with a published class.
    """
    classes = classify(samples, sections, period="sample").select("section", "row", "period", "class")
    rows = published.filter(published.published_class.notnull())
    joined = rows.left_join(classes, ["section", "row"]).select(
        "section", "row", "period", "class", "published_class"
    )
    return joined.mutate(agrees=(joined["class"] == joined.published_class).fill_null(False))
