"""PL/pgSQL bodies checked by the plpgsql_check extension, when the server has it.

PostgreSQL's own validator only parses a PL/pgSQL body; plpgsql_check also analyses each
statement against the built schema (a misspelt column, a field NEW does not have, a
function called with the wrong types). The extension is created for the check inside a
savepoint and rolled back with it, so the database is left as it was; where the project
already has it, it is used where it is. Only the extension's errors fail: its warnings
(unused variables, performance) are advice. Where the server does not have the extension,
the check is skipped with a one-line notice on stderr."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import psycopg
from pglast import ast
from psycopg import sql
from psycopg.rows import dict_row

from schemactl.errors import Location, SchemactlError
from schemactl.source.statements import Statement
from schemactl.sqlfiles import load_sql

EXTENSION = "plpgsql_check"
_SCRATCH_SCHEMA = "schemactl_plpgsql_check"
_log = logging.getLogger(__name__)


class PlpgsqlCheckAbsent(Exception):
    """The server cannot provide the extension (its reason is the message)."""


def check_plpgsql_bodies(
    conn: psycopg.Connection,
    sources: Mapping[tuple[str, str, int], Statement],
    schemas: list[str],
) -> None:
    """Raise at the first plpgsql_check error in a function of ``sources`` (keyed by schema,
    name and number of input arguments), at the body's line in its file."""
    try:
        rows = plpgsql_check_errors(conn, schemas)
    except PlpgsqlCheckAbsent as absent:
        _log.warning("note: PL/pgSQL bodies not checked: %s", absent)
        return
    for row in rows:
        source = sources.get((row["schema"], row["name"], row["nargs"]))
        if source is None:
            continue  # not from schema/
        on = f" (as a trigger on {row['relation']})" if row["relation"] != "-" else ""
        raise SchemactlError(
            f"function {row['signature']}{on}: {row['message']} [{row['sqlstate']}] "
            "(plpgsql_check)",
            location=body_line(source, row["lineno"]),
            hint="the body does not match the schema it runs against: fix the name or type it uses",
        )


def plpgsql_check_errors(conn: psycopg.Connection, schemas: list[str]) -> list[dict[str, Any]]:
    """plpgsql_check's errors in the PL/pgSQL functions of ``schemas`` (signature, schema,
    name, nargs, relation, lineno, message, sqlstate), in a transaction rolled back after
    (the extension, created for the check where the database lacks it, goes with it).
    Raises PlpgsqlCheckAbsent when the server cannot provide the extension."""
    with conn.transaction(force_rollback=True):
        return _errors(conn, schemas)


def _errors(conn: psycopg.Connection, schemas: list[str]) -> list[dict[str, Any]]:
    with conn.cursor(row_factory=dict_row) as cur:
        installed = cur.execute(
            "select extnamespace::regnamespace::text as schema from pg_extension"
            " where extname = %s",
            [EXTENSION],
        ).fetchone()
        if installed is not None:
            schema = str(installed["schema"])
        else:
            available = cur.execute(
                "select 1 from pg_available_extensions where name = %s", [EXTENSION]
            ).fetchone()
            if available is None:
                major = cur.execute(
                    "select current_setting('server_version_num')::int / 10000 as major"
                ).fetchone()
                package = f"postgresql-{major['major'] if major else 'MAJOR'}-plpgsql-check"
                raise PlpgsqlCheckAbsent(
                    f"the server has no {EXTENSION} extension (on Debian: apt-get install "
                    f"{package})"
                )
            schema = _SCRATCH_SCHEMA
            try:
                with conn.transaction():
                    cur.execute(sql.SQL("create schema {}").format(sql.Identifier(schema)))
                    cur.execute(
                        sql.SQL("create extension {} schema {}").format(
                            sql.Identifier(EXTENSION), sql.Identifier(schema)
                        )
                    )
            except psycopg.errors.InsufficientPrivilege as exc:
                raise PlpgsqlCheckAbsent(
                    f"creating {EXTENSION} was refused: {exc.diag.message_primary}"
                ) from exc
        query = sql.SQL(load_sql("plpgsql_check")).format(check_schema=sql.Identifier(schema))
        return cur.execute(query, {"schemas": schemas}).fetchall()


def body_line(source: Statement, lineno: object) -> Location:
    """Where line ``lineno`` of the function's body (1 = the line its text starts on, as
    PL/pgSQL counts) is in the file; the statement's own location when the body cannot be
    placed (a template's rendered text, no line reported)."""
    if not isinstance(lineno, int) or source.file.endswith(".j2"):
        return source.location
    body = _body(source)
    start = source.sql.find(body) if body else -1
    if start < 0:
        return source.location
    return Location(source.file, source.line + source.sql[:start].count("\n") + lineno - 1)


def _body(source: Statement) -> str | None:
    node = source.node
    if not isinstance(node, ast.CreateFunctionStmt):
        return None
    for option in node.options or ():
        if isinstance(option, ast.DefElem) and option.defname == "as":
            parts = option.arg
            if isinstance(parts, tuple) and parts and isinstance(parts[0], ast.String):
                return str(parts[0].sval)
    return None
