"""The structural rules' finer points, on small inline schemas (no sqlfluff)."""

from __future__ import annotations

import pytest

from schemactl.lint import structural_findings

APP = "create schema app;\n"


def findings_of(lint_project, sql: str, pyproject_extra: str = "", settings: str = ""):
    project = lint_project(
        {"schema/app.sql": APP, "schema/objects.sql": sql}, pyproject_extra, settings
    )
    return structural_findings(project)


def codes(
    lint_project, sql: str, pyproject_extra: str = "", settings: str = ""
) -> list[tuple[str, int]]:
    return [(f.code, f.line) for f in findings_of(lint_project, sql, pyproject_extra, settings)]


PARENT = """create table app.parent (
    a int,
    b int,
    primary key (a, b)
);
"""

# --- SC003 -----------------------------------------------------------------------------


def test_composite_foreign_key_is_covered_by_an_index_on_its_columns_in_any_order(lint_project):
    sql = (
        PARENT
        + """
create table app.child (
    id int primary key,
    a int,
    b int,
    foreign key (a, b) references app.parent (a, b)
);

create index child_b_a_idx on app.child (b, a, id);
"""
    )
    assert codes(lint_project, sql) == []


def test_index_on_only_part_of_a_composite_key_does_not_cover_it(lint_project):
    sql = (
        PARENT
        + """
create table app.child (
    id int primary key,
    a int,
    b int,
    foreign key (a, b) references app.parent (a, b)
);

create index child_a_idx on app.child (a);
create index child_id_a_b_idx on app.child (id, a, b);
"""
    )
    assert codes(lint_project, sql) == [("SC003", 11)]


def test_partial_expression_and_gin_indexes_do_not_cover_a_foreign_key(lint_project):
    sql = """create table app.parent (id uuid primary key);

create table app.child (
    id uuid primary key,
    p1 uuid references app.parent (id),
    p2 uuid references app.parent (id),
    p3 uuid references app.parent (id)
);

create index child_p1_live_idx on app.child (p1) where p1 is not null;
create index child_p2_text_idx on app.child ((p2::text));
create index child_p3_gin_idx on app.child using gin (p3);
"""
    assert codes(lint_project, sql) == [("SC003", 5), ("SC003", 6), ("SC003", 7)]


def test_primary_key_and_unique_constraints_cover_their_leading_columns(lint_project):
    sql = """create table app.parent (id uuid primary key);

create table app.link (
    left_id uuid references app.parent (id),
    right_id uuid references app.parent (id),
    other_id uuid unique references app.parent (id),
    primary key (left_id, right_id)
);
"""
    assert codes(lint_project, sql) == [("SC003", 5)]


def test_foreign_key_added_by_alter_table_is_reported_there(lint_project):
    sql = """create table app.parent (id uuid primary key);

create table app.child (id uuid primary key, parent_id uuid);

alter table app.child
add constraint child_parent_fkey foreign key (parent_id) references app.parent (id);
"""
    assert [(f.code, f.line, f.col) for f in findings_of(lint_project, sql)] == [("SC003", 6, 5)]


# --- SC004 -----------------------------------------------------------------------------

NOTES = """create table app.notes (id uuid primary key, owner_id uuid, team text);

alter table app.notes enable row level security;

"""


def test_subqueries_that_run_once_are_accepted(lint_project):
    sql = (
        NOTES
        + """create policy notes_select on app.notes
for select to authenticated
using (
    owner_id = (select auth.uid())
    or owner_id in (select auth.uid())
    or team = (select auth.jwt() ->> 'team')
    or team = (select auth.jwt()) ->> 'team'
    or team = (select pg_catalog.current_setting('app.team', true))
);
"""
    )
    assert codes(lint_project, sql) == []


def test_a_call_inside_a_subquery_with_from_runs_per_row(lint_project):
    sql = (
        NOTES
        + """create policy notes_select on app.notes
for select to authenticated
using (exists (select 1 from app.notes as n where n.owner_id = auth.uid()));
"""
    )
    findings = findings_of(lint_project, sql)
    assert [(f.code, f.line, f.col) for f in findings] == [("SC004", 7, 64)]


def test_auth_role_and_qualified_current_setting_count_too(lint_project):
    sql = (
        NOTES
        + """create policy notes_select on app.notes
for select to authenticated
using (auth.role() = 'authenticated' and pg_catalog.current_setting('x') = team);
"""
    )
    assert [f.message.split(" in its ")[0] for f in findings_of(lint_project, sql)] == [
        'policy "notes_select" on app.notes calls auth.role()',
        'policy "notes_select" on app.notes calls pg_catalog.current_setting(…)',
    ]


# --- SC005 -----------------------------------------------------------------------------

