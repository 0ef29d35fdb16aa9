"""supabase/seed.sql: current with seeds/, and loading it (as `supabase db reset` does,
after the migrations) gives the reference data `schemactl up` gives, idempotently."""

from __future__ import annotations

import psycopg
import pytest

from schemactl.build.builder import Build
from schemactl.config import Project
from schemactl.generate.seed_sql import render_seed_sql, terminated
from schemactl.pg.built_database import built_database
from schemactl.testing import acting_as

REFERENCE_DATA = (
    "select (select count(*) from public.sources), (select count(*) from public.loss_reasons), "
    "(select count(*) from public.pipelines), (select count(*) from public.stages), "
    "(select string_agg(name, ',' order by display_order) from public.stages)"
)


def test_committed_seed_sql_is_current(crm_project: Project) -> None:
    committed = (crm_project.root / "supabase" / "seed.sql").read_text("utf-8")

    assert committed == render_seed_sql(crm_project), (
        "supabase/seed.sql is out of date: run `schemactl seed-sql`"
    )


def _load(conn: psycopg.Connection, project: Project, script: str) -> None:
    with acting_as(conn, project.owner_role):
        conn.execute(script)


def test_seed_sql_loads_what_the_seeds_load_and_twice_changes_nothing(
    db: psycopg.Connection, crm_project: Project, schema_build: Build, scratch_url: str
) -> None:
    seeded_by_schemactl = db.execute(REFERENCE_DATA).fetchone()
    script = render_seed_sql(crm_project)

    with built_database(crm_project, schema_build, server_url=scratch_url) as conn:
        _load(conn, crm_project, script)
        once = conn.execute(REFERENCE_DATA).fetchone()
        _load(conn, crm_project, script)
        twice = conn.execute(REFERENCE_DATA).fetchone()

    assert once == seeded_by_schemactl
    assert twice == once
    assert once == (8, 7, 1, 5, "Lead,Contato feito,Proposta enviada,Negociação,Fechamento")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("select 1;", "select 1;"),
        ("select 1", "select 1;"),
        ("select 1 -- the end", "select 1; -- the end"),
        ("select 'a;b' /* c; */", "select 'a;b'; /* c; */"),
        ("-- only a comment", "-- only a comment"),
    ],
)
def test_a_seed_without_a_final_semicolon_is_terminated(text: str, expected: str) -> None:
    assert terminated(text) == expected
