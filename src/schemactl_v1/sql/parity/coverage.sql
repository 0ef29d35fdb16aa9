-- parity, coverage: each V1 row migrated or quarantined (not both, not neither); each
-- mapped row still in V1 and present (not soft-deleted) in V2.
-- Columns of every parity query: check_name, subject (the V1 -> V2 rows), field, expected
-- (V1), actual (V2). No row: no mismatch. Run in one read-only snapshot (v1/parity.py).

with
-- Inlined where it is used, so that `kind = …` reaches each table and its primary key.
v1_rows as not materialized (
    select
        'client'::text as kind,
        c.id
    from v1.clients as c
    union all
    select
        'opportunity' as kind,
        o.id
    from v1.opportunities as o
    union all
    select
        'opportunity_product' as kind,
        l.id
    from v1.opportunity_products as l
)

select
    'coverage' as check_name,
    pg_catalog.format('%s %s', r.kind, r.id) as subject,
    'state' as field,
    'migrated or quarantined' as expected,
    'neither' as actual
from v1_rows as r
where
    not exists (
        select from migration.v1_id_map as m
        where m.kind = r.kind and m.v1_id = r.id
    )
    and not exists (
        select from migration.v1_quarantine as q
        where q.kind = r.kind and q.v1_id = r.id
    )
union all
select
    'coverage' as check_name,
    pg_catalog.format('%s %s -> %s', m.kind, m.v1_id, m.v2_id) as subject,
    'state' as field,
    'migrated or quarantined' as expected,
    'both (quarantined: ' || q.reason || ')' as actual
from migration.v1_id_map as m
inner join migration.v1_quarantine as q on m.kind = q.kind and m.v1_id = q.v1_id
union all
select
    'coverage' as check_name,
    pg_catalog.format('%s %s -> %s', m.kind, m.v1_id, m.v2_id) as subject,
    'V1 row' as field,
    'present' as expected,
    'deleted from V1' as actual
from migration.v1_id_map as m
where
    not exists (
        select from v1_rows as r
        where r.kind = m.kind and r.id = m.v1_id
    )
union all
select
    'coverage' as check_name,
    pg_catalog.format('%s %s (quarantined)', q.kind, q.v1_id) as subject,
    'V1 row' as field,
    'present' as expected,
    'deleted from V1' as actual
from migration.v1_quarantine as q
where
    not exists (
        select from v1_rows as r
        where r.kind = q.kind and r.id = q.v1_id
    )
union all
select
    'coverage' as check_name,
    pg_catalog.format('client %s -> organization %s', m.v1_id, m.v2_id) as subject,
    'V2 row' as field,
    'present' as expected,
    case when o.id is null then 'missing' else 'soft-deleted' end as actual
from migration.v1_id_map as m
left join public.organizations as o on m.v2_id = o.id
where m.kind = 'client' and (o.id is null or o.deleted_at is not null)
union all
select
    'coverage' as check_name,
    pg_catalog.format('opportunity %s -> deal %s', m.v1_id, m.v2_id) as subject,
    'V2 row' as field,
    'present' as expected,
    case when d.id is null then 'missing' else 'soft-deleted' end as actual
from migration.v1_id_map as m
left join public.deals as d on m.v2_id = d.id
where m.kind = 'opportunity' and (d.id is null or d.deleted_at is not null)
union all
select
    'coverage' as check_name,
    pg_catalog.format('opportunity_product %s -> deal_product %s', m.v1_id, m.v2_id) as subject,
    'V2 row' as field,
    'present' as expected,
    'missing' as actual
from migration.v1_id_map as m
where
    m.kind = 'opportunity_product'
    and not exists (
        select from public.deal_products as p
        where p.id = m.v2_id
    )
order by subject, field
