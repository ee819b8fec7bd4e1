"""Fixtures of the evaluation tests."""

from __future__ import annotations

import pytest

from meili.plan import Plan, load_plan
from tests.helpers.evaluate import TINY


@pytest.fixture(scope="session")
def ganzhou() -> Plan:
    return load_plan("ganzhou")


@pytest.fixture(scope="session")
def tiny() -> Plan:
    return Plan.model_validate(TINY)
