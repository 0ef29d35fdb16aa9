"""Fixtures of the access-control tests: the world (access/world.py) and a way to act
in it as each of its users."""

from __future__ import annotations

from typing import Any

import psycopg
import pytest

from tests.access.world import Access, World, build_world
from tests.support.factories import Crm


@pytest.fixture
def world(crm: Crm) -> World:
    return build_world(crm)


@pytest.fixture
def access(
    db: psycopg.Connection, world: World, as_user: Any, as_anon: Any, as_service_role: Any
) -> Access:
    return Access(db, world, as_user, as_anon, as_service_role)
