-- `schemactl parity`: every disagreement between V1 and V2, one row each, naming the V1
-- and V2 rows. Empty when they agree. Read-only. Compares V1 facts (values rounded to
-- cents, statuses normalised) with what V2 holds now:
--   count         V1 rows = migrated + quarantined, per kind
--   coverage      each V1 row migrated or quarantined (not both, not neither); each
--                 mapped row present in V1 and in V2 (not soft-deleted)
--   deal          value, status, organization of each migrated opportunity
--   status        Σ value and count per status, V1 vs V2
--   revenue       per organization with V1 clients: total_revenue = Σ value of the won
--                 V1 opportunities of every client merged into it (+ its won deals made
--                 in V2), and won_deals_count likewise
--   product line  total, quantity, deal, product of each migrated line
--   product       Σ line totals per product, V1 vs V2
--   contact       each valid email of a migrated client: a live contact with that address,
--                 linked to the client's organization
with
v1_rows as (
    select 'client'::text as kind, c.id from v1.clients as c
    union all
    select 'opportunity', o.id from v1.opportunities as o
    union all
    select 'opportunity_product', l.id from v1.opportunity_products as l
),

counts as (
    select 1 as ord, 'count' as check_name, k.kind as subject, 'rows' as field,
        pg_catalog.format('%s (V1)', v.n) as expected,
        pg_catalog.format('%s migrated + %s quarantined', m.n, q.n) as actual
    from (values ('client'), ('opportunity'), ('opportunity_product')) as k (kind)
    cross join lateral (
        select pg_catalog.count(*) as n from v1_rows as r where r.kind = k.kind) as v
    cross join lateral (
        select pg_catalog.count(*) as n from migration.v1_id_map as x
        where x.kind = k.kind) as m
    cross join lateral (
        select pg_catalog.count(*) as n from migration.v1_quarantine as x
        where x.kind = k.kind) as q
    where v.n <> m.n + q.n
),

coverage as (
    select 2 as ord, 'coverage' as check_name,
        pg_catalog.format('%s %s', r.kind, r.id) as subject, 'state' as field,
        'migrated or quarantined' as expected, 'neither' as actual
    from v1_rows as r
    where not exists (
            select from migration.v1_id_map as m where m.kind = r.kind and m.v1_id = r.id)
        and not exists (
            select from migration.v1_quarantine as q
            where q.kind = r.kind and q.v1_id = r.id)
    union all
    select 2, 'coverage', pg_catalog.format('%s %s -> %s', m.kind, m.v1_id, m.v2_id), 'state',
        'migrated or quarantined', 'both (quarantined: ' || q.reason || ')'
    from migration.v1_id_map as m
    join migration.v1_quarantine as q on q.kind = m.kind and q.v1_id = m.v1_id
    union all
    select 2, 'coverage', pg_catalog.format('%s %s -> %s', m.kind, m.v1_id, m.v2_id),
        'V1 row', 'present', 'deleted from V1'
    from migration.v1_id_map as m
    where not exists (select from v1_rows as r where r.kind = m.kind and r.id = m.v1_id)
    union all
    select 2, 'coverage', pg_catalog.format('%s %s (quarantined)', q.kind, q.v1_id),
        'V1 row', 'present', 'deleted from V1'
    from migration.v1_quarantine as q
    where not exists (select from v1_rows as r where r.kind = q.kind and r.id = q.v1_id)
    union all
    select 2, 'coverage',
        pg_catalog.format('client %s -> organization %s', m.v1_id, m.v2_id), 'V2 row',
        'present', case when o.id is null then 'missing' else 'soft-deleted' end
    from migration.v1_id_map as m
    left join public.organizations as o on o.id = m.v2_id
    where m.kind = 'client' and (o.id is null or o.deleted_at is not null)
    union all
    select 2, 'coverage', pg_catalog.format('opportunity %s -> deal %s', m.v1_id, m.v2_id),
        'V2 row', 'present', case when d.id is null then 'missing' else 'soft-deleted' end
    from migration.v1_id_map as m
    left join public.deals as d on d.id = m.v2_id
    where m.kind = 'opportunity' and (d.id is null or d.deleted_at is not null)
    union all
    select 2, 'coverage',
        pg_catalog.format('opportunity_product %s -> deal_product %s', m.v1_id, m.v2_id),
        'V2 row', 'present', 'missing'
    from migration.v1_id_map as m
    where m.kind = 'opportunity_product'
        and not exists (select from public.deal_products as p where p.id = m.v2_id)
),

