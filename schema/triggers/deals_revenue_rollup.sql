-- Revenue rollup (docs/design.md: Triggers and functions). Invariant, for every organization at
-- every commit:
--     total_revenue = Σ value, won_deals_count = count(*)
--     over its deals with status = 'won' and deleted_at is null.
-- Each statement on deals adds, per organization, what its new rows contribute and
-- subtracts what its old rows contributed: this covers a deal won on insert, won ->
-- open/lost, a value change while won (also through deal_products), a move between
-- organizations (both sides), soft delete and restore, and hard delete. The seed's
-- trigger, which only fired on the transition to won, did not.
--
-- Concurrency: the organizations are locked in id order before the update (no
-- deadlock between statements touching several organizations), FOR NO KEY UPDATE
-- so as not to conflict with the FOR KEY SHARE lock that inserting a deal takes on its
-- organization. The update adds deltas to the row version it locked, so two
-- transactions winning deals of one organization are both counted: the second waits
-- for the first and adds to its committed total (under REPEATABLE READ or SERIALIZABLE
-- the second gets a serialization failure to retry instead, as for any row two
-- transactions update). public.recompute_organization_revenue() rebuilds the totals
-- from scratch.
create function private.deals_revenue_rollup()
returns trigger
language plpgsql
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
    v_organizations uuid[];
    v_revenue numeric[];
    v_deals int[];
begin
    if tg_op = 'TRUNCATE' then
        update public.organizations
        set total_revenue = 0, won_deals_count = 0
        where total_revenue <> 0 or won_deals_count <> 0;
        return null;
    end if;

    -- Per organization: what the statement's new rows contribute minus what its old
    -- rows contributed (a transition table exists only for the trigger's own event).
    if tg_op = 'INSERT' then
        select
            pg_catalog.array_agg(d.organization_id order by d.organization_id),
            pg_catalog.array_agg(d.revenue order by d.organization_id),
            pg_catalog.array_agg(d.deals order by d.organization_id)
        into v_organizations, v_revenue, v_deals
        from (
            select n.organization_id, sum(n.value) as revenue, count(*)::int as deals
            from new_rows as n
            where n.status = 'won' and n.deleted_at is null and n.organization_id is not null
            group by n.organization_id
        ) as d;
    elsif tg_op = 'UPDATE' then
        select
            pg_catalog.array_agg(d.organization_id order by d.organization_id),
            pg_catalog.array_agg(d.revenue order by d.organization_id),
            pg_catalog.array_agg(d.deals order by d.organization_id)
        into v_organizations, v_revenue, v_deals
        from (
            select c.organization_id, sum(c.revenue) as revenue, sum(c.deals)::int as deals
            from (
                select n.organization_id, n.value as revenue, 1 as deals
                from new_rows as n
                where n.status = 'won' and n.deleted_at is null
                    and n.organization_id is not null
                union all
                select o.organization_id, -o.value, -1
                from old_rows as o
                where o.status = 'won' and o.deleted_at is null
                    and o.organization_id is not null
            ) as c
            group by c.organization_id
            having sum(c.revenue) <> 0 or sum(c.deals) <> 0
        ) as d;
    else
        select
            pg_catalog.array_agg(d.organization_id order by d.organization_id),
            pg_catalog.array_agg(d.revenue order by d.organization_id),
            pg_catalog.array_agg(d.deals order by d.organization_id)
        into v_organizations, v_revenue, v_deals
        from (
            select o.organization_id, -sum(o.value) as revenue, -count(*)::int as deals
            from old_rows as o
            where o.status = 'won' and o.deleted_at is null and o.organization_id is not null
            group by o.organization_id
        ) as d;
    end if;

    if v_organizations is null then
        return null;
    end if;
    perform 1
    from public.organizations as o
    where o.id = any(v_organizations)
    order by o.id
    for no key update;
    update public.organizations as o
    set total_revenue = o.total_revenue + d.revenue,
        won_deals_count = o.won_deals_count + d.deals
    from unnest(v_organizations, v_revenue, v_deals) as d (id, revenue, deals)
    where o.id = d.id;
    return null;
end
$$;

comment on function private.deals_revenue_rollup() is
    'Statement trigger on deals: keeps organizations.total_revenue and won_deals_count '
    'equal to the sum and count of their won, non-deleted deals.';

revoke execute on function private.deals_revenue_rollup()
from public, anon, authenticated, service_role;

create trigger deals_revenue_rollup_insert
after insert on public.deals
referencing new table as new_rows
for each statement execute function private.deals_revenue_rollup();

create trigger deals_revenue_rollup_update
after update on public.deals
referencing old table as old_rows new table as new_rows
for each statement execute function private.deals_revenue_rollup();

create trigger deals_revenue_rollup_delete
after delete on public.deals
referencing old table as old_rows
for each statement execute function private.deals_revenue_rollup();

-- TRUNCATE deals (owner only, with CASCADE) leaves no won deal anywhere.
create trigger deals_revenue_rollup_truncate
after truncate on public.deals
for each statement execute function private.deals_revenue_rollup();
