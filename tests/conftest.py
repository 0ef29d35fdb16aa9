"""Fixtures shared by every test folder. Row factories live in tests/factories.py."""

from __future__ import annotations

import psycopg
import pytest

from tests.support.factories import Crm


@pytest.fixture
def crm(db: psycopg.Connection) -> Crm:
    """Factories writing through the rolled-back `db` connection."""
    return Crm(db)
