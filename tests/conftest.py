"""Fixtures shared by every test folder. Row factories live in tests/support/factories.py."""

from __future__ import annotations

import psycopg
import pytest

from schemactl.config import Project
from schemactl.testing.session import TestDatabases
from tests.support.factories import Crm


@pytest.fixture(scope="session")
def crm_project(schemactl_databases: TestDatabases) -> Project:
    """This repository's project (the CRM schema), the one the session's databases hold."""
    return schemactl_databases.project


@pytest.fixture
def crm(db: psycopg.Connection) -> Crm:
    """Factories writing through the rolled-back `db` connection."""
    return Crm(db)
