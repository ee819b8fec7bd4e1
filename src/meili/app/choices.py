"""The choices of the operations' enumerated options, in a module light enough for a front door to load at
start-up, so that a wrong choice is refused while parsing, before any input is read.

Each tuple equals the engine's own (a test checks): ``meili.standards.air.hourly.METHODS`` …
"""

from __future__ import annotations

from enum import StrEnum

AIR_METHODS = ("cnemc", "hj633-2012")
AIR_STANDARDS = ("auto", "2012", "2026")
AIR_FORMATS = ("cnemc", "wide", "long")
AIR_TIME_LABELS = ("end", "start")
AIR_GROUPINGS = ("station", "city", "region", "group")
AIR_O3_ORDERS = ("station_mda8", "city_hourly")
AIR_PERIODS = ("year", "half", "quarter", "month")
WATER_TROPHIC_PERIODS = ("month", "quarter", "year")
RANK_METHODS = ("efficacy", "progress")


def _enum(name: str, values: tuple[str, ...]) -> type[StrEnum]:
    return StrEnum(name, {v.replace("-", "_"): v for v in values})  # type: ignore[return-value]


AirMethod = _enum("AirMethod", AIR_METHODS)
AirStandard = _enum("AirStandard", AIR_STANDARDS)
AirFormat = _enum("AirFormat", AIR_FORMATS)
AirTimeLabel = _enum("AirTimeLabel", AIR_TIME_LABELS)
AirGrouping = _enum("AirGrouping", AIR_GROUPINGS)
AirO3Order = _enum("AirO3Order", AIR_O3_ORDERS)
AirPeriod = _enum("AirPeriod", AIR_PERIODS)
TrophicPeriod = _enum("TrophicPeriod", WATER_TROPHIC_PERIODS)
RankMethod = _enum("RankMethod", RANK_METHODS)
