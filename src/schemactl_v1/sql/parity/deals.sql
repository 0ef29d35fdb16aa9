-- parity, deals: value, status and organization of each migrated opportunity (the value
-- of a deal with lines added in V2 is V2's: migration.deal_lines_added_in_v2).
-- Columns of every parity query: check_name, subject (the V1 -> V2 rows), field, expected
-- (V1), actual (V2). No row: no mismatch. Run in one read-only snapshot (v1/parity.py).

select 'deal' as check_name,
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
    and (f.field <> 'value'
        or not exists (select from migration.deal_lines_added_in_v2 as a where a.deal_id = d.id))
order by 2, 3
