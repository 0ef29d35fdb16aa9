"""The plugin's SQL as installed: every PL/pgSQL body passes plpgsql_check against the
schema it runs on (trigger functions with their V1 tables), and every function that runs
as its owner pins its search_path. (sqlfluff checks the files: `schemactl lint`.)"""

from __future__ import annotations

import re

import pytest

from schemactl.migrations.plpgsql_check import PlpgsqlCheckAbsent, plpgsql_check_errors
from schemactl_v1 import commands

from .databases import V1Database

# The bulk functions build their working sets in temporary tables they create themselves
# (`create temporary table v1_pending_… on commit drop as …`), which a static check cannot
# see: plpgsql_check reports each statement using one as 42P01. Only those are set aside.
BULK_WORK_TABLES = re.compile(
    r'^relation "pg_temp\.v1_pending_(clients|emails|contacts|lines)" does not exist$'
)


def plugin_errors(v1: V1Database) -> list[tuple[str, int, str, str]]:
    try:
        errors = plpgsql_check_errors(v1.conn, ["migration"])
    except PlpgsqlCheckAbsent as absent:
        pytest.skip(f"plpgsql_check: {absent}")
    return [
        (e["signature"], e["lineno"], e["sqlstate"], e["message"])
        for e in errors
        if not (e["sqlstate"] == "42P01" and BULK_WORK_TABLES.match(e["message"]))
    ]


def test_every_plpgsql_body_of_the_plugin_passes_plpgsql_check(empty_v1: V1Database) -> None:
    commands.dual_write(empty_v1.project, True, empty_v1.url)  # installs, with the triggers
    functions = empty_v1.value("""
        select count(*) from pg_proc as p join pg_language as l on l.oid = p.prolang
        where p.pronamespace = 'migration'::regnamespace and l.lanname = 'plpgsql'""")
    assert functions > 20
    assert plugin_errors(empty_v1) == []


def test_a_body_that_names_a_missing_column_is_caught(empty_v1: V1Database) -> None:
    """The check above can fail: the same call reports a wrong column in a plugin-like body."""
    commands.dual_write(empty_v1.project, True, empty_v1.url)
    empty_v1.conn.execute("""
        create function migration.broken() returns integer language plpgsql as $$
        begin
            return (select o.no_such_column from v1.opportunities as o limit 1);
        end $$""")
    assert plugin_errors(empty_v1) == [
        ("migration.broken()", 3, "42703", "column o.no_such_column does not exist")
    ]


def test_functions_running_as_their_owner_pin_the_search_path(empty_v1: V1Database) -> None:
    commands.dual_write(empty_v1.project, True, empty_v1.url)
    definers = empty_v1.rows("""
        select p.proname, p.proconfig from pg_proc as p
        where p.pronamespace = 'migration'::regnamespace and p.prosecdef
        order by p.proname""")
    assert [d["proname"] for d in definers] == ["dual_write"]
    assert {tuple(d["proconfig"]) for d in definers} == {("search_path=pg_catalog, pg_temp",)}
