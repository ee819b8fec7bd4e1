"""Trophic state of lakes and reservoirs: the comprehensive trophic level index TLI(Σ)
(中国环境监测总站 湖泊（水库）富营养化评价方法及分级技术规定, 总站生字〔2001〕090号).

TLI(Σ) = Σ W_j · TLI(j), W_j = r_j² / Σ r_j², TLI(j) = 10 (a_j + b_j ln C_j); r, a, b per parameter and the
grade bounds are in ``tables/trophic.csv`` and ``tables/trophic_grades.csv``. Units: chla mg/m³, SD m,
TP, TN, CODMn mg/L.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from meili.standards.water.tables import load_table

TLI_ITEMS: tuple[str, ...] = ("chla", "tp", "tn", "sd", "codmn")


def trophic_level_index(values: ir.Table, *, require_all: bool = True) -> ir.Table:
    """Add ``tli_<item>`` for each parameter, ``tli`` (TLI(Σ)), ``n_params``, ``grade`` and ``grade_en``.

    ``values`` is wide: one row per point and period with the columns ``chla, tp, tn, sd, codmn``
    (总站生字〔2001〕090号 formulas and weights). With ``require_all`` (default) TLI(Σ) needs all five
    parameters; otherwise the weights r_j² are renormalised over the parameters present (Meili option,
    reported through ``n_params``). Non-positive values have no logarithm and count as missing.
    """
    coefficients = {row["item"]: row for row in load_table("trophic").to_pylist()}
    partial: dict[str, ir.FloatingValue] = {}
    for item in TLI_ITEMS:
        c = coefficients[item]
        column = values[item].cast("float64")
        usable = column.notnull() & (column > 0)
        partial[f"tli_{item}"] = ibis.ifelse(
            usable, 10.0 * (c["a"] + c["b"] * column.ln()), ibis.null("float64")
        )
    values = values.mutate(**partial)
    weight_sum = sum(ibis.ifelse(values[f"tli_{i}"].notnull(), coefficients[i]["r"] ** 2, 0.0) for i in TLI_ITEMS)
    weighted = sum(
        ibis.ifelse(values[f"tli_{i}"].notnull(), coefficients[i]["r"] ** 2 * values[f"tli_{i}"], 0.0)
        for i in TLI_ITEMS
    )
    n_params = sum(values[f"tli_{i}"].notnull().cast("int32") for i in TLI_ITEMS)
    enough = n_params == len(TLI_ITEMS) if require_all else n_params > 0
    values = values.mutate(
        n_params=n_params, tli=ibis.ifelse(enough, weighted / weight_sum, ibis.null("float64"))
    )
    return values.mutate(grade=trophic_grade(values.tli, "grade_zh"), grade_en=trophic_grade(values.tli, "grade_en"))


def trophic_grade(tli: ir.FloatingValue, label: str = "grade_zh") -> ir.StringValue:
    """Grade of a TLI(Σ) (总站生字〔2001〕090号): < 30 贫营养; 30–50 中营养 (both ends included);
    (50, 60] 轻度富营养; (60, 70] 中度富营养; > 70 重度富营养."""
    branches = []
    for row in load_table("trophic_grades").to_pylist():
        if row["upper"] is None:
            branches.append((tli.notnull(), row[label]))
        elif row["upper_inclusive"]:
            branches.append((tli <= row["upper"], row[label]))
        else:
            branches.append((tli < row["upper"], row[label]))
    return ibis.cases(*branches)


def trophic_state(means: ir.Table, sections: ir.Table | None = None) -> ir.Table:
    """TLI(Σ) of every lake or reservoir point and period from period means (``section, period, item, value``):
    the points whose registry kind is lake or reservoir and that hold the TLI parameters."""
    values = means.filter(means.item.isin(TLI_ITEMS))
    if sections is not None:
        lakes = sections.filter(sections.kind.isin(("lake", "reservoir"))).select("section")
        values = values.semi_join(lakes, "section")
    wide = values.group_by(["section", "period"]).aggregate(
        **{item: values.value.max(where=values.item == item) for item in TLI_ITEMS}
    )
    return trophic_level_index(wide)
