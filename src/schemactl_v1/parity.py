"""`parity`: V1 and V2 compared row by row and in totals (docs/design.md: The V1 transition); read-only."""

from __future__ import annotations

from dataclasses import dataclass

import psycopg

from schemactl_v1.failures import database_failure
from schemactl_v1.install import require_migration, require_v1_schema
from schemactl_v1.migrate import WORK_MEM, KindBooks, read_books
from schemactl_v1.sqlfiles import load_sql


@dataclass(frozen=True)
class Mismatch:
    """One disagreement: which check, which rows (V1 -> V2), which field, both sides."""

    check: str
    subject: str
    field: str
    expected: str | None  # from V1
    actual: str | None  # in V2


@dataclass(frozen=True)
class ParityReport:
    books: tuple[KindBooks, ...]
    mismatches: tuple[Mismatch, ...]

    @property
    def ok(self) -> bool:
        return not self.mismatches


# One query per check (schemactl_v1/sql/parity/<name>.sql), in the order reported. As
# separate statements they take seconds at 50k opportunities; as one, the planner made a
# plan several times slower.
CHECKS = ("coverage", "deals", "status", "revenue", "lines", "products", "contacts")
V1_KINDS = ("client", "opportunity", "opportunity_product")


def check_parity(conn: psycopg.Connection) -> ParityReport:
    """Compare in one snapshot (the caller opens a read-only repeatable-read transaction):
    V1 rows = migrated + quarantined per kind, then every check of CHECKS."""
    require_v1_schema(conn)
    require_migration(conn)
    try:
        conn.execute(f"set local work_mem = '{WORK_MEM}'")
        books = tuple(read_books(conn).values())
        rows = [
            row for check in CHECKS for row in conn.execute(load_sql(f"parity/{check}")).fetchall()
        ]
    except psycopg.Error as exc:
        raise database_failure(exc, "parity") from exc
    counts = [
        Mismatch(
            "count",
            b.kind,
            "rows",
            f"{b.v1_rows} (V1)",
            f"{b.migrated} migrated + {b.quarantined} quarantined",
        )
        for b in books
        if b.kind in V1_KINDS and b.v1_rows != b.migrated + b.quarantined
    ]
    return ParityReport(books, (*counts, *(Mismatch(*row) for row in rows)))