DEFINER = """create function app.f(p_id integer, p_tags text [] default '{}')
returns int
language sql
security definer
as $$ select 1 $$;
"""


def test_alter_function_set_search_path_satisfies_sc005(lint_project):
    sql = DEFINER + "\nalter function app.f(int, text []) set search_path = pg_catalog, pg_temp;\n"
    assert codes(lint_project, sql) == []


@pytest.mark.parametrize(
    ("setting", "shown"),
    [
        ("set search_path = ''", "''"),
        ("set search_path = pg_catalog", "pg_catalog"),
        ("set search_path = pg_temp, pg_catalog", "pg_temp, pg_catalog"),
        ("set search_path = public, pg_temp", "public, pg_temp"),
    ],
)
def test_a_search_path_without_pg_temp_last_is_sc005_for_any_function(lint_project, setting, shown):
    for security in ("security definer", "security invoker"):
        sql = DEFINER.replace("security definer\n", f"{security}\n{setting}\n")
        findings = findings_of(lint_project, sql)
        assert [(f.code, f.message.split(":")[0]) for f in findings] == [
            ("SC005", f"function app.f(int4, text[]) sets search_path = {shown}")
        ], security


def test_search_path_from_current_or_reset_is_sc005_on_a_definer(lint_project):
    pinned = DEFINER.replace(
        "security definer\n", "security definer\nset search_path from current\n"
    )
    assert codes(lint_project, pinned) == [("SC005", 1)]
    fixed = pinned + "\nalter function app.f(int, text []) set search_path = pg_catalog, pg_temp;\n"
    assert codes(lint_project, fixed) == []
    reset = fixed + "\nalter function app.f(int, text []) reset all;\n"
    assert codes(lint_project, reset) == [("SC005", 1)]


def test_security_invoker_functions_need_no_search_path_for_sc005(lint_project):
    sql = DEFINER.replace("security definer", "security invoker")
    assert codes(lint_project, sql) == []


# --- SC006, SC011, SC013 ---------------------------------------------------------------


def test_to_public_is_the_same_as_no_role(lint_project):
    sql = (
        NOTES
        + """create policy notes_select on app.notes
for select to public
using (owner_id = (select auth.uid()));
"""
    )
    assert codes(lint_project, sql) == [("SC006", 5)]


def test_a_public_policy_overlaps_every_role(lint_project):
    sql = (
        NOTES
        + """-- schemactl: allow SC006 because the table is public reference data
create policy notes_everyone on app.notes
for select
using (true);

create policy notes_own on app.notes
for all to authenticated
using (owner_id = (select auth.uid()));
"""
    )
    findings = findings_of(lint_project, sql)
    assert [(f.code, f.line) for f in findings] == [("SC011", 10)]
    assert findings[0].message.split(":")[0] == (
        'policy "notes_own" on app.notes is another permissive policy for authenticated '
        'select (with "notes_everyone")'
    )


def test_for_all_overlaps_each_command_and_roles_are_separate(lint_project):
    sql = (
        NOTES
        + """create policy notes_all on app.notes
for all to authenticated
using (owner_id = (select auth.uid()));

create policy notes_update on app.notes
for update to authenticated, service_role
using (team is not null);

create policy notes_service on app.notes
for select to service_role
using (true);
"""
    )
    findings = findings_of(lint_project, sql)
    assert [(f.code, f.line) for f in findings] == [("SC011", 9)]
    assert findings[0].message.split(":")[0] == (
        'policy "notes_update" on app.notes is another permissive policy for authenticated '
        'update (with "notes_all")'
    )


def test_true_is_a_finding_for_each_write_command_but_not_for_restrictive(lint_project):
    sql = (
        NOTES
        + """create policy notes_update on app.notes
for update to authenticated
using (true)
with check (owner_id = (select auth.uid()));

create policy notes_delete on app.notes
for delete to authenticated
using (true);

create policy notes_guard on app.notes
as restrictive for insert to authenticated
with check (true);

create policy notes_insert on app.notes
for insert to authenticated
with check (owner_id = (select auth.uid()));
"""
    )
    findings = findings_of(lint_project, sql)
    assert [(f.code, f.line) for f in findings] == [("SC013", 5), ("SC013", 10)]
    assert findings[0].message.split(":")[0] == (
        'policy "notes_update" on app.notes has using (true) for update'
    )


# --- SC007 -----------------------------------------------------------------------------


def test_added_and_retyped_columns_are_checked(lint_project):
    sql = """create table app.log (id int primary key, at timestamptz);

alter table app.log add column seen timestamp [];

alter table app.log alter column at type timestamp without time zone;

alter table app.log add column ratio real;
"""
    findings = findings_of(lint_project, sql)
    assert [(f.code, f.line) for f in findings] == [("SC007", 3), ("SC007", 5), ("SC007", 7)]
    assert findings[2].message.split(":")[0] == "column app.log.ratio is real (float4)"


