"""Fixtures for the V1 -> V2 migration tests: databases holding the V1 schema and
generated V1 data (see databases.py and generator.py)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from schemactl.config import Project
from schemactl.testing.session import CommittedDatabase, TestDatabases
from schemactl_v1.dual_write import DualWriteState

from .databases import SEED, V1Database, prepare, snapshot
from .generator import DEFAULT_OWNER, generate
from .mirroring import TRIGGERS, enable


@pytest.fixture
def small_v1(committed_db: CommittedDatabase, crm_project: Project) -> V1Database:
    """A fresh database with a small generated V1 (a few hundred rows), not migrated."""
    return prepare(committed_db, crm_project, generate(SEED + 1, clients=120, opportunities=400))


@pytest.fixture
def empty_v1(committed_db: CommittedDatabase, crm_project: Project) -> V1Database:
    """A fresh database with the V1 schema and no V1 rows."""
    return prepare(committed_db, crm_project, None)


@pytest.fixture(scope="module")
def v1_story(schemactl_databases: TestDatabases, crm_project: Project) -> Iterator[dict[str, Any]]:
    """Thousands of messy V1 rows, then: a dry run, the migration, a second run — with a
    snapshot of the database after each step. Tests read; none writes."""
    generated = generate(SEED, clients=1000, opportunities=4000)
    with schemactl_databases.committed("opt-in") as database:
        v1 = prepare(database, crm_project, generated)
        story: dict[str, Any] = {"v1": v1, "before": snapshot(v1.conn)}
        story["dry_run"] = v1.migrate(default_owner=DEFAULT_OWNER, dry_run=True)
        story["after_dry_run"] = snapshot(v1.conn)
        story["first"] = v1.migrate(default_owner=DEFAULT_OWNER)
        story["after_first"] = snapshot(v1.conn)
        story["second"] = v1.migrate()
        story["after_second"] = snapshot(v1.conn)
        yield story


@pytest.fixture
def mirrored(small_v1: V1Database) -> V1Database:
    """small_v1 migrated, dual-write on."""
    small_v1.migrate(default_owner=DEFAULT_OWNER)
    assert enable(small_v1) == DualWriteState(TRIGGERS)
    return small_v1
