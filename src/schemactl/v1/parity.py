"""`parity`: V1 and V2 compared row by row and in totals (SPEC §10); read-only."""

from __future__ import annotations

from dataclasses import dataclass

import psycopg

from schemactl.sqlfiles import load_sql
from schemactl.v1.failures import database_failure
from schemactl.v1.install import require_migration, require_v1_schema
from schemactl.v1.migrate import KindBooks, read_books


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


def check_parity(conn: psycopg.Connection) -> ParityReport:
    """Compare in one snapshot (the caller opens a read-only repeatable-read transaction)."""
    require_v1_schema(conn)
    require_migration(conn)
    try:
        books = tuple(read_books(conn).values())
        rows = conn.execute(load_sql("v1/parity")).fetchall()
    except psycopg.Error as exc:
        raise database_failure(exc, "parity") from exc
    return ParityReport(books, tuple(Mismatch(*row) for row in rows))
