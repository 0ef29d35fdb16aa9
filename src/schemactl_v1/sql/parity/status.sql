-- parity, status: Σ value and count per status, V1 vs V2 (migrated rows; the value of a
-- deal with lines added in V2 is its own: migration.deal_lines_added_in_v2).
-- Columns of every parity query: check_name, subject (the V1 -> V2 rows), field, expected
-- (V1), actual (V2). No row: no mismatch. Run in one read-only snapshot (v1/parity.py).

with
v1_status as (
    select
        migration.normalize_status(o.status) as status,
        pg_catalog.count(*) as n,
        pg_catalog.sum(
            case
                when d.id in (select a.deal_id from migration.deal_lines_added_in_v2 as a)
                    then d.value
                else pg_catalog.round(coalesce(o.value, 0), 2)
            end
        ) as total
    from v1.opportunities as o
    inner join migration.v1_id_map as m on m.kind = 'opportunity' and o.id = m.v1_id
    inner join public.deals as d on m.v2_id = d.id
    group by migration.normalize_status(o.status)
),

v2_status as (
    select
        d.status,
        pg_catalog.count(*) as n,
        pg_catalog.sum(d.value) as total
    from public.deals as d
    inner join migration.v1_id_map as m on m.kind = 'opportunity' and d.id = m.v2_id
    where d.deleted_at is null
    group by d.status
)

select
    'status' as check_name,
    pg_catalog.format('status %s', coalesce(a.status, b.status)) as subject,
    f.field,
    f.expected,
    f.actual
from v1_status as a
full join v2_status as b on a.status = b.status
cross join
    lateral (
        values
        (
            'Σ value', coalesce(a.total, 0)::numeric(16, 2)::text,
            coalesce(b.total, 0)::numeric(16, 2)::text
        ),
        ('count', coalesce(a.n, 0)::text, coalesce(b.n, 0)::text)
    ) as f (field, expected, actual)
where f.expected <> f.actual
order by subject, f.field
