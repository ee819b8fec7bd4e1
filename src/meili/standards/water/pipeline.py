"""The water jobs end to end over Arrow tables (what the CLI and ``meili demo`` call): read tables in,
Ibis expressions on DuckDB inside, Arrow tables out."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import ibis
import pyarrow as pa

from meili.standards.water.bodies import GroupBy, group_key, grouping_of_key, summarize
from meili.standards.water.classify import Period, classify, item_classes, period_means, section_classes
from meili.standards.water.cwqi import change_ranking, group_cwqi, rank
from meili.standards.water.indicators import plan_indicators
from meili.standards.water.trophic import trophic_state

if TYPE_CHECKING:
    from meili.plan import Plan
    from meili.standards.computations import BindingParams

CLASSIFY_COLUMNS = ("section", "period", "class", "status", "main_pollutants")
SUMMARY_COLUMNS = ("key", "n_sections", "share_i_iii", "share_i_ii", "share_v_worse", "share_worse_than_v",
                   "status", "main_pollutants")
RANK_COLUMNS = ("key", "cwqi", "rank", "change_rate")


def classify_sections(samples: pa.Table, sections: pa.Table, *, period: Period | Sequence[Period] = "sample",
                      year: int | Sequence[int] | None = None, published: pa.Table | None = None) -> pa.Table:
    """Section classes per period: ``section, period, class, status, main_pollutants`` then ``colour,
    n_items, reference_items, target_class, meets_target, name, water_body, kind`` and, for the national table
    (``published`` given, sample period), ``province, basin, published_class``. ``year``: one year, several (one
    query; every class is computed per section and period) or None (all). ``period``: a kind of period, or
    several in one query (:func:`classify.period_means`; their labels tell them apart)."""
    samples_t, sections_t = ibis.memtable(samples), ibis.memtable(sections)
    if year is not None and not isinstance(year, int):
        samples_t, year = samples_t.filter(samples_t.time.year().isin(sorted(set(year)))), None
    result = classify(samples_t, sections_t, period=period, year=year)
    extra = sections_t.select("section", "name", "water_body", "kind", "province", "basin")
    result = result.left_join(extra, "section").drop("section_right")
    columns = [*CLASSIFY_COLUMNS, "colour", "n_items", "reference_items", "target_class", "meets_target",
               "name", "water_body", "kind"]
    if published is not None and period == "sample":
        result = result.left_join(ibis.memtable(published), ["section", "row"]).drop("section_right", "row_right")
        columns += ["province", "basin", "published_class", "row"]
    order = ["section", "period", "row"] if "row" in result.columns else ["section", "period"]
    return result.order_by(order).select(*columns).to_pyarrow()


def summarize_sections(samples: pa.Table, sections: pa.Table, *, year: int | Sequence[int],
                       by: GroupBy | Sequence[GroupBy] = "all") -> pa.Table:
    """Annual summary per group: ``key, n_sections, share_i_iii, share_i_ii, share_v_worse, share_worse_than_v,
    status, main_pollutants`` then ``n_left_out, method, class, period``.

    ``year``: a year, or several (one query; each year's rows, ``period`` = the year, are those of that year alone:
    every value is computed per group and period). ``by``: a grouping, or several judged by proportions (not
    ``water_body``, ``basin``) in one query, keys written ``<grouping>|<key>`` (:func:`bodies.group_key`)."""
    if not isinstance(by, str) and {"water_body", "basin"} & set(by):
        raise ValueError("water_body and basin are summarised one at a time")
    samples_t, sections_t = ibis.memtable(samples), ibis.memtable(sections)
    if isinstance(year, int):
        means = period_means(samples_t, "year", year=year)
    else:
        means = period_means(samples_t.filter(samples_t.time.year().isin(sorted(set(year)))), "year")
    classed = item_classes(means, sections_t)
    result = summarize(means, section_classes(classed, sections_t), classed, sections_t, by)
    return result.order_by("key").select(*SUMMARY_COLUMNS, "n_left_out", "method", "class", "period").to_pyarrow()


def rank_groups(samples: pa.Table, sections: pa.Table, *, year: int | Sequence[int],
                by: GroupBy | Sequence[GroupBy] = "region") -> pa.Table:
    """Annual CWQI ranking of groups with the change against the year before where the input holds it:
    ``key, cwqi, rank, change_rate`` then ``change_rank, change_ranked, n_river, n_lake, n_items, period``
    (groups all ≤ Ⅱ and on target in both years are not ranked by change: :func:`cwqi.change_ranking`).

    ``year``: a year, or several (one query; each year's rows, ``period`` = the year, are those of that year alone:
    ranks and changes are computed within a period and against the year before it). ``by``: a grouping, or several
    in one query (keys ``<grouping>|<key>``, ranked within their grouping)."""
    years = [year] if isinstance(year, int) else sorted(set(year))
    samples_t, sections_t = ibis.memtable(samples), ibis.memtable(sections)
    used = sorted({y - 1 for y in years} | set(years))
    means = period_means(samples_t.filter(samples_t.time.year().isin(used)), "year")
    within = [] if isinstance(by, str) else ["_grouping"]
    cwqi_table = group_cwqi(means, sections_t, by)
    if within:
        cwqi_table = cwqi_table.mutate(_grouping=grouping_of_key(cwqi_table.key))
    ranked = rank(cwqi_table, within=within)
    classes = section_classes(item_classes(means, sections_t), sections_t)
    if "meets_target" not in classes.columns:
        classes = classes.mutate(meets_target=ibis.null("boolean"))
    classes = classes.inner_join(group_key(sections_t, by), "section")
    good = classes.group_by(["key", "period"]).aggregate(
        all_good=((classes.class_rank <= 2) & ibis.coalesce(classes.meets_target, False)).all())
    ranked = change_ranking(ranked, good, within=within)
    ranked = (ranked.filter(ranked.period == str(year)) if isinstance(year, int)
              else ranked.filter(ranked.period.isin([str(y) for y in years])))
    return ranked.order_by(["rank", "key"]).select(
        *RANK_COLUMNS, "change_rank", "change_ranked", "n_river", "n_lake", "n_items", "period").to_pyarrow()


def trophic_states(samples: pa.Table, sections: pa.Table, *, year: int, period: Period = "year") -> pa.Table:
    """TLI(Σ) and trophic grade of each lake or reservoir point per period of ``year`` (总站生字〔2001〕090号):
    ``section, period, tli, grade`` then the per-parameter indices and ``n_params``."""
    samples_t, sections_t = ibis.memtable(samples), ibis.memtable(sections)
    means = period_means(samples_t, period, year=year)
    result = trophic_state(means, sections_t)
    first = ["section", "period", "tli", "grade"]
    return result.order_by(["section", "period"]).select(
        *first, *[c for c in result.columns if c not in first]).to_pyarrow()


def water_indicators(samples: pa.Table, sections: pa.Table, *, year: int, plan: str | Path | Plan = "ganzhou",
                     source: str = "", bindings: Mapping[str, BindingParams | Mapping] | None = None,
                     city_code: str | None = None) -> pa.Table:
    """The plan's measures bound to a water computation, as observation rows (see
    :func:`meili.standards.water.indicators.plan_indicators`; ``bindings`` None: those of ``plan``)."""
    return plan_indicators(ibis.memtable(samples), ibis.memtable(sections), year=year, plan=plan, source=source,
                           bindings=bindings, city_code=city_code)
