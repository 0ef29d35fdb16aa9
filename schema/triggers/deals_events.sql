-- Webhook events for deals (docs/design.md: Triggers and functions, The webhook outbox), written to
-- the outbox in the same transaction as the change:
--     INSERT         deal.created (+ deal.won / deal.lost when inserted closed)
--     stage change   deal.stage_changed
--     status -> won  deal.won;   status -> lost  deal.lost
--     soft delete    deal.deleted (deleted_at set)
--     hard delete    deal.deleted, unless the deal was already soft-deleted
-- Payload: {"event_id": <webhook_events.id>, "event_type", "occurred_at":
-- "YYYY-MM-DDTHH:MI:SSZ" (UTC), "data"}; data is {deal_id, old_stage_id,
-- new_stage_id, owner_id, pipeline_id} for deal.stage_changed, {deal_id, owner_id,
-- status, value} for the others.
-- None in bulk-import mode: the triggers' WHEN clause runs as the role that writes the
-- deal (inside this SECURITY DEFINER function current_user is the owner).
-- The event id is generated first (materialized) so that the payload can carry it.
-- occurred_at is the transaction's time, like the deal's closed_at and
-- stage_entered_at; created_at is the clock time, which orders one transaction's events
-- (a deal's events are written in the order listed above).
create function private.deals_events()
returns trigger
language plpgsql
security definer
set search_path = pg_catalog, pg_temp
set jit = off
as $$
declare
    v_occurred_at constant text := pg_catalog.to_char(
        now() at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'
    );
begin
    if tg_op = 'INSERT' then
        with event as materialized (
            select
                gen_random_uuid() as id,
                kind.event_type,
                n.id as deal_id,
                pg_catalog.jsonb_build_object(
                    'deal_id', n.id, 'owner_id', n.owner_id, 'status', n.status,
                    'value', n.value
                ) as data
            from new_rows as n
            cross join lateral (
                select 'deal.created' as event_type, 1 as rank
                union all
                select 'deal.' || n.status, 2
                where n.status in ('won', 'lost')
            ) as kind
        )

        insert into public.webhook_events (
            id, event_type, aggregate_type, aggregate_id, payload, occurred_at, created_at
        )
        select
            e.id, e.event_type, 'deal', e.deal_id,
            pg_catalog.jsonb_build_object(
                'event_id', e.id, 'event_type', e.event_type,
                'occurred_at', v_occurred_at, 'data', e.data
            ),
            now(), pg_catalog.clock_timestamp()
        from event as e;
    elsif tg_op = 'UPDATE' then
        with event as materialized (
            select
                gen_random_uuid() as id,
                kind.event_type,
                n.id as deal_id,
                case
                    when kind.event_type = 'deal.stage_changed' then
                        pg_catalog.jsonb_build_object(
                            'deal_id', n.id, 'old_stage_id', o.stage_id,
                            'new_stage_id', n.stage_id, 'owner_id', n.owner_id,
                            'pipeline_id', n.pipeline_id
                        )
                    else
                        pg_catalog.jsonb_build_object(
                            'deal_id', n.id, 'owner_id', n.owner_id, 'status', n.status,
                            'value', n.value
                        )
                end as data
            from new_rows as n
            inner join old_rows as o on o.id = n.id
            cross join lateral (
                select 'deal.stage_changed' as event_type, 1 as rank
                where n.stage_id is distinct from o.stage_id
                union all
                select 'deal.' || n.status, 2
                where n.status in ('won', 'lost') and n.status is distinct from o.status
                union all
                select 'deal.deleted', 3
                where n.deleted_at is not null and o.deleted_at is null
            ) as kind
        )

        insert into public.webhook_events (
            id, event_type, aggregate_type, aggregate_id, payload, occurred_at, created_at
        )
        select
            e.id, e.event_type, 'deal', e.deal_id,
            pg_catalog.jsonb_build_object(
                'event_id', e.id, 'event_type', e.event_type,
                'occurred_at', v_occurred_at, 'data', e.data
            ),
            now(), pg_catalog.clock_timestamp()
        from event as e;
    else
        with event as materialized (
            select
                gen_random_uuid() as id,
                o.id as deal_id,
                pg_catalog.jsonb_build_object(
                    'deal_id', o.id, 'owner_id', o.owner_id, 'status', o.status,
                    'value', o.value
                ) as data
            from old_rows as o
            where o.deleted_at is null
        )

        insert into public.webhook_events (
            id, event_type, aggregate_type, aggregate_id, payload, occurred_at, created_at
        )
        select
            e.id, 'deal.deleted', 'deal', e.deal_id,
            pg_catalog.jsonb_build_object(
                'event_id', e.id, 'event_type', 'deal.deleted',
                'occurred_at', v_occurred_at, 'data', e.data
            ),
            now(), pg_catalog.clock_timestamp()
        from event as e;
    end if;
    return null;
end
$$;

comment on function private.deals_events() is
    'Statement trigger on deals: writes deal.created, deal.stage_changed, deal.won, '
    'deal.lost and deal.deleted events to public.webhook_events '
    '(payload: docs/design.md, The webhook outbox).';

revoke execute on function private.deals_events()
from public, anon, authenticated, service_role;

create trigger deals_events_insert
after insert on public.deals
referencing new table as new_rows
for each statement
when (not private.bulk_import_active())
execute function private.deals_events();

create trigger deals_events_update
after update on public.deals
referencing old table as old_rows new table as new_rows
for each statement
when (not private.bulk_import_active())
execute function private.deals_events();

create trigger deals_events_delete
after delete on public.deals
referencing old table as old_rows
for each statement
when (not private.bulk_import_active())
execute function private.deals_events();
