-- parity, products: Σ line totals and line count per product, V1 vs V2.
-- Columns of every parity query: check_name, subject (the V1 -> V2 rows), field, expected
-- (V1), actual (V2). No row: no mismatch. Run in one read-only snapshot (v1/parity.py).

with
v1_products as (
    select
        pm.product_id,
        pg_catalog.count(*) as n,
        pg_catalog.sum(pg_catalog.round(l.quantity * l.unit_price, 2)) as total
    from v1.opportunity_products as l
    inner join migration.v1_id_map as m on m.kind = 'opportunity_product' and l.id = m.v1_id
    left join migration.v1_product_map as pm on pm.name_key = migration.fold(l.product_name)
    group by pm.product_id
),

v2_products as (
    select
        p.product_id,
        pg_catalog.count(*) as n,
        pg_catalog.sum(p.total) as total
    from public.deal_products as p
    inner join migration.v1_id_map as m on m.kind = 'opportunity_product' and p.id = m.v2_id
    group by p.product_id
)

select
    'product' as check_name,
    pg_catalog.format(
        'product %s %s', coalesce(a.product_id, b.product_id),
        pg_catalog.quote_literal(pr.name)
    ) as subject,
    f.field,
    f.expected,
    f.actual
from v1_products as a
full join v2_products as b on a.product_id = b.product_id
left join public.products as pr on pr.id = coalesce(a.product_id, b.product_id)
cross join
    lateral (
        values
        (
            'Σ line total', coalesce(a.total, 0)::numeric(16, 2)::text,
            coalesce(b.total, 0)::numeric(16, 2)::text
        ),
        ('lines', coalesce(a.n, 0)::text, coalesce(b.n, 0)::text)
    ) as f (field, expected, actual)
where f.expected <> f.actual
order by subject, f.field
