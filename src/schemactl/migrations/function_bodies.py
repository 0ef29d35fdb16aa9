"""Function bodies checked against the built schema.

A build runs with `check_function_bodies` off (a body may name objects created later in
the script). Once everything exists, each SQL function is validated by PostgreSQL's own
validator with the setting on — its body parsed and analysed against the real tables — so
a column typo fails here at the function's `file:line`, not at call time. PL/pgSQL bodies
are parsed by their validator too; their statements are then checked by plpgsql_check,
when the server has it (`schemactl.migrations.plpgsql_check`)."""

from __future__ import annotations

from collections.abc import Sequence

import psycopg
from pglast import ast
from psycopg import sql
from psycopg.rows import dict_row

from schemactl.lint.model import INPUT_MODES
from schemactl.migrations.plpgsql_check import check_plpgsql_bodies
from schemactl.pg.failures import database_error
from schemactl.source.names import strings
from schemactl.source.statements import Statement
from schemactl.sqlfiles import load_sql


def validate_function_bodies(
    conn: psycopg.Connection, statements: Sequence[Statement], schemas: Sequence[str]
) -> None:
    """Raise at the first function of ``statements`` whose body does not hold against the
    database ``conn`` is in (inside the caller's transaction; nothing is changed)."""
    sources = _sources(statements)
    with conn.cursor(row_factory=dict_row) as cur:
        functions = cur.execute(load_sql("function_bodies"), {"schemas": list(schemas)}).fetchall()
    for function in functions:
        source = sources.get((function["schema"], function["name"], function["nargs"]))
        if source is None:
            continue  # not from schema/ (the stand-in's, an extension's)
        try:
            with conn.transaction():
                conn.execute("set local check_function_bodies = on")
                conn.execute(
                    sql.SQL("select {}(%s::oid)").format(sql.SQL(function["validator"])),
                    [function["oid"]],
                )
        except psycopg.Error as exc:
            raise database_error(
                exc,
                f"function {function['signature']}",
                location=source.location,
                hint="the body does not match the schema it runs against: fix the name or "
                "type it uses",
            ) from exc
    check_plpgsql_bodies(conn, sources, list(schemas))


def _sources(statements: Sequence[Statement]) -> dict[tuple[str, str, int], Statement]:
    found: dict[tuple[str, str, int], Statement] = {}
    for statement in statements:
        node = statement.node
        if not isinstance(node, ast.CreateFunctionStmt):
            continue
        names = strings(node.funcname)
        schema, name = (names[0], names[-1]) if len(names) > 1 else ("public", names[-1])
        inputs = [p for p in node.parameters or () if p.mode in INPUT_MODES]
        found[(schema, name, len(inputs))] = statement
    return found
