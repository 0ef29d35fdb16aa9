"""Grants, RLS and helpers read from the catalog (docs/design.md: The Supabase stand-in, Access control): identical in both
stand-in grant modes, nothing for anon, policies to authenticated only, helpers
evaluated once per statement, realtime set up."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import psycopg
import pytest

from schemactl.testing import acting_as, session
from tests.access.sales_org import Access

PRIVILEGES = (Path(__file__).parent / "privileges.sql").read_text()
PUBLIC_TABLES = """
    select c.relname from pg_class as c
    where c.relnamespace = 'public'::regnamespace and c.relkind in ('r', 'p')
        and c.relname <> all(%s)
    order by 1
"""
# The operator's tables: RLS on, no policy, no grant to anon or authenticated (only
# service_role, which bypasses RLS); tests/access/test_webhooks.py.
OPERATOR_TABLES = ["webhook_deliveries", "webhook_endpoints"]


@pytest.fixture(scope="module")
def privileges(schemactl_databases: session.TestDatabases) -> dict[str, list[tuple]]:
    return {
        mode: schemactl_databases.session_connection(mode).execute(PRIVILEGES).fetchall()
        for mode in ("opt-in", "legacy")
    }


def test_grants_are_identical_in_both_grant_modes(privileges: dict[str, list[tuple]]) -> None:
    opt_in, legacy = set(privileges["opt-in"]), set(privileges["legacy"])
    assert (sorted(legacy - opt_in), sorted(opt_in - legacy)) == ([], [])


@pytest.mark.parametrize("mode", ["opt-in", "legacy"])
def test_anon_and_public_hold_nothing_but_usage_on_public(
    privileges: dict[str, list[tuple]], mode: str
) -> None:
    held = [p for p in privileges[mode] if p[2] in ("anon", "PUBLIC")]
    # PostgreSQL's own USAGE on schema public, and the stand-in's (as Supabase's) to anon.
    assert held == [("schema", "public", "PUBLIC", "USAGE"), ("schema", "public", "anon", "USAGE")]


@pytest.mark.parametrize("mode", ["opt-in", "legacy"])
def test_private_and_reporting_schemas_grant_no_table_to_api_roles(
    privileges: dict[str, list[tuple]], mode: str
) -> None:
    held = {
        p
        for p in privileges[mode]
        if p[0] in ("relation", "column") and p[1].startswith(("private.", "reporting."))
    }
    assert held == set()


def test_every_public_table_has_rls_and_only_authenticated_policies(db: psycopg.Connection) -> None:
    rows = db.execute("""
        select c.relname, c.relrowsecurity,
            coalesce(array_agg(distinct r) filter (where r is not null), '{}')
        from pg_class as c
        left join pg_policy as p on p.polrelid = c.oid
        left join lateral unnest(p.polroles) as role_oid on true
        left join lateral (select case role_oid when 0 then 'PUBLIC'
                                  else pg_get_userbyid(role_oid) end as r) as roles on true
        where c.relnamespace = 'public'::regnamespace and c.relkind in ('r', 'p')
        group by c.relname, c.relrowsecurity order by 1
    """).fetchall()
    operator = {name: (rls, roles) for name, rls, roles in rows if name in OPERATOR_TABLES}
    assert operator == {name: (True, []) for name in OPERATOR_TABLES}
    rows = [row for row in rows if row[0] not in OPERATOR_TABLES]
    assert rows and all(rls and roles == ["authenticated"] for _, rls, roles in rows), rows


COMMANDS = {"SELECT": "r", "INSERT": "a", "UPDATE": "w", "DELETE": "d"}


def test_each_granted_command_has_one_permissive_and_one_api_scope_policy(
    db: psycopg.Connection,
) -> None:
    problems = []
    for (table,) in db.execute(PUBLIC_TABLES, [OPERATOR_TABLES]).fetchall():
        for command, code in COMMANDS.items():
            granted = db.execute(
                "select has_table_privilege('authenticated', %s, %s) "
                "or (%s <> 'DELETE' and has_any_column_privilege('authenticated', %s, "
                "case %s when 'DELETE' then 'SELECT' else %s end))",
                [f"public.{table}", command, command, f"public.{table}", command, command],
            ).fetchone()[0]
            permissive, restrictive = db.execute(
                "select count(*) filter (where polpermissive), "
                "count(*) filter (where not polpermissive) from pg_policy "
                "where polrelid = %s::regclass and polcmd in (%s, '*')",
                [f"public.{table}", code],
            ).fetchone()
            expected = (1, 1) if granted else (0, 0)
            if (permissive, restrictive) != expected:
                problems.append((table, command, granted, permissive, restrictive))
    assert problems == []


def test_select_star_works_on_every_exposed_relation_for_admins(
    access: Access, db: psycopg.Connection
) -> None:
    relations = [
        r[0]
        for r in db.execute(
            "select c.relname from pg_class as c where c.relnamespace = 'public'::regnamespace "
            "and c.relkind in ('r', 'p', 'v') "
            "and has_table_privilege('authenticated', c.oid, 'SELECT') order by 1"
        ).fetchall()
    ]
    assert "deals" in relations and "rotten_deals" in relations
    failures = {}
    for relation in relations:
        try:
            access.rows("admin", f"select * from public.{relation} limit 1")
        except psycopg.Error as exc:
            failures[relation] = exc.sqlstate
    assert failures == {}


def test_select_star_works_for_sellers_on_every_relation_they_may_read(access: Access) -> None:
    for relation in (
        "deals",
        "organizations",
        "contacts",
        "organization_contacts",
        "tasks",
        "deal_products",
        "deal_stage_history",
        "users",
        "teams",
        "pipelines",
        "stages",
        "sources",
        "loss_reasons",
        "products",
        "api_keys",
        "rotten_deals",
    ):
        assert access.rows("seller_a", f"select * from public.{relation}") is not None


def plan_nodes(plan: dict[str, Any], relationship: str = "") -> list[tuple[str, dict]]:
    found = [(relationship, plan)]
    for child in plan.get("Plans", []):
        found += plan_nodes(child, child.get("Parent Relationship", relationship))
    return found


def test_select_policies_call_helpers_once_per_statement_not_per_row(
    access: Access, db: psycopg.Connection
) -> None:
    per_row = {}
    for (table,) in db.execute(PUBLIC_TABLES, [OPERATOR_TABLES]).fetchall():
        [(plan,)] = access.rows(
            "seller_a", f"explain (verbose, format json) select * from public.{table}"
        )
        for relationship, node in plan_nodes(plan[0]["Plan"]):
            if node.get("Relation Name") != table or relationship in ("InitPlan", "SubPlan"):
                continue
            for key in ("Filter", "Index Cond", "Recheck Cond"):
                text = node.get(key, "")
                if any(call in text for call in ("private.", "auth.", "current_setting")):
                    per_row[table, key] = text
    assert per_row == {}


def test_policy_helpers_are_definer_stable_pinned_and_for_authenticated_only(
    db: psycopg.Connection,
) -> None:
    rows = db.execute("""
        select p.proname, p.prosecdef, p.provolatile, p.proconfig,
            has_function_privilege('authenticated', p.oid, 'execute'),
            has_function_privilege('anon', p.oid, 'execute'),
            has_function_privilege('service_role', p.oid, 'execute')
        from pg_proc as p
        where p.pronamespace = 'private'::regnamespace and p.proname in (
            'current_user_id', 'current_user_role', 'current_user_team', 'is_active_user',
            'team_user_ids', 'deal_owner_ids', 'can_write_deal', 'can_write_organization',
            'can_write_contact')
        order by 1
    """).fetchall()
    assert len(rows) == 9
    assert [
        r
        for r in rows
        if r[1:] != (True, "s", ["search_path=pg_catalog, pg_temp"], True, False, False)
    ] == []


def test_api_scope_check_needs_no_elevated_rights(db: psycopg.Connection) -> None:
    row = db.execute(
        "select prosecdef, provolatile, proconfig from pg_proc "
        "where oid = 'private.api_scope_allows(text, text)'::regprocedure"
    ).fetchone()
    assert row == (False, "s", ["search_path=pg_catalog, pg_temp"])


def test_deals_and_tasks_are_published_for_realtime_with_the_primary_key_as_identity(
    db: psycopg.Connection,
) -> None:
    published = db.execute(
        "select schemaname, tablename from pg_publication_tables "
        "where pubname = 'supabase_realtime' order by 2"
    ).fetchall()
    assert published == [("public", "deals"), ("public", "tasks")]
    identities = db.execute(
        "select relname, relreplident from pg_class where oid in "
        "('public.deals'::regclass, 'public.tasks'::regclass) order by 1"
    ).fetchall()
    assert identities == [("deals", "d"), ("tasks", "d")]


@pytest.mark.grant_modes
def test_anon_gets_nothing_on_objects_a_later_migration_creates(
    db: psycopg.Connection, grant_mode: str
) -> None:
    """Default privileges: what the owner creates in public after the schema — a table,
    a sequence, a function — gives anon nothing and PUBLIC no EXECUTE, even in legacy
    mode where Supabase's defaults grant all to anon; authenticated keeps the platform's
    defaults (legacy: everything; opt-in: nothing), and RLS plus explicit grants decide."""
    with acting_as(db, "postgres"):
        db.execute(
            """
            create table public.later_table (id bigint generated always as identity primary key);
            create sequence public.later_sequence;
            create function public.later_function() returns int language sql as 'select 1';
            """
        )
    rows = db.execute(
        """
        select
            has_table_privilege('anon', 'public.later_table', 'select, insert, update, delete'),
            has_sequence_privilege('anon', 'public.later_sequence', 'usage, select, update'),
            has_function_privilege('anon', 'public.later_function()', 'execute'),
            exists (
                select from pg_proc as p, aclexplode(coalesce(p.proacl, acldefault('f', p.proowner))) as a
                where p.oid = 'public.later_function()'::regprocedure and a.grantee = 0
            ),
            has_table_privilege('authenticated', 'public.later_table', 'select'),
            has_function_privilege('authenticated', 'public.later_function()', 'execute')
        """
    ).fetchone()
    legacy = grant_mode == "legacy"
    assert rows == (False, False, False, False, legacy, legacy)


def test_schema_doc_shows_anon_gets_nothing_by_default() -> None:
    """docs/schema.md (generated, checked current by tests/ecosystem) states what the
    test above proves."""
    doc = (Path(__file__).parents[2] / "docs" / "schema.md").read_text()
    for objects in ("functions", "sequences", "tables"):
        assert f"| `public` | {objects} | anon | — |" in doc
        assert f"| `public` | {objects} | PUBLIC | — |" in doc
