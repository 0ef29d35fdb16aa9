"""Database errors raised while migrating, as errors a data owner can act on."""

from __future__ import annotations

import psycopg

from schemactl.api import RAISED, SchemactlError, database_error


def database_failure(exc: psycopg.Error, what: str) -> SchemactlError:
    """`what` failed: the server's message (and hint), and that nothing was changed. A
    message the migration functions raise themselves comes without code or origin."""
    error = database_error(
        exc,
        f"{what} failed",
        hint="nothing was changed: it runs in one transaction",
        server_hint_first=True,
        code_of_raised=False,
    )
    context = (exc.diag.context or "").strip().splitlines()
    if not context or exc.diag.sqlstate == RAISED:
        return error
    return SchemactlError(f"{error.message} (in {context[-1].strip()})", hint=error.hint)
