"""migra's published diff fixtures (tests/peer_fixtures/migra/, see its README): for each
case, `a.sql` is built in one scratch database and `b.sql` in another (both on the
Supabase stand-in, as the owner role, as migrations run); the diff engine writes the
statements from a to b (verified by its own round trip), they are applied to a and
committed, and the two databases are compared again with the engine's comparison
(`results` and the catalog snapshot, as `diff --check` and `drift` do): nothing may be
left.

migra's expected.sql is not compared: our statements differ in form (grants in full,
one statement per change, foreign keys kept); what counts is that a becomes b.

Cases out of scope are skipped with their reason (`OUT_OF_SCOPE`; none at the moment).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from schemactl.catalog.reader import API_ROLES
from schemactl.diff.engine import diff_databases
from schemactl.diff.gaps import Environment
from schemactl.diff.results_inspection import Scope
from schemactl.pg.databases import (
    Server,
    connect,
    create_database,
    drop_database,
    install_standin,
    unique_name,
)
from schemactl.testing import acting_as

FIXTURES = Path(__file__).resolve().parents[1] / "peer_fixtures" / "migra"
CASES = sorted(p.name for p in FIXTURES.iterdir() if p.is_dir())
OUT_OF_SCOPE: dict[str, str] = {}
OWNER = "postgres"
ENVIRONMENT = Environment(API_ROLES, ("public",))
# The role migra's own test suite creates before loading the fixtures (rls uses it).
TEST_ROLE = "schemainspect_test_role"
SCHEMAS = "select nspname::text from pg_namespace where nspname !~ '^(pg_|information_schema)'"


@contextmanager
def scratch(server: Server, sql: str | None = None) -> Iterator[str]:
    """A database on the stand-in (legacy grants) holding ``sql``, run as the owner."""
    name = unique_name("migra")
    create_database(server, name)
    try:
        url = server.url(name)
        with connect(url) as conn, conn.transaction():
            install_standin(conn, OWNER, "legacy")
            if sql is not None:
                with acting_as(conn, OWNER):
                    conn.execute(sql)
        yield url
    finally:
        drop_database(server, name)


@pytest.fixture(scope="module")
def standin_schemas(server: Server) -> frozenset[str]:
    """The schemas of a database holding the stand-in only (never compared)."""
    with connect(server.url()) as admin:
        exists = admin.execute("select from pg_roles where rolname = %s", [TEST_ROLE]).fetchone()
        if exists is None:
            admin.execute(f"create role {TEST_ROLE}")
            admin.commit()
    with scratch(server) as url, connect(url) as conn:
        return frozenset(row[0] for row in conn.execute(SCHEMAS))


# The statements (grants left out) of the cases an earlier engine got wrong: a table
# replaced by a view (the view reading it dropped first, created again after), a view
# relying on a primary key for GROUP BY (created after the key), inheritance children
# (created with only the columns they define: the inherited ones stay inherited).
EXPECTED = {
    "dependencies2": [
        'drop view if exists "x"."q";',
        'drop table "x"."data";',
        'create table "x"."t_data" (\n    "id" uuid,\n    "name" text\n);',
        'create or replace view "x"."data" as  SELECT t_data.id,\n    t_data.name\n'
        "   FROM x.t_data;",
        'create or replace view "x"."q" as  SELECT data.id,\n    data.name\n   FROM x.data;',
    ],
    "dependencies4": [
        'drop table "public"."t2";',
        'create table "public"."t" (\n    "id" integer not null,\n    "a" text,\n'
        '    "b" integer\n);',
        "CREATE UNIQUE INDEX t_pkey ON public.t USING btree (id);",
        'alter table "public"."t" add constraint "t_pkey" PRIMARY KEY using index "t_pkey";',
        'create or replace view "public"."v" as  SELECT t.id,\n    t.a,\n'
        "    max(t.b) AS max\n   FROM public.t\n  GROUP BY t.id;",
        'create materialized view "public"."mv" as  SELECT v.id\n   FROM public.v;',
        "CREATE UNIQUE INDEX mv_id_idx ON public.mv USING btree (id);",
    ],
}
INHERIT_CHILDREN = [
    f'create table "public"."entity_bindings_{x}" () inherits ("public"."entity_bindings");'
    for x in "abc"
]


@pytest.mark.parametrize("case", CASES)
def test_migra_fixture(case: str, server: Server, standin_schemas: frozenset[str]) -> None:
    if case in OUT_OF_SCOPE:
        pytest.skip(OUT_OF_SCOPE[case])
    folder = FIXTURES / case
    with (
        scratch(server, (folder / "a.sql").read_text()) as a_url,
        scratch(server, (folder / "b.sql").read_text()) as b_url,
        connect(a_url) as a,
        connect(b_url) as b,
    ):
        added = {row[0] for conn in (a, b) for row in conn.execute(SCHEMAS)} - standin_schemas
        scope = Scope(frozenset({"public", *added}))
        diff = diff_databases(a, b, scope=scope, owner=OWNER, environment=ENVIRONMENT)
        a.commit()
        assert diff.statements, "a and b differ in every fixture"
        written = [x for x in diff.statements if not x.startswith(("grant ", "revoke "))]
        if case in EXPECTED:
            assert written == EXPECTED[case]
        if case == "inherit":
            assert [x for x in written if " inherits " in x] == INHERIT_CHILDREN
        with acting_as(a, OWNER):
            for statement in diff.statements:
                a.execute(statement)
        again = diff_databases(
            a, b, scope=scope, owner=OWNER, environment=ENVIRONMENT, verify=False
        )
        assert (again.statements, again.unwritable) == ([], [])
