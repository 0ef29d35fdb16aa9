"""seeds/040_pipeline_metrics_cron.sql: the metrics refresh is scheduled with pg_cron
where the extension exists, and the seed does nothing where it does not (docs/design.md: Access control)."""

from __future__ import annotations

from pathlib import Path

import psycopg

from schemactl.testing import acting_as

SEED = (Path(__file__).parents[2] / "seeds" / "040_pipeline_metrics_cron.sql").read_text()

# A stand-in for pg_cron's cron.schedule(job_name, schedule, command): it records calls.
FAKE_PG_CRON = """
create schema cron;
create table cron.calls (job_name text, schedule text, command text);
create function cron.schedule(job_name text, schedule text, command text) returns bigint
language sql as $$
    insert into cron.calls values (job_name, schedule, command) returning 1::bigint
$$;
"""


def test_seed_does_nothing_without_pg_cron(db: psycopg.Connection) -> None:
    db.execute(SEED)
    assert db.execute("select to_regnamespace('cron')").fetchone() == (None,)


def test_seed_schedules_the_refresh_every_15_minutes_with_pg_cron(db: psycopg.Connection) -> None:
    db.execute(FAKE_PG_CRON)
    db.execute(SEED)
    assert db.execute("select * from cron.calls").fetchall() == [
        ("refresh-pipeline-metrics", "*/15 * * * *", "select public.refresh_pipeline_metrics()")
    ]


def test_the_scheduled_command_refreshes_the_metrics(db: psycopg.Connection) -> None:
    # pg_cron runs the command as the role that scheduled it: the schema owner.
    owner = db.execute(
        "select pg_get_userbyid(relowner) from pg_class "
        "where oid = 'reporting.mv_pipeline_metrics'::regclass"
    ).fetchone()[0]
    with db.transaction(force_rollback=True), acting_as(db, owner):
        db.execute("select public.refresh_pipeline_metrics()")