deal_fields as (
    select 3 as ord, 'deal' as check_name,
        pg_catalog.format('opportunity %s -> deal %s', o.id, d.id) as subject,
        f.field, f.expected, f.actual
    from v1.opportunities as o
    join migration.v1_id_map as m on m.kind = 'opportunity' and m.v1_id = o.id
    join public.deals as d on d.id = m.v2_id
    left join migration.v1_id_map as cm on cm.kind = 'client' and cm.v1_id = o.client_id
    cross join lateral (
        values
            ('value', pg_catalog.round(coalesce(o.value, 0), 2)::text, d.value::text),
            ('status', migration.normalize_status(o.status), d.status),
            ('organization', cm.v2_id::text, d.organization_id::text)
    ) as f (field, expected, actual)
    where f.expected is distinct from f.actual
),

v1_status as (
    select migration.normalize_status(o.status) as status, pg_catalog.count(*) as n,
        pg_catalog.sum(pg_catalog.round(coalesce(o.value, 0), 2)) as total
    from v1.opportunities as o
    where exists (
        select from migration.v1_id_map as m
        where m.kind = 'opportunity' and m.v1_id = o.id)
    group by 1
),

v2_status as (
    select d.status, pg_catalog.count(*) as n, pg_catalog.sum(d.value) as total
    from public.deals as d
    join migration.v1_id_map as m on m.kind = 'opportunity' and m.v2_id = d.id
    where d.deleted_at is null
    group by 1
),

status_totals as (
    select 4 as ord, 'status' as check_name,
        pg_catalog.format('status %s', coalesce(a.status, b.status)) as subject,
        f.field, f.expected, f.actual
    from v1_status as a
    full join v2_status as b on b.status = a.status
    cross join lateral (
        values
            ('Σ value', coalesce(a.total, 0)::numeric(16, 2)::text,
                coalesce(b.total, 0)::numeric(16, 2)::text),
            ('count', coalesce(a.n, 0)::text, coalesce(b.n, 0)::text)
    ) as f (field, expected, actual)
    where f.expected <> f.actual
),

org_v1 as (
    select cm.v2_id as organization_id,
        coalesce(pg_catalog.sum(pg_catalog.round(coalesce(o.value, 0), 2))
            filter (where om.v1_id is not null
                and migration.normalize_status(o.status) = 'won'), 0) as revenue,
        pg_catalog.count(*) filter (where om.v1_id is not null
            and migration.normalize_status(o.status) = 'won') as won,
        pg_catalog.array_to_string(pg_catalog.array_agg(distinct cm.v1_id), ', ') as clients
    from migration.v1_id_map as cm
    left join v1.opportunities as o on o.client_id = cm.v1_id
    left join migration.v1_id_map as om on om.kind = 'opportunity' and om.v1_id = o.id
    where cm.kind = 'client'
    group by cm.v2_id
),

org_v2_only as (
    select d.organization_id, pg_catalog.sum(d.value) as revenue, pg_catalog.count(*) as won
    from public.deals as d
    where d.status = 'won' and d.deleted_at is null
        and d.organization_id in (select a.organization_id from org_v1 as a)
        and not exists (
            select from migration.v1_id_map as m
            where m.kind = 'opportunity' and m.v2_id = d.id)
    group by d.organization_id
),

revenue as (
    select 5 as ord, 'revenue' as check_name,
        pg_catalog.format('organization %s %s <- V1 clients %s', o.id,
            pg_catalog.quote_literal(o.name), a.clients) as subject,
        f.field, f.expected, f.actual
    from org_v1 as a
    join public.organizations as o on o.id = a.organization_id
    left join org_v2_only as b on b.organization_id = a.organization_id
    cross join lateral (
        values
            ('total_revenue',
                (a.revenue + coalesce(b.revenue, 0))::numeric(16, 2)::text,
                o.total_revenue::numeric(16, 2)::text),
            ('won_deals_count', (a.won + coalesce(b.won, 0))::text,
                o.won_deals_count::text)
    ) as f (field, expected, actual)
    where f.expected <> f.actual
),

