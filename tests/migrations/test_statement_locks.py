"""The locks the review header names per statement are the ones PostgreSQL takes: each
statement runs in a transaction on tables that exist, and pg_locks is read for that
backend before the rollback."""

from __future__ import annotations

import psycopg
import pytest

from schemactl.diff.statement_locks import statement_locks

TABLES = """
create table public.pipelines (id bigint primary key);
create table public.stages (
    id bigint primary key, pipeline_id bigint, probability integer, name text
);
create index stages_name_idx on public.stages (name);
"""
EXISTING = {"public.pipelines", "public.stages"}
INDEXES = {"public.stages_name_idx": "public.stages"}
HELD = """
select c.relname, l.mode from pg_locks as l join pg_class as c on c.oid = l.relation
where l.pid = pg_backend_pid() and c.relname in ('pipelines', 'stages') and l.granted
"""
# pg_locks spells modes as ShareRowExclusiveLock: the header's words, in that spelling.
MODE_NAMES = {
    "ACCESS SHARE": "AccessShareLock",
    "ROW SHARE": "RowShareLock",
    "ROW EXCLUSIVE": "RowExclusiveLock",
    "SHARE UPDATE EXCLUSIVE": "ShareUpdateExclusiveLock",
    "SHARE": "ShareLock",
    "SHARE ROW EXCLUSIVE": "ShareRowExclusiveLock",
    "EXCLUSIVE": "ExclusiveLock",
    "ACCESS EXCLUSIVE": "AccessExclusiveLock",
}


@pytest.mark.parametrize(
    "statement",
    [
        "alter table public.stages add column note text",
        "alter table public.stages add constraint stages_probability_check "
        "check (probability between 0 and 100) not valid",
        "alter table public.stages add constraint stages_pipeline_id_fkey "
        "foreign key (pipeline_id) references public.pipelines (id) not valid",
        "alter table public.stages alter column name set not null",
        "create index stages_probability_idx on public.stages (probability)",
        "alter table public.stages set (fillfactor = 90)",
        "drop index public.stages_name_idx",
    ],
)
def test_each_named_lock_is_the_strongest_postgres_takes(target_db: str, statement: str) -> None:
    [(line, named)] = statement_locks([statement + ";"], [1], EXISTING, INDEXES)
    expected = {
        (table.split(".")[1], MODE_NAMES[mode])
        for part in named.split("; ")
        for mode, tables in [part.split(" on ")]
        for table in tables.split(", ")
    }
    with psycopg.connect(target_db) as conn:
        conn.execute(TABLES)
        conn.commit()
        conn.execute(statement)
        held = set(conn.execute(HELD).fetchall())
        conn.rollback()
    strongest = {
        (table, max((m for t, m in held if t == table), key=list(MODE_NAMES.values()).index))
        for table, _ in held
    }
    assert line == 1
    assert strongest == expected


def test_validation_takes_share_update_exclusive_only(target_db: str) -> None:
    with psycopg.connect(target_db) as conn:
        conn.execute(TABLES)
        conn.execute(
            "alter table public.stages add constraint stages_probability_check "
            "check (probability between 0 and 100) not valid"
        )
        conn.commit()
        statement = "alter table public.stages validate constraint stages_probability_check"
        conn.execute(statement)
        held = set(conn.execute(HELD).fetchall())
        conn.rollback()
    assert statement_locks([statement + ";"], [4], EXISTING, INDEXES) == [
        (4, "SHARE UPDATE EXCLUSIVE on public.stages")
    ]
    assert held == {("stages", "ShareUpdateExclusiveLock")}
