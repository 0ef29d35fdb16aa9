"""Database URLs given on the command line: refused with one line when empty or
malformed, and described for messages (host, port, database, user; never the password)."""

from __future__ import annotations

import psycopg
from psycopg.conninfo import conninfo_to_dict

from schemactl.errors import SchemactlError


def check_url(url: str, source: str) -> str:
    """``url`` unchanged when libpq can parse it; else an error naming ``source``
    (e.g. `--db-url`)."""
    if not url.strip():
        raise SchemactlError(
            f"{source} is empty",
            hint="give a database URL such as postgresql://user@host:5432/dbname, "
            "or leave the option out",
        )
    try:
        params = conninfo_to_dict(url)
    except psycopg.ProgrammingError as exc:
        reason = str(exc).strip().splitlines()[0]
        raise SchemactlError(
            f"{source} is not a database URL: {reason}",
            hint="write postgresql://user[:password]@host[:port]/dbname "
            "or key=value pairs (host=… dbname=…)",
        ) from exc
    port = str(params.get("port") or "")
    if port and not all(part.isdigit() for part in port.split(",")):
        raise SchemactlError(
            f"{source}: port {port!r} is not a number",
            hint="write postgresql://user@host:5432/dbname",
        )
    return url


def describe_url(url: str) -> str:
    """`host:port/dbname as user`, defaults filled in as libpq would (no password)."""
    params = conninfo_to_dict(url)
    host = str(params.get("host") or params.get("hostaddr") or "local socket")
    port = str(params.get("port") or "5432")
    user = str(params.get("user") or "")
    dbname = str(params.get("dbname") or user or "?")
    return f"{host}:{port}/{dbname}" + (f" as {user}" if user else "")
