-- parity, revenue: per organization with V1 clients, total_revenue and won_deals_count =
-- Σ value / count of the won V1 opportunities of every client merged into it (a deal with
-- lines added in V2 counts its own value), plus its won deals made in V2.
-- Columns of every parity query: check_name, subject (the V1 -> V2 rows), field, expected
-- (V1), actual (V2). No row: no mismatch. Run in one read-only snapshot (v1/parity.py).

with
org_v1 as (
    select
        cm.v2_id as organization_id,
        coalesce(pg_catalog.sum(
            case
                when d.id in (select a.deal_id from migration.deal_lines_added_in_v2 as a)
                    then d.value
                else pg_catalog.round(coalesce(o.value, 0), 2)
            end
        )
        filter (
            where om.v1_id is not null
            and migration.normalize_status(o.status) = 'won'
        ), 0) as revenue,
        pg_catalog.count(
            *) filter (
            where om.v1_id is not null
            and migration.normalize_status(o.status) = 'won'
        ) as won,
        pg_catalog.array_to_string(pg_catalog.array_agg(distinct cm.v1_id), ', ') as clients
    from migration.v1_id_map as cm
    left join v1.opportunities as o on cm.v1_id = o.client_id
    left join migration.v1_id_map as om on om.kind = 'opportunity' and o.id = om.v1_id
    left join public.deals as d on om.v2_id = d.id
    where cm.kind = 'client'
    group by cm.v2_id
),

org_v2_only as (
    select
        d.organization_id,
        pg_catalog.sum(d.value) as revenue,
        pg_catalog.count(*) as won
    from public.deals as d
    where
        d.status = 'won' and d.deleted_at is null
        and d.organization_id in (select a.organization_id from org_v1 as a)
        and not exists (
            select from migration.v1_id_map as m
            where m.kind = 'opportunity' and m.v2_id = d.id
        )
    group by d.organization_id
)

select
    'revenue' as check_name,
    pg_catalog.format(
        'organization %s %s <- V1 clients %s', o.id,
        pg_catalog.quote_literal(o.name), a.clients
    ) as subject,
    f.field,
    f.expected,
    f.actual
from org_v1 as a
inner join public.organizations as o on a.organization_id = o.id
left join org_v2_only as b on a.organization_id = b.organization_id
cross join
    lateral (
        values
        (
            'total_revenue',
            (a.revenue + coalesce(b.revenue, 0))::numeric(16, 2)::text,
            o.total_revenue::numeric(16, 2)::text
        ),
        (
            'won_deals_count', (a.won + coalesce(b.won, 0))::text,
            o.won_deals_count::text
        )
    ) as f (field, expected, actual)
where f.expected <> f.actual
order by subject, f.field
