"""Fixtures of the access-control tests: the sales organization (access/sales_org.py) and a way to act
in it as each of its users."""

from __future__ import annotations

from typing import Any

import psycopg
import pytest

from tests.access.sales_org import Access, SalesOrg, build_sales_org
from tests.support.factories import Crm


@pytest.fixture
def sales_org(crm: Crm) -> SalesOrg:
    return build_sales_org(crm)


@pytest.fixture
def access(
    db: psycopg.Connection, sales_org: SalesOrg, as_user: Any, as_anon: Any, as_service_role: Any
) -> Access:
    return Access(db, sales_org, as_user, as_anon, as_service_role)
