"""`schemactl migrate-v1` on the command line: the summary, the dry run, errors a data
owner can act on (exit 2), São Paulo wall-clock times, and a `migration` schema that no
API role can reach."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from schemactl.config import Project
from schemactl.testing.session import CommittedDatabase

from .databases import V1Database, prepare, run_cli
from .generator import DEFAULT_OWNER


def test_migrate_prints_the_books_per_kind(small_v1: V1Database) -> None:
    result = run_cli(["migrate-v1", "--default-owner", DEFAULT_OWNER, "--db-url", small_v1.url])
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].rstrip() == "V1 -> V2"
    books = small_v1.rows("""select kind, v1_rows, migrated, merged, quarantined
        from (values ('client'), ('opportunity'), ('opportunity_product')) k(kind)
        cross join lateral (select
            (select count(*) from migration.v1_id_map m where m.kind = k.kind) as migrated,
            (select count(*) from migration.v1_id_map m where m.kind = k.kind and merged)
                as merged,
            (select count(*) from migration.v1_quarantine q where q.kind = k.kind)
                as quarantined) b
        cross join lateral (select case k.kind
            when 'client' then (select count(*) from v1.clients)
            when 'opportunity' then (select count(*) from v1.opportunities)
            else (select count(*) from v1.opportunity_products) end as v1_rows) v""")
    for book in books:
        cells = [
            book["kind"],
            str(book["v1_rows"]),
            str(book["migrated"]),
            str(book["merged"]),
            str(book["quarantined"]),
            f"+{book['migrated']}",
        ]
        assert any(
            line.split("│")[1:-1] and [c.strip() for c in line.split("│")[1:-1]] == cells
            for line in lines
        ), cells
    assert f"default owner  {DEFAULT_OWNER}" in result.stdout


def test_dry_run_prints_what_would_happen_and_leaves_no_trace(small_v1: V1Database) -> None:
    result = run_cli(
        ["migrate-v1", "--dry-run", "--default-owner", DEFAULT_OWNER, "--db-url", small_v1.url]
    )
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines()[0].rstrip() == "V1 -> V2 (dry run: rolled back)"
    assert small_v1.value("select to_regnamespace('migration')") is None
    assert small_v1.value("select count(*) from public.organizations") == 0


def test_unknown_default_owner_is_a_usage_error(small_v1: V1Database) -> None:
    result = run_cli(
        ["migrate-v1", "--default-owner", "ninguem@stagetek.test", "--db-url", small_v1.url]
    )
    assert (result.exit_code, result.stderr.strip()) == (
        2,
        "error: --default-owner ninguem@stagetek.test: no V2 user has this email "
        "(invite the user first (public.users), or name another one)",
    )
    assert small_v1.value("select to_regnamespace('migration')") is None


def test_a_database_without_v1_is_a_usage_error(committed_db: CommittedDatabase) -> None:
    result = run_cli(["migrate-v1", "--db-url", committed_db.url])
    assert (result.exit_code, result.stderr.strip()) == (
        2,
        "error: this database has no V1 table v1.clients, v1.opportunities, "
        "v1.opportunity_products (point --db-url at the database that holds the V1 "
        "schema `v1` (docs/design.md: The V1 transition))",
    )


def test_without_a_default_pipeline_nothing_is_migrated(small_v1: V1Database) -> None:
    small_v1.conn.execute("update public.pipelines set is_default = false")
    result = run_cli(["migrate-v1", "--db-url", small_v1.url])
    assert (result.exit_code, result.stderr.strip()) == (
        2,
        "error: migrate-v1 failed: V2 has no default pipeline to put V1 opportunities in "
        "(run `schemactl seed`, or mark a pipeline is_default)",
    )
    assert small_v1.value("select count(*) from public.organizations") == 0


def test_v1_times_are_sao_paulo_wall_clock_times(empty_v1: V1Database) -> None:
    # 2018-12-01 was in Brazilian summer time (UTC-2); 2024-01-15 was not (UTC-3).
    client = empty_v1.value("""insert into v1.clients (name, email, created_at)
        values ('Horário de verão', 'a@b.com.br', '2018-12-01 10:00') returning id""")
    opportunity = empty_v1.value(
        """insert into v1.opportunities
        (client_id, title, value, status, owner_email, created_at, updated_at)
        values (%s, 'Réveillon', 100, 'ganho', 'ana.souza@stagetek.test',
                '2023-12-31 23:30', '2024-01-15 10:00') returning id""",
        [client],
    )
    empty_v1.migrate()
    organization = empty_v1.rows(
        """select o.created_at from public.organizations o
        join migration.v1_id_map m on m.v2_id = o.id where m.kind = 'client' and m.v1_id = %s""",
        [client],
    )[0]
    deal = empty_v1.rows(
        """select d.created_at, d.closed_at, d.stage_entered_at
        from public.deals d join migration.v1_id_map m on m.v2_id = d.id
        where m.kind = 'opportunity' and m.v1_id = %s""",
        [opportunity],
    )[0]
    assert organization["created_at"] == datetime(2018, 12, 1, 12, 0, tzinfo=UTC)
    assert deal == {
        "created_at": datetime(2024, 1, 1, 2, 30, tzinfo=UTC),
        "closed_at": datetime(2024, 1, 15, 13, 0, tzinfo=UTC),
        "stage_entered_at": datetime(2024, 1, 15, 13, 0, tzinfo=UTC),
    }
    assert empty_v1.value("""select created_at from public.contacts
        where emails @> '[{"value": "a@b.com.br"}]'""") == datetime(2018, 12, 1, 12, 0, tzinfo=UTC)


@pytest.mark.grant_modes
def test_no_api_role_reaches_the_migration_schema(
    committed_db: CommittedDatabase, crm_project: Project
) -> None:
    v1 = prepare(committed_db, crm_project, None)
    v1.migrate()
    for role in ("anon", "authenticated", "service_role"):
        assert v1.value("select has_schema_privilege(%s, 'migration', 'USAGE')", [role]) is False
        assert (
            v1.rows(
                """select c.relname, privilege from pg_class c
            join pg_namespace n on n.oid = c.relnamespace
            cross join unnest(array['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'TRUNCATE',
                                    'REFERENCES', 'TRIGGER']) as privilege
            where n.nspname = 'migration' and c.relkind in ('r', 'v', 'm', 'p')
                and has_table_privilege(%s, c.oid, privilege)""",
                [role],
            )
            == []
        )
        assert (
            v1.rows(
                """select p.proname from pg_proc p
            join pg_namespace n on n.oid = p.pronamespace
            where n.nspname = 'migration' and has_function_privilege(%s, p.oid, 'EXECUTE')""",
                [role],
            )
            == []
        )
    assert (
        v1.value(
            "select count(*) from pg_proc p join pg_namespace n "
            "on n.oid = p.pronamespace where n.nspname = 'migration'"
        )
        > 20
    )
    assert v1.value(  # the view checked above (it reads deal_products as its owner)
        "select to_regclass('migration.deal_lines_added_in_v2') is not null"
    )


def test_migrate_connected_as_the_owner_role_as_on_supabase(small_v1: V1Database) -> None:
    """On Supabase the migration connects as `postgres`, the schema owner, which is not a
    superuser: bulk-import mode must still apply (V1 dates kept, no webhook events)."""
    result = run_cli(
        ["migrate-v1", "--default-owner", DEFAULT_OWNER, "--db-url", small_v1.database.owner_url]
    )
    assert result.exit_code == 0, result.stderr
    assert small_v1.value("select count(*) from public.webhook_events") == 0
    assert (
        small_v1.value("""select count(*) from public.deals d
        join migration.v1_id_map m on m.kind = 'opportunity' and m.v2_id = d.id
        join v1.opportunities o on o.id = m.v1_id
        where o.created_at is not null
            and d.created_at <> o.created_at at time zone 'America/Sao_Paulo'""")
        == 0
    )
    assert (
        small_v1.value(
            "select nspowner::regrole::text from pg_namespace where nspname = 'migration'"
        )
        == small_v1.project.owner_role
    )
    assert small_v1.parity().mismatches == ()
