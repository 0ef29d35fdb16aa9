"""Fixtures for the generated-files tests: the project's build and catalog, the CLI run
in-process, and a small fixture project whose generated output is asserted exactly."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import psycopg
import pytest

from schemactl.build.builder import Build, build
from schemactl.catalog.reader import Catalog, read_catalog
from schemactl.config import Project
from schemactl.generate.outputs import catalog_schemas
from schemactl.testing.session import TestDatabases

# CliResult and run_cli are also imported from here by this folder's tests.
from tests.support.cli import CliResult, run_cli
from tests.support.projects import write_files

SHOP_FILES = {
    "pyproject.toml": """
        [tool.schemactl]
        external = ["auth.email()"]
    """,
    "schema/schemas.sql": """
        create schema private;
    """,
    "schema/tables/customers.sql": """
        create table public.customers (
            id bigint generated always as identity primary key,
            email text not null unique,
            tier text not null default 'basic' check (tier in ('basic', 'gold')),
            note text
        );
        comment on table public.customers is 'People who buy.';
        comment on column public.customers.email is 'Login e-mail | unique.';
    """,
    "schema/tables/orders.sql": """
        create table public.orders (
            id uuid primary key default gen_random_uuid(),
            customer_id bigint not null references public.customers (id),
            quantity integer not null,
            price numeric(10, 2) not null,
            total numeric generated always as (quantity * price) stored,
            tags text []
        );
        create index orders_customer_id_idx on public.orders (customer_id);
    """,
    "schema/tables/order_notes.sql": """
        create table public.order_notes (
            order_id uuid primary key references public.orders (id) on delete cascade,
            body text not null
        );
    """,
    "schema/tables/secrets.sql": """
        create table private.secrets (id integer primary key, value text);
    """,
    "schema/functions/order_count.sql": """
        create function public.order_count(p_customer bigint, p_since date default null)
        returns integer
        language sql stable
        set search_path = pg_catalog, pg_temp
        as $$ select count(*)::integer from public.orders where customer_id = p_customer $$;
    """,
    "schema/functions/recent_orders.sql": """
        create function public.recent_orders(p_limit integer)
        returns setof public.orders
        language sql stable
        set search_path = pg_catalog, pg_temp
        as $$ select * from public.orders limit p_limit $$;
    """,
    "schema/views/big_orders.sql": """
        create view public.big_orders with (security_invoker = true) as
        select id, customer_id, quantity from public.orders where quantity > 100;
    """,
    "schema/policies/customers.sql": """
        alter table public.customers enable row level security;
        revoke all on public.customers from anon, authenticated, service_role;
        grant select on public.customers to authenticated;
        grant update (note) on public.customers to authenticated;
        create policy customers_select on public.customers for select to authenticated
        using (email = (select auth.email()));
    """,
    "schema/policies/orders.sql": """
        alter table public.orders enable row level security;
    """,
    "seeds/010_customers.sql": """
        -- Two customers.
        insert into public.customers (email) values ('a@shop.test'), ('b@shop.test')
        on conflict (email) do nothing
    """,
}


@pytest.fixture
def cli() -> Callable[..., CliResult]:
    return run_cli


@pytest.fixture(scope="session")
def schema_build(crm_project: Project) -> Build:
    return build(crm_project)


@pytest.fixture(scope="session")
def scratch_url(schemactl_databases: TestDatabases) -> str:
    """A superuser URL of the session's server, for `--dev-url` (scratch databases)."""
    return schemactl_databases.server.url()


@pytest.fixture
def catalog(db: psycopg.Connection, crm_project: Project, schema_build: Build) -> Catalog:
    """The catalog of the test's database (template: stand-in, schema, seeds)."""
    return read_catalog(db, catalog_schemas(crm_project, schema_build))


@pytest.fixture
def shop(tmp_path: Path) -> Path:
    """A small project with one of each thing the generators handle."""
    return write_files(tmp_path / "shop", SHOP_FILES)