line_fields as (
    select 6 as ord, 'product line' as check_name,
        pg_catalog.format('opportunity_product %s -> deal_product %s', l.id, p.id) as subject,
        f.field, f.expected, f.actual
    from v1.opportunity_products as l
    join migration.v1_id_map as m on m.kind = 'opportunity_product' and m.v1_id = l.id
    join public.deal_products as p on p.id = m.v2_id
    left join migration.v1_id_map as om
        on om.kind = 'opportunity' and om.v1_id = l.opportunity_id
    left join migration.v1_product_map as pm on pm.name_key = migration.fold(l.product_name)
    cross join lateral (
        values
            ('total', pg_catalog.round(l.quantity * l.unit_price, 2)::text, p.total::text),
            ('quantity', l.quantity::text, p.quantity::text),
            ('deal', om.v2_id::text, p.deal_id::text),
            ('product', pm.product_id::text, p.product_id::text)
    ) as f (field, expected, actual)
    where f.expected is distinct from f.actual
),

v1_products as (
    select pm.product_id, pg_catalog.count(*) as n,
        pg_catalog.sum(pg_catalog.round(l.quantity * l.unit_price, 2)) as total
    from v1.opportunity_products as l
    join migration.v1_id_map as m on m.kind = 'opportunity_product' and m.v1_id = l.id
    left join migration.v1_product_map as pm on pm.name_key = migration.fold(l.product_name)
    group by pm.product_id
),

v2_products as (
    select p.product_id, pg_catalog.count(*) as n, pg_catalog.sum(p.total) as total
    from public.deal_products as p
    join migration.v1_id_map as m on m.kind = 'opportunity_product' and m.v2_id = p.id
    group by p.product_id
),

product_totals as (
    select 7 as ord, 'product' as check_name,
        pg_catalog.format('product %s %s', coalesce(a.product_id, b.product_id),
            pg_catalog.quote_literal(pr.name)) as subject,
        f.field, f.expected, f.actual
    from v1_products as a
    full join v2_products as b on b.product_id = a.product_id
    left join public.products as pr on pr.id = coalesce(a.product_id, b.product_id)
    cross join lateral (
        values
            ('Σ line total', coalesce(a.total, 0)::numeric(16, 2)::text,
                coalesce(b.total, 0)::numeric(16, 2)::text),
            ('lines', coalesce(a.n, 0)::text, coalesce(b.n, 0)::text)
    ) as f (field, expected, actual)
    where f.expected <> f.actual
),

contact_links as (
    select 8 as ord, 'contact' as check_name,
        pg_catalog.format('client %s email %s', c.id, e.email) as subject,
        'contact' as field,
        pg_catalog.format('linked to organization %s', cm.v2_id) as expected,
        case
            when x.contact_id is null then 'no contact'
            when ct.id is null then pg_catalog.format('contact %s missing', x.contact_id)
            when ct.deleted_at is not null
                then pg_catalog.format('contact %s soft-deleted', ct.id)
            when not ct.emails @> pg_catalog.jsonb_build_array(
                    pg_catalog.jsonb_build_object('value', e.email))
                then pg_catalog.format('contact %s lacks the address', ct.id)
            else pg_catalog.format('contact %s not linked', ct.id)
        end as actual
    from v1.clients as c
    join migration.v1_id_map as cm on cm.kind = 'client' and cm.v1_id = c.id
    cross join lateral migration.split_emails(c.email) as e
    left join migration.v1_contact_map as x on x.client_id = c.id and x.email = e.email
    left join public.contacts as ct on ct.id = x.contact_id
    where e.is_valid
        and (ct.id is null
            or ct.deleted_at is not null
            or not ct.emails @> pg_catalog.jsonb_build_array(
                pg_catalog.jsonb_build_object('value', e.email))
            or not exists (
                select from public.organization_contacts as oc
                where oc.organization_id = cm.v2_id and oc.contact_id = ct.id))
    union all
    select 8, 'contact', pg_catalog.format('client %s email %s', x.client_id, x.email),
        'contact', 'a valid address of a migrated client',
        pg_catalog.format('stale mapping to contact %s', x.contact_id)
    from migration.v1_contact_map as x
    where not exists (
        select from v1.clients as c
        join migration.v1_id_map as cm on cm.kind = 'client' and cm.v1_id = c.id
        cross join lateral migration.split_emails(c.email) as e
        where c.id = x.client_id and e.is_valid and e.email = x.email)
)

select r.check_name, r.subject, r.field, r.expected, r.actual
from (
    select * from counts
    union all select * from coverage
    union all select * from deal_fields
    union all select * from status_totals
    union all select * from revenue
    union all select * from line_fields
    union all select * from product_totals
    union all select * from contact_links
) as r
order by r.ord, r.subject, r.field