# --- SC001, SC008, SC009 and exposed schemas ---------------------------------------------


def test_exposed_schemas_come_from_the_project(lint_project):
    sql = """create schema api;

create table api.things (id int primary key);

create view api.thing_ids as select things.id from api.things;

create table public.internal (id int primary key);
"""
    assert codes(lint_project, sql, settings='exposed_schemas = ["api"]\n') == [
        ("SC001", 3),
        ("SC009", 5),
    ]


def test_alter_view_can_set_security_invoker(lint_project):
    sql = """create view public.a as select 1 as one;

alter view public.a set (security_invoker = on);

create view public.b with (security_invoker) as select 1 as one;

create view public.c with (security_invoker = false) as select 1 as one;
"""
    assert codes(lint_project, sql) == [("SC009", 7)]


# --- SC010 -----------------------------------------------------------------------------

ITEMS = """create table app.items (
    id uuid primary key,
    updated_at timestamptz not null default now()
);

"""


def test_the_trigger_must_run_before_update_for_each_row_and_set_new(lint_project):
    sql = (
        ITEMS
        + """create function app.touch()
returns trigger
language plpgsql
as $$
begin
    new.updated_at := now();
    return new;
end
$$;

create function app.touch_old()
returns trigger
language plpgsql
as $$
begin
    old.updated_at := now();
    return new;
end
$$;

create trigger items_statement before update on app.items
for each statement execute function app.touch();

create trigger items_after after update on app.items
for each row execute function app.touch();

create trigger items_insert before insert on app.items
for each row execute function app.touch();

create trigger items_old before update on app.items
for each row execute function app.touch_old();
"""
    )
    assert codes(lint_project, sql) == [("SC010", 3)]
    fixed = (
        sql
        + """
create trigger items_touch before update of id on app.items
for each row execute function app.touch();
"""
    )
    assert codes(lint_project, fixed) == []


def test_a_configured_generic_function_is_trusted(lint_project):
    sql = (
        ITEMS
        + """create function app.touch_any()
returns trigger
language plpgsql
as $$
begin
    return pg_catalog.jsonb_populate_record(new, pg_catalog.jsonb_build_object(tg_argv[0], now()));
end
$$;

create trigger items_touch before insert or update on app.items
for each row execute function app.touch_any('updated_at');
"""
    )
    assert codes(lint_project, sql) == [("SC010", 3)]
    extra = '\n[tool.schemactl.lint]\nupdated_at_functions = ["app.touch_*"]\n'
    assert codes(lint_project, sql, extra) == []


def test_configured_column_name(lint_project):
    sql = """create table app.items (id uuid primary key, modified_at timestamptz);
"""
    extra = '\n[tool.schemactl.lint]\nupdated_at_column = "modified_at"\n'
    assert codes(lint_project, sql, extra) == [("SC010", 1)]


# --- SC012 -----------------------------------------------------------------------------

TOKEN = """create function public.token(p_len integer)
returns text
language sql
security definer
set search_path = pg_catalog, pg_temp
as $$ select 'x' $$;
"""


def test_revoking_on_all_functions_in_schema_counts(lint_project):
    sql = TOKEN + "\nrevoke all on all functions in schema public from public, anon;\n"
    assert codes(lint_project, sql) == []


def test_a_later_grant_to_anon_makes_it_executable_again(lint_project):
    sql = (
        TOKEN
        + """
revoke execute on function public.token(int4) from public, anon;
grant execute on function public.token(integer) to anon;
"""
    )
    findings = findings_of(lint_project, sql)
    assert [(f.code, f.line) for f in findings] == [("SC012", 1)]
    assert findings[0].message.split(":")[0] == (
        "security definer function public.token(int4) in API-exposed schema public is "
        "executable by anon"
    )


def test_default_privileges_before_the_function_count(lint_project):
    sql = (
        """alter default privileges revoke execute on functions from public;
alter default privileges in schema public revoke execute on functions from anon;

"""
        + TOKEN
    )
    assert codes(lint_project, sql) == []


def test_per_schema_default_privileges_cannot_revoke_the_global_public_grant(lint_project):
    sql = (
        """alter default privileges in schema public revoke execute on functions
from public, anon;

"""
        + TOKEN
    )
    findings = findings_of(lint_project, sql)
    assert [(f.code, f.line) for f in findings] == [("SC012", 4)]
    assert "executable by PUBLIC" in findings[0].message


def test_functions_outside_exposed_schemas_and_invoker_functions_are_not_sc012(lint_project):
    sql = (
        TOKEN.replace("public.token", "app.token")
        + "\n"
        + TOKEN.replace("security definer", "security invoker")
    )
    assert codes(lint_project, sql) == []
