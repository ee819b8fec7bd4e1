"""Second opinion: the CAGR progress measure of Statistics Canada and Open SDG (sdg-build ``ProgressMeasure.py``).

CAGR(v1, v0, t1, t0) = (v1/v0)^(1/(t1 − t0)) − 1. With a numeric target x* for year T:
R = sign · d · CAGR(x, x0, t, t0) / |CAGR(x*, x0, T, t0)|; without one (trend or unassigned delegated targets):
P = sign · d · CAGR(x, x0, t, t0). d = +1 higher is better, −1 lower; sign = −1 when the base value is negative.
A base value or target of 0 becomes ``zero_replacement`` (0.001); base and current of opposite signs give no
result. Thresholds from ``src/meili/data/methods/cagr.yaml``, read from the call's ``args`` table (columns
``cagr_*``, see :data:`meili.evaluate.tables.ARGS`). Reported beside Meili's own status, never instead.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

#: Statuses of the CAGR method (Open SDG's words).
CAGR_STATUSES = ("achieved", "substantial", "moderate", "limited", "deterioration", "not_available")


def cagr(v1: ir.FloatingValue, v0: ir.FloatingValue, t1: ir.NumericValue, t0: ir.NumericValue) -> ir.FloatingValue:
    """Compound annual growth rate between (t0, v0) and (t1, v1); null when t1 ≤ t0."""
    years = (t1 - t0).cast("float64")
    return ibis.ifelse(years > 0, (v1 / v0) ** (1.0 / years) - 1, ibis.null("float64"))


def cagr_inputs(g: ir.Table) -> dict[str, ir.Value]:
    """First step, from the evaluation's columns (x0, t0, x_last, t, te, milestone, eval_kind, is_state, d) and the
    parameters (``cagr_zero``, ``cagr_target_*``, ``cagr_growth_*``): the observed and the required CAGR, whether
    the method applies and which thresholds it uses."""
    z = g.cagr_zero
    x = ibis.ifelse(g.t.notnull(), g.x_last, ibis.null("float64"))  # the latest observed value, never a cumulation
    v0 = ibis.ifelse(g.x0 == 0, z, g.x0)
    tgt = ibis.ifelse(g.te == 0, z, g.te)
    usable = (g.x0.notnull() & x.notnull() & ~g.is_state & ~g.annual_changes & ~((v0 > 0) & (x < 0))
              & ~((v0 < 0) & (x > 0)))
    with_target = g.eval_kind.isin(["bound", "range"]) & g.te.notnull()
    target = usable & with_target  # the "target" method (else "growth", or none)
    return {
        "cagr_usable": usable,
        "cagr_with_target": with_target,
        "cagr_growth": g.eval_kind.isin(["trend_improve", "trend_hold", "pending"]),
        "cagr_observed": ibis.ifelse(v0 < 0, -1.0, 1.0) * g.d * cagr(x, v0, g.t, g.t0),
        "cagr_required": cagr(tgt, v0, g.milestone, g.t0),
        "cagr_substantial": ibis.ifelse(target, g.cagr_target_substantial, g.cagr_growth_substantial),
        "cagr_moderate": ibis.ifelse(target, g.cagr_target_moderate, g.cagr_growth_moderate),
    }


def cagr_ratio_method(g: ir.Table) -> dict[str, ir.Value]:
    """Second step (the columns of :func:`cagr_inputs`): ``cagr_ratio`` and ``cagr_method``. The observed CAGR
    already carries sign · d."""
    ratio = ibis.cases(
        (~g.cagr_usable, ibis.null("float64")),
        (g.cagr_with_target & (g.cagr_required != 0), g.cagr_observed / g.cagr_required.abs()),
        (g.cagr_growth, g.cagr_observed),
        else_=ibis.null("float64"),
    )
    method = ibis.cases((~g.cagr_usable, ibis.null("string")), (g.cagr_with_target, "target"),
                        (g.cagr_growth, "growth"), else_=ibis.null("string"))
    return {"cagr_ratio": ratio, "cagr_method": method}


def cagr_status(g: ir.Table) -> ir.StringValue:
    """Last step (cagr_ratio, cagr_with_target, cagr_usable, cagr_substantial, cagr_moderate, met_now)."""
    return ibis.cases(
        (g.cagr_with_target & g.cagr_usable & g.met_now, "achieved"),
        (g.cagr_ratio.isnull(), "not_available"),
        (g.cagr_ratio >= g.cagr_substantial, "substantial"),
        (g.cagr_ratio >= g.cagr_moderate, "moderate"),
        (g.cagr_ratio >= 0, "limited"),
        else_="deterioration",
    )
