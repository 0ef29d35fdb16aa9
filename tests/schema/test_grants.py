"""Privileges are explicit and identical under both stand-in grant modes (docs/design.md: The Supabase stand-in, Access control):
nothing for anon, exactly what each table needs for authenticated and service_role,
trigger-owned columns out of authenticated's reach, RLS on every table."""

from __future__ import annotations

import psycopg
import pytest

from .helpers import insert

pytestmark = pytest.mark.grant_modes

CRUD = "SELECT INSERT UPDATE DELETE"
TABLE_PRIVILEGES = ("SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "TRIGGER")

# table -> (authenticated, service_role) table-level privileges.
EXPECTED = {
    "public.teams": (CRUD, CRUD),
    "public.users": ("SELECT", CRUD),
    "public.sources": (CRUD, CRUD),
    "public.loss_reasons": (CRUD, CRUD),
    "public.pipelines": (CRUD, CRUD),
    "public.stages": (CRUD, CRUD),
    "public.products": (CRUD, CRUD),
    "public.organizations": ("SELECT DELETE", CRUD),
    "public.contacts": (CRUD, CRUD),
    "public.organization_contacts": (CRUD, CRUD),
    "public.deals": (CRUD, CRUD),
    "public.deal_products": (CRUD, CRUD),
    "public.tasks": ("SELECT INSERT DELETE", CRUD),
    "public.deal_stage_history": ("SELECT", "SELECT"),
    "public.webhook_events": ("SELECT", "SELECT DELETE"),
    "public.api_keys": ("SELECT", CRUD),
    "public.audit_log": ("SELECT", "SELECT"),
    "private.api_key_secrets": ("", ""),
}
# Column-level grants to authenticated on top of the table-level ones.
EXPECTED_COLUMNS = {
    ("public.organizations", "INSERT"): {
        "id",
        "name",
        "legal_name",
        "cnpj",
        "website",
        "segment",
        "address",
        "emails",
        "phones",
        "owner_id",
        "source_id",
        "rd_id",
        "custom_fields",
        "deleted_at",
    },
    ("public.organizations", "UPDATE"): {
        "name",
        "legal_name",
        "cnpj",
        "website",
        "segment",
        "address",
        "emails",
        "phones",
        "owner_id",
        "source_id",
        "rd_id",
        "custom_fields",
        "deleted_at",
    },
    ("public.users", "UPDATE"): {"team_id", "name", "role", "is_active", "avatar_url", "phone"},
    ("public.api_keys", "UPDATE"): {"name", "revoked_at"},
    # created_by records who created the task: set on insert, never changed.
    ("public.tasks", "UPDATE"): {
        "deal_id",
        "contact_id",
        "organization_id",
        "owner_id",
        "type",
        "subject",
        "notes",
        "due_at",
        "completed_at",
        "rd_id",
        "custom_fields",
    },
}
FUNCTIONS = {
    "public.is_valid_cnpj(text)": {"authenticated", "service_role"},
    "public.normalize_cnpj(text)": {"authenticated", "service_role"},
    "public.is_valid_contact_list(jsonb)": {"authenticated", "service_role"},
    "public.handle_new_user()": set(),
    "public.handle_user_email_change()": set(),
    "public.organizations_normalize_cnpj()": set(),
}


def table_privileges(db: psycopg.Connection, role: str, table: str) -> str:
    held = [
        p
        for p in TABLE_PRIVILEGES
        if db.execute("select has_table_privilege(%s, %s, %s)", [role, table, p]).fetchone()
        == (True,)
    ]
    return " ".join(held)


def test_table_privileges_per_role(db, grant_mode):
    found = {
        table: (
            table_privileges(db, "authenticated", table),
            table_privileges(db, "service_role", table),
        )
        for table in EXPECTED
    }
    assert found == EXPECTED
    assert {table: table_privileges(db, "anon", table) for table in EXPECTED} == {
        table: "" for table in EXPECTED
    }


def test_column_grants_leave_out_trigger_owned_columns(db, grant_mode):
    rows = db.execute(
        """
        select c.relnamespace::regnamespace::text || '.' || c.relname, a.attname,
               acl.privilege_type, acl.grantee::regrole::text
        from pg_attribute a
        join pg_class c on c.oid = a.attrelid
        cross join lateral aclexplode(a.attacl) as acl
        where c.oid = any(%s::regclass[])
        """,
        [list(EXPECTED)],
    ).fetchall()
    found: dict[tuple[str, str], set[str]] = {}
    for table, column, privilege, grantee in rows:
        assert grantee == "authenticated"
        found.setdefault((table, privilege), set()).add(column)
    assert found == EXPECTED_COLUMNS


def test_sequences_grant_nothing_and_private_schemas_are_reached_only_for_functions(db, grant_mode):
    rows = db.execute(
        """
        select c.oid::regclass::text, r.rolname
        from pg_class c
        cross join pg_roles r
        join pg_depend d on d.objid = c.oid and d.classid = 'pg_class'::regclass
            and d.refobjid = any(%s::regclass[])
        where c.relkind = 'S'
            and r.rolname in ('anon', 'authenticated', 'service_role')
            and (has_sequence_privilege(r.oid, c.oid, 'usage')
                 or has_sequence_privilege(r.oid, c.oid, 'select')
                 or has_sequence_privilege(r.oid, c.oid, 'update'))
        """,
        [list(EXPECTED)],
    ).fetchall()
    assert rows == []
    assert db.execute(
        "select count(*) from pg_depend d join pg_class c on c.oid = d.objid "
        "where c.relkind = 'S' and d.refobjid = any(%s::regclass[])",
        [list(EXPECTED)],
    ).fetchone() == (2,)  # the two identity sequences
    usage = db.execute("""
        select n, r, has_schema_privilege(r, n, 'usage'), has_schema_privilege(r, n, 'create')
        from unnest(array['private', 'reporting']) as n,
             unnest(array['anon', 'authenticated', 'service_role']) as r
        order by n, r
        """).fetchall()
    assert usage == [
        ("private", "anon", False, False),
        ("private", "authenticated", True, False),
        ("private", "service_role", True, False),
        ("reporting", "anon", False, False),
        ("reporting", "authenticated", False, False),
        ("reporting", "service_role", True, False),
    ]


def test_function_execute_only_for_the_roles_that_need_it(db, grant_mode):
    found = {}
    for function in FUNCTIONS:
        found[function] = {
            role
            for role in ("anon", "authenticated", "service_role", "public")
            if db.execute(
                "select bool_or(acl.grantee = 0) from pg_proc p, aclexplode(p.proacl) as acl "
                "where p.oid = %s::regprocedure and acl.privilege_type = 'EXECUTE'"
                if role == "public"
                else "select has_function_privilege(%s, %s, 'execute')",
                [function] if role == "public" else [role, function],
            ).fetchone()[0]
        }
    assert found == FUNCTIONS


def test_every_table_has_row_level_security(db, grant_mode):
    rows = db.execute("""
        select c.oid::regclass::text
        from pg_class c
        where c.relkind in ('r', 'p') and not c.relrowsecurity
            and c.relnamespace::regnamespace::text in ('public', 'private', 'reporting')
        """).fetchall()
    assert rows == []


def test_authenticated_cannot_write_organization_rollups(db, linked_rows, as_user, grant_mode):
    for statement in (
        "update public.organizations set total_revenue = 1000000",
        "update public.organizations set won_deals_count = 99",
        "insert into public.organizations (name, total_revenue) values ('Fake', 1000000)",
    ):
        with (
            pytest.raises(psycopg.errors.InsufficientPrivilege) as caught,
            as_user(linked_rows.owner) as conn,
        ):
            conn.execute(statement)
        assert "permission denied for table organizations" in str(caught.value)
    # Ordinary columns pass the privilege check (RLS then decides which rows).
    with as_user(linked_rows.owner) as conn:
        conn.execute("update public.organizations set name = name")


def test_anon_reads_and_writes_nothing(db, linked_rows, as_anon, grant_mode):
    for statement in (
        "select * from public.deals",
        "select * from public.users",
        "insert into public.teams (name) values ('x')",
    ):
        with pytest.raises(psycopg.errors.InsufficientPrivilege), as_anon() as conn:
            conn.execute(statement)


def test_service_role_cannot_forge_history_or_audit_rows(
    db, linked_rows, as_service_role, grant_mode
):
    for statement, params in (
        (
            "insert into public.audit_log (table_name, action, new_data) "
            "values ('deals', 'INSERT', '{}')",
            None,
        ),
        (
            "insert into public.deal_stage_history (deal_id, to_stage_id) values (%s, %s)",
            [linked_rows.deal, linked_rows.stage],
        ),
        (
            "insert into public.webhook_events (event_type, aggregate_type, aggregate_id, "
            "payload) values ('deal.won', 'deal', %s, '{}')",
            [linked_rows.deal],
        ),
        ("select * from private.api_key_secrets", None),
    ):
        with pytest.raises(psycopg.errors.InsufficientPrivilege), as_service_role() as conn:
            conn.execute(statement, params)
    with as_service_role() as conn:
        assert insert(conn, "teams", name="Criada pelo service_role")["name"] == (
            "Criada pelo service_role"
        )
