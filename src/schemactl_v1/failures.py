"""Database errors raised while migrating, as errors a data owner can act on."""

from __future__ import annotations

import psycopg

from schemactl.api import SchemactlError


def database_failure(exc: psycopg.Error, what: str) -> SchemactlError:
    """`what` failed: the server's message (and hint), and that nothing was changed."""
    diag = exc.diag
    message = (diag.message_primary or str(exc)).strip()
    where = f" [{diag.sqlstate}]" if diag.sqlstate and diag.sqlstate != "P0001" else ""
    context = (diag.context or "").strip().splitlines()
    origin = f" (in {context[-1].strip()})" if context and diag.sqlstate != "P0001" else ""
    hint = diag.message_hint or "nothing was changed: it runs in one transaction"
    return SchemactlError(f"{what} failed: {message}{where}{origin}", hint=hint)
