"""One observation schema: the tidy columns every value of a plan measure travels in.

Reported files (the long format and the reporting workbook, :mod:`meili.ingest.templates`), computed indicators
(:mod:`meili.standards.air.indicators`, :mod:`meili.standards.water.indicators`, recorded by
:mod:`meili.ingest.computed`) and the store's input (:mod:`meili.store.model`) all use these columns, in this
order: ``plan, region, measure, year, value, state, unit, source, note``.

``year`` is a 32-bit integer: the store keeps it as ``INTEGER`` (DuckDB's 32-bit type) and the store's input is
cast to int32, so a computed table needs no cast on its way in and every producer writes the same Parquet type
(before, air wrote int64 and water int32). Years are four-digit numbers; 32 bits are more than enough.

``state`` means two things, told apart by who wrote the row:

- in a **reported** row, the qualitative state of a state measure (a word of its ``vocabulary``, e.g. 基本建立);
- in a **computed** row, the data-quality flag :class:`Quality` of the computation. Recording turns it into the
  store's ``provisional`` column (:func:`meili.ingest.computed.observations_from_computed`).
"""

from __future__ import annotations

import unicodedata
from enum import StrEnum

import pyarrow as pa

#: The tidy observation columns, in order.
OBSERVATION_COLUMNS: tuple[str, ...] = (
    "plan", "region", "measure", "year", "value", "state", "unit", "source", "note",
)

#: The type of ``year`` wherever an observation is an Arrow table (the store's INTEGER).
YEAR_TYPE = pa.int32()

#: The Arrow schema of observation rows (computed indicators return exactly this).
OBSERVATION_SCHEMA = pa.schema([
    ("plan", pa.string()), ("region", pa.string()), ("measure", pa.string()), ("year", YEAR_TYPE),
    ("value", pa.float64()), ("state", pa.string()), ("unit", pa.string()), ("source", pa.string()),
    ("note", pa.string()),
])
assert tuple(OBSERVATION_SCHEMA.names) == OBSERVATION_COLUMNS


class Quality(StrEnum):
    """The quality flag of a computed row (its ``state`` column)."""

    #: The validity rules of the standard are met.
    MEASURED = "measured"
    #: Computed, but the validity rules were not all met: the value is kept and recorded as provisional.
    INCOMPLETE = "incomplete"
    #: Nothing could be computed: ``value`` is null and the row is not recorded.
    MISSING = "missing"


#: Unit cells that mean "no unit" (a qualitative measure).
EMPTY_UNITS = ("", "—", "-", "–", "无", "定性", "无单位")
#: Common spellings of the plans' units, after NFKC and case-folding → the spelling compared.
UNIT_SPELLINGS = {"ug/m3": "μg/m3", "微克/立方米": "μg/m3", "m3/万元": "立方米/万元", "m2/人": "平方米/人",
                  "km2": "平方公里", "亿m3": "亿立方米"}


def normalise_unit(unit: str | None) -> str:
    """A unit spelling as compared: NFKC (µ→μ, ³→3), no spaces, case-folded, common spellings mapped; "" for
    no unit. ``μg/m³``, ``µg/m3`` and ``ug/m3`` are one unit."""
    if unit is None:
        return ""
    u = unicodedata.normalize("NFKC", unit).replace(" ", "").casefold()
    if u in EMPTY_UNITS:
        return ""
    return UNIT_SPELLINGS.get(u, u)


def observation_table(rows: list[dict]) -> pa.Table:
    """Observation rows (dicts with the columns above; absent keys are null) as a table of OBSERVATION_SCHEMA."""
    return pa.Table.from_pylist(
        [{c: (r.get(c).value if isinstance(r.get(c), Quality) else r.get(c)) for c in OBSERVATION_COLUMNS}
         for r in rows],
        schema=OBSERVATION_SCHEMA,
    )
