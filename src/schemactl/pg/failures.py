"""The one converter from a psycopg error to the project's error: the server's message on
one line with its SQLSTATE, where it comes from, and what to do next."""

from __future__ import annotations

import psycopg

from schemactl.errors import Location, SchemactlError

# An error raised by the schema's own functions (`raise exception '…'`): its message is
# already written for the user, the generic code adds nothing.
RAISED = "P0001"


def server_message(exc: psycopg.Error, *, code_of_raised: bool = True) -> str:
    """`relation "x" does not exist [42P01]`: the first line of the server's message and
    its SQLSTATE (left out for P0001 when `code_of_raised` is false)."""
    diag = exc.diag
    lines = (diag.message_primary or str(exc)).strip().splitlines()
    message = lines[0] if lines else type(exc).__name__
    code = diag.sqlstate
    if not code or (code == RAISED and not code_of_raised):
        return message
    return f"{message} [{code}]"


def database_error(
    exc: psycopg.Error,
    what: str | None = None,
    *,
    location: Location | None = None,
    hint: str | None = None,
    server_hint_first: bool = False,
    code_of_raised: bool = True,
) -> SchemactlError:
    """`what: <server message> [SQLSTATE]` as a SchemactlError (exit 2). The hint is ours;
    with `server_hint_first`, the server's own hint (when it gives one) replaces it."""
    message = server_message(exc, code_of_raised=code_of_raised)
    if server_hint_first and exc.diag.message_hint:
        hint = exc.diag.message_hint
    return SchemactlError(f"{what}: {message}" if what else message, location=location, hint=hint)
