"""The CLI's choices (a light module, loaded at start-up) are the engines' own."""

from __future__ import annotations

from meili.app import choices


def test_the_choices_equal_the_engines_tuples():
    from meili.evaluate.composite import METHODS as RANK_METHODS
    from meili.standards.air.annual import PERIODS
    from meili.standards.air.daily import GROUPINGS, O3_CITY_ORDERS
    from meili.standards.air.hourly import METHODS

    assert choices.AIR_METHODS == METHODS and choices.AIR_GROUPINGS == GROUPINGS
    assert choices.AIR_O3_ORDERS == O3_CITY_ORDERS and choices.AIR_PERIODS == PERIODS
    assert choices.RANK_METHODS == RANK_METHODS
    assert [m.value for m in choices.AirPeriod] == list(PERIODS)
