-- parity, product lines: total, quantity, deal and product of each migrated line.
-- Columns of every parity query: check_name, subject (the V1 -> V2 rows), field, expected
-- (V1), actual (V2). No row: no mismatch. Run in one read-only snapshot (v1/parity.py).

select
    'product line' as check_name,
    pg_catalog.format('opportunity_product %s -> deal_product %s', l.id, p.id) as subject,
    f.field,
    f.expected,
    f.actual
from v1.opportunity_products as l
inner join migration.v1_id_map as m on m.kind = 'opportunity_product' and l.id = m.v1_id
inner join public.deal_products as p on m.v2_id = p.id
left join migration.v1_id_map as om
    on om.kind = 'opportunity' and l.opportunity_id = om.v1_id
left join migration.v1_product_map as pm on pm.name_key = migration.fold(l.product_name)
cross join
    lateral (
        values
        ('total', pg_catalog.round(l.quantity * l.unit_price, 2)::text, p.total::text),
        ('quantity', l.quantity::text, p.quantity::text),
        ('deal', om.v2_id::text, p.deal_id::text),
        ('product', pm.product_id::text, p.product_id::text)
    ) as f (field, expected, actual)
where f.expected is distinct from f.actual
order by subject, f.field
