"""The seed's own queries use the indexes made for them (docs/design.md: The CRM data model): EXPLAIN on a few
thousand rows inserted inside the test transaction and ANALYZEd there (rolled back)."""

from __future__ import annotations

import psycopg
import pytest


def plan(db: psycopg.Connection, query: str, params: list | None = None) -> str:
    rows = db.execute(f"explain (costs off) {query}", params).fetchall()
    return "\n".join(row[0] for row in rows)


@pytest.fixture
def many_deals(db, linked_rows, without_user_triggers):
    """8 000 deals over 10 pipelines (4 stages each), 60 % open, 2 % soft-deleted,
    each with one or two of 2 000 contacts."""
    without_user_triggers("public.deals")
    db.execute("""
        insert into public.pipelines (name)
        select 'Pipeline ' || p from generate_series(1, 10) as p;
        insert into public.stages (pipeline_id, name, display_order)
        select p.id, 'Etapa ' || s, s
        from public.pipelines as p cross join generate_series(1, 4) as s
        where p.name like 'Pipeline %';
        """)
    db.execute(
        """
        insert into public.deals (title, pipeline_id, stage_id, owner_id, value, status,
                                  closed_at, deleted_at, contact_ids)
        with stage as (
            select array_agg(id order by id) as ids,
                   array_agg(pipeline_id order by id) as pipelines
            from public.stages where name like 'Etapa %%'
        ),
        contact as (
            select array_agg(gen_random_uuid()) as ids from generate_series(1, 2000)
        )
        select 'Deal ' || g, stage.pipelines[g %% 40 + 1], stage.ids[g %% 40 + 1], %(owner)s,
               (g * 37) %% 100000,
               case when g %% 5 < 3 then 'open' else 'won' end,
               case when g %% 5 < 3 then null else now() end,
               case when g %% 50 = 0 then now() end,
               array[contact.ids[g %% 2000 + 1], contact.ids[(g * 7) %% 2000 + 1]]
        from generate_series(1, 8000) as g, stage, contact
        """,
        {"owner": linked_rows.owner},
    )
    db.execute("analyze public.pipelines, public.stages, public.deals")
    db.execute("select gin_clean_pending_list('public.deals_contact_ids_gin')")  # see below
    return db.execute(
        "select pipeline_id, contact_ids[1] from public.deals where title = 'Deal 123'"
    ).fetchone()


def test_kanban_query_is_served_by_the_partial_kanban_index(db, many_deals):
    pipeline_id, _ = many_deals
    text = plan(
        db,
        "select * from public.deals where pipeline_id = %s and status = 'open' "
        "and deleted_at is null order by stage_id, value desc",
        [pipeline_id],
    )
    assert "deals_kanban_idx" in text
    assert "Seq Scan" not in text


def test_deals_of_a_contact_use_the_contact_ids_gin_index(db, many_deals):
    _, contact_id = many_deals
    text = plan(
        db, "select * from public.deals where contact_ids @> array[%s]::uuid[]", [contact_id]
    )
    assert "Bitmap Index Scan on deals_contact_ids_gin" in text
    count = db.execute(
        "select count(*) from public.deals where contact_ids @> array[%s]::uuid[]", [contact_id]
    ).fetchone()
    assert count is not None and 1 <= count[0] <= 40


def test_seed_query_for_work_emails_uses_the_emails_gin_index(
    db, linked_rows, without_user_triggers
):
    without_user_triggers("public.contacts")
    db.execute("""
        insert into public.contacts (name, emails)
        select 'Contato ' || g,
               jsonb_build_array(jsonb_build_object(
                   'type', case when g % 100 = 0 then 'work' else 'personal' end,
                   'value', 'c' || g || '@example.com', 'primary', true))
        from generate_series(1, 5000) as g;
        analyze public.contacts;
        """)
    # GIN's pending list keeps the entries of every test's rolled-back inserts (only
    # VACUUM or this empties it), and the planner costs a GIN scan by its size: flushed
    # here, the plan no longer depends on which tests ran before.
    db.execute("select gin_clean_pending_list('public.contacts_emails_gin')")
    query = """select * from public.contacts where emails @> '[{"type": "work"}]'"""
    assert "Bitmap Index Scan on contacts_emails_gin" in plan(db, query)
    assert db.execute(f"select count(*) from ({query}) as q").fetchone() == (50,)
