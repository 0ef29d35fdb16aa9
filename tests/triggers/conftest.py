"""Fixtures of the trigger tests; plain helpers live in `helpers.py`."""

from __future__ import annotations

import pytest

from tests.support.factories import Crm

from .helpers import Sales, make_sales


@pytest.fixture
def sales(crm: Crm) -> Sales:
    """An admin and a seller in one team, a pipeline, two organizations."""
    return make_sales(crm)
