"""Small helpers to evaluate the Ibis expressions of meili.standards.air on literal values."""

from __future__ import annotations

import ibis

from meili.standards.air import aqi


def iaqi_values(values, indicator, regime, method="any", substitute=None):
    """IAQI of each concentration in ``values`` (through rounding, then the exact ceil)."""
    pollutant = indicator.split("_")[0]
    t = ibis.memtable({"c": [float(v) if v is not None else None for v in values],
                       "s": [substitute] * len(values)}, schema={"c": "float64", "s": "int64"})
    units = aqi.rounded_concentration(t.c, pollutant)
    substitutes = {}
    if substitute is not None:
        substitutes = {"so2_24h": t.s, "o3_1h": t.s}
    expr = aqi.indicator_iaqi(units, indicator, regime, method=method, substitutes=substitutes)
    out = t.select(v=expr).to_pyarrow().column("v").to_pylist()
    return out


def iaqi_value(value, indicator, regime, method="any", substitute=None):
    return iaqi_values([value], indicator, regime, method, substitute)[0]


def rounded_units(values, pollutant):
    t = ibis.memtable({"c": [float(v) for v in values]}, schema={"c": "float64"})
    return t.select(v=aqi.rounded_concentration(t.c, pollutant)).to_pyarrow().column("v").to_pylist()
