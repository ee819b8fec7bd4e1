"""Fixtures of the evaluation tests."""

from __future__ import annotations

import pytest
from evalhelpers import TINY

from meili.plan import Plan, load_plan


@pytest.fixture(scope="session")
def ganzhou() -> Plan:
    return load_plan("ganzhou")


@pytest.fixture(scope="session")
def tiny() -> Plan:
    return Plan.model_validate(TINY)
