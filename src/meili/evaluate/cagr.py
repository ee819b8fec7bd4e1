"""Second opinion: the CAGR progress measure of Statistics Canada and Open SDG (sdg-build ``ProgressMeasure.py``).

CAGR(v1, v0, t1, t0) = (v1/v0)^(1/(t1 − t0)) − 1. With a numeric target x* for year T:
R = sign · d · CAGR(x, x0, t, t0) / |CAGR(x*, x0, T, t0)|; without one (trend or unassigned delegated targets):
P = sign · d · CAGR(x, x0, t, t0). d = +1 higher is better, −1 lower; sign = −1 when the base value is negative.
A base value or target of 0 becomes ``zero_replacement`` (0.001); base and current of opposite signs give no
result. Thresholds from ``src/meili/data/methods/cagr.yaml``. Reported beside Meili's own status, never instead.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from meili.evaluate.params import CagrParams

#: Statuses of the CAGR method (Open SDG's words).
CAGR_STATUSES = ("achieved", "substantial", "moderate", "limited", "deterioration", "not_available")


def cagr(v1: ir.FloatingValue, v0: ir.FloatingValue, t1: ir.NumericValue, t0: ir.NumericValue) -> ir.FloatingValue:
    """Compound annual growth rate between (t0, v0) and (t1, v1); null when t1 ≤ t0."""
    years = (t1 - t0).cast("float64")
    return ibis.ifelse(years > 0, (v1 / v0) ** (1.0 / years) - 1, ibis.null("float64"))


def cagr_columns(g: ir.Table, params: CagrParams) -> dict[str, ir.Value]:
    """``cagr_method``, ``cagr_ratio``, ``cagr_status`` for a table with the evaluation's columns
    (x0, t0, x_last, t, te, milestone, d, eval_kind, is_state, met_now)."""
    z = params.zero_replacement
    x = ibis.ifelse(g.t.notnull(), g.x_last, ibis.null("float64"))  # the latest observed value, never a cumulation
    v0 = ibis.ifelse(g.x0 == 0, z, g.x0)
    usable = (g.x0.notnull() & x.notnull() & ~g.is_state & ~((v0 > 0) & (x < 0)) & ~((v0 < 0) & (x > 0)))
    sign = ibis.ifelse(v0 < 0, -1.0, 1.0)
    observed = cagr(x, v0, g.t, g.t0)
    with_target = g.eval_kind.isin(["bound", "range"]) & g.te.notnull()
    growth_kind = g.eval_kind.isin(["trend_improve", "trend_hold", "pending"])
    tgt = ibis.ifelse(g.te == 0, z, g.te)
    required = cagr(tgt, v0, g.milestone, g.t0)
    ratio = ibis.cases(
        (~usable, ibis.null("float64")),
        (with_target & (required != 0), sign * g.d * observed / required.abs()),
        (growth_kind, sign * g.d * observed),
        else_=ibis.null("float64"),
    )
    method = ibis.cases((~usable, ibis.null("string")), (with_target, "target"), (growth_kind, "growth"),
                        else_=ibis.null("string"))
    th = ibis.ifelse(method == "target", params.target_thresholds.substantial, params.growth_thresholds.substantial)
    tm = ibis.ifelse(method == "target", params.target_thresholds.moderate, params.growth_thresholds.moderate)
    status = ibis.cases(
        (with_target & usable & g.met_now, "achieved"),
        (ratio.isnull(), "not_available"),
        (ratio >= th, "substantial"),
        (ratio >= tm, "moderate"),
        (ratio >= 0, "limited"),
        else_="deterioration",
    )
    return {"cagr_method": method, "cagr_ratio": ratio, "cagr_status": status}
