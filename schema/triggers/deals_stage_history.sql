-- Stage history (docs/design.md: The CRM data model, Triggers and functions): one
-- deal_stage_history row when a deal is created (from null) and one per stage change, at the deal's
-- stage_entered_at (so bulk imports keep their dates), with the time spent in the stage it left.
-- Written in bulk-import mode too. The matching deal.stage_changed event comes from
-- private.deals_events().
create function private.deals_stage_history()
returns trigger
language plpgsql
security definer
set search_path = pg_catalog, pg_temp
set jit = off
as $$
begin
    -- changed_by = auth.uid(), a scalar subquery: evaluated once, and only when a row is
    -- written.
    if tg_op = 'INSERT' then
        insert into public.deal_stage_history (
            deal_id, from_stage_id, to_stage_id, changed_by, changed_at, time_in_stage
        )
        select n.id, null, n.stage_id, (select auth.uid()), n.stage_entered_at, null
        from new_rows as n;
    else
        insert into public.deal_stage_history (
            deal_id, from_stage_id, to_stage_id, changed_by, changed_at, time_in_stage
        )
        select
            n.id, o.stage_id, n.stage_id, (select auth.uid()), n.stage_entered_at,
            n.stage_entered_at - o.stage_entered_at
        from new_rows as n
        inner join old_rows as o on o.id = n.id
        where n.stage_id is distinct from o.stage_id;
    end if;
    return null;
end
$$;

comment on function private.deals_stage_history() is
    'Statement trigger on deals: writes deal_stage_history for created deals (from '
    'null) and for deals whose stage changed.';

revoke execute on function private.deals_stage_history()
from public, anon, authenticated, service_role;

create trigger deals_stage_history_insert
after insert on public.deals
referencing new table as new_rows
for each statement execute function private.deals_stage_history();

create trigger deals_stage_history_update
after update on public.deals
referencing old table as old_rows new table as new_rows
for each statement execute function private.deals_stage_history();
