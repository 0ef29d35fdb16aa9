"""Migrations state every privilege of what they create, so a project with Supabase's
legacy default privileges (ALL to the API roles) and one without them (opt-in) end up
with the same ACLs — the ones schema/ describes."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from schemactl import api
from schemactl.migrations.from_schema import generate_migration
from schemactl.pg.databases import Server, create_database, drop_database, unique_name

from .helpers import FIXED_NOW, migrations_project, rows, with_standin

SCHEMA = """
create schema private;

grant usage on schema private to authenticated;

create table public.deals (
    id bigint generated always as identity primary key,
    title text not null,
    value numeric(14, 2) not null default 0
);

alter table public.deals enable row level security;

create policy deals_read on public.deals for select to authenticated using (true);

revoke all on public.deals from anon, authenticated, service_role;
grant select on public.deals to authenticated;
grant update (title) on public.deals to authenticated;
grant select, insert, update, delete on public.deals to service_role;

create function private.is_admin() returns boolean
language sql stable
security definer
set search_path = pg_catalog, pg_temp
as $$ select false $$;

revoke execute on function private.is_admin() from public;
grant execute on function private.is_admin() to authenticated;

create function public.deal_count() returns bigint
language sql stable
set search_path = pg_catalog, pg_temp
as $$ select count(*) from public.deals $$;

revoke execute on function public.deal_count() from public, anon;
"""
ACLS = """
with acls (name, acl) as (
    select c.relname::text, c.relacl
    from pg_class as c join pg_namespace as n on n.oid = c.relnamespace
    where n.nspname in ('public', 'private') and c.relkind in ('r', 'S')
    union all
    select a.attname::text, a.attacl
    from pg_attribute as a where a.attrelid = 'public.deals'::regclass and a.attacl is not null
    union all
    select p.proname::text, p.proacl
    from pg_proc as p join pg_namespace as n on n.oid = p.pronamespace
    where n.nspname in ('public', 'private')
    union all
    select nspname::text, nspacl from pg_namespace where nspname = 'private'
)
select name, array(select item::text from unnest(acl) as item order by 1) from acls
order by 1
"""


@pytest.fixture
def two_projects(server: Server) -> Iterator[tuple[str, str]]:
    """An opt-in and a legacy database (stand-in installed), superuser URLs."""
    names = [unique_name("optin"), unique_name("legacy")]
    for name in names:
        create_database(server, name)
    try:
        with_standin(server.url(names[0]), "opt-in")
        with_standin(server.url(names[1]), "legacy")
        yield server.url(names[0]), server.url(names[1])
    finally:
        for name in names:
            drop_database(server, name)


def test_a_generated_migration_gives_the_same_acls_with_and_without_default_privileges(
    tmp_path: Path, server_url: str, two_projects: tuple[str, str]
) -> None:
    project = migrations_project(tmp_path / "project", SCHEMA)
    generate_migration(project, "initial", shadow_url=server_url, now=FIXED_NOW)
    opt_in, legacy = two_projects
    for url in (opt_in, legacy):
        api.apply(project, url)
    assert (
        rows(opt_in, ACLS)
        == rows(legacy, ACLS)
        == [
            (
                "deal_count",
                ["authenticated=X/postgres", "postgres=X/postgres", "service_role=X/postgres"],
            ),
            (
                "deals",
                [
                    "authenticated=r/postgres",
                    "postgres=arwdDxt/postgres",
                    "service_role=arwd/postgres",
                ],
            ),
            (
                "deals_id_seq",
                [
                    "anon=rwU/postgres",
                    "authenticated=rwU/postgres",
                    "postgres=rwU/postgres",
                    "service_role=rwU/postgres",
                ],
            ),
            ("is_admin", ["authenticated=X/postgres", "postgres=X/postgres"]),
            ("private", ["authenticated=U/postgres", "postgres=UC/postgres"]),
            ("title", ["authenticated=w/postgres"]),
        ]
    )
