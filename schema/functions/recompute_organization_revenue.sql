-- Rebuilds organizations.total_revenue / won_deals_count from the deals (docs/design.md: Triggers
-- and functions), for repair after data loaded with triggers disabled, or as a check (0 = all
-- correct).
create function public.recompute_organization_revenue(p_org uuid default null)
returns int
language plpgsql
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
    v_count int;
begin
    -- Lock first, in id order like the rollup trigger; the sums below are read by a
    -- later statement, so they include whatever transactions committed while we
    -- waited, and a transaction still changing deals adds its delta after us.
    perform 1
    from public.organizations as o
    where p_org is null or o.id = p_org
    order by o.id
    for no key update;
    update public.organizations as o
    set total_revenue = actual.total_revenue,
        won_deals_count = actual.won_deals_count
    from (
        select
            o2.id,
            coalesce(sum(d.value), 0) as total_revenue,
            count(d.id)::int as won_deals_count
        from public.organizations as o2
        left join public.deals as d
            on d.organization_id = o2.id and d.status = 'won' and d.deleted_at is null
        where p_org is null or o2.id = p_org
        group by o2.id
    ) as actual
    where o.id = actual.id
        and (o.total_revenue, o.won_deals_count)
        is distinct from (actual.total_revenue, actual.won_deals_count);
    get diagnostics v_count = row_count;
    return v_count;
end
$$;

comment on function public.recompute_organization_revenue(uuid) is
    'Recomputes total_revenue and won_deals_count of one organization (or all) from its '
    'won, non-deleted deals; returns how many organizations it corrected. service_role '
    'only.';

revoke execute on function public.recompute_organization_revenue(uuid)
from public, anon, authenticated, service_role;
grant execute on function public.recompute_organization_revenue(uuid) to service_role;
