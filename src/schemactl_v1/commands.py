"""The typed functions behind the V1 commands: one per verb, nothing printed."""

from __future__ import annotations

import psycopg

from schemactl.api import NO_PROGRESS, Progress, Project, act_as_owner, connect, target_url
from schemactl_v1 import dual_write as v1_dual_write
from schemactl_v1 import migrate as v1_migrate
from schemactl_v1 import parity as v1_parity
from schemactl_v1.dual_write import DualWriteState
from schemactl_v1.migrate import MigrationReport
from schemactl_v1.parity import ParityReport


def migrate_v1(
    project: Project,
    db_url: str | None = None,
    *,
    default_owner: str | None = None,
    dry_run: bool = False,
    progress: Progress = NO_PROGRESS,
) -> MigrationReport:
    """Migrate V1 into V2 in one transaction, as the schema owner in bulk-import mode
    (docs/migration-v1.md); `dry_run` rolls it back and reports what it would have done."""
    with connect(target_url(project, db_url)) as conn, conn.transaction(force_rollback=dry_run):
        act_as_owner(conn, project)
        return v1_migrate.migrate(
            conn, default_owner=default_owner, dry_run=dry_run, progress=progress
        )


def parity(project: Project, db_url: str | None = None) -> ParityReport:
    """Compare V1 and V2 in one read-only snapshot."""
    with connect(target_url(project, db_url)) as conn:
        conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        conn.read_only = True
        with conn.transaction():
            return v1_parity.check_parity(conn)


def dual_write(project: Project, enable: bool, db_url: str | None = None) -> DualWriteState:
    """Install (enable) or remove (disable) the V1 -> V2 dual-write triggers."""
    with connect(target_url(project, db_url)) as conn, conn.transaction():
        act_as_owner(conn, project)
        return v1_dual_write.enable(conn) if enable else v1_dual_write.disable(conn)
