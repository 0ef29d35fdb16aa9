-- parity, deals: value, status, organization and contacts of each migrated opportunity
-- (the value of a deal with lines added in V2 is V2's: migration.deal_lines_added_in_v2;
-- contacts: each live contact of its client is in contact_ids, V2 may add others).
-- Columns of every parity query: check_name, subject (the V1 -> V2 rows), field, expected
-- (V1), actual (V2). No row: no mismatch. Run in one read-only snapshot (v1/parity.py).

select
    'deal' as check_name,
    pg_catalog.format('opportunity %s -> deal %s', o.id, d.id) as subject,
    f.field,
    f.expected,
    f.actual
from v1.opportunities as o
inner join migration.v1_id_map as m on m.kind = 'opportunity' and o.id = m.v1_id
inner join public.deals as d on m.v2_id = d.id
left join migration.v1_id_map as cm on cm.kind = 'client' and o.client_id = cm.v1_id
cross join
    lateral (
        select
            pg_catalog.string_agg(distinct x.contact_id::text, ', ') as client_contacts,
            pg_catalog.string_agg(distinct x.contact_id::text, ', ')
            filter (where x.contact_id = any(d.contact_ids)) as deal_contacts
        from migration.v1_contact_map as x
        inner join public.contacts as ct on x.contact_id = ct.id and ct.deleted_at is null
        where x.client_id = o.client_id
    ) as c
cross join
    lateral (
        values
        ('value', pg_catalog.round(coalesce(o.value, 0), 2)::text, d.value::text),
        ('status', migration.normalize_status(o.status), d.status),
        ('organization', cm.v2_id::text, d.organization_id::text),
        ('contacts', c.client_contacts, c.deal_contacts)
    ) as f (field, expected, actual)
where
    f.expected is distinct from f.actual
    and (
        f.field <> 'value'
        or not exists (
            select from migration.deal_lines_added_in_v2 as a
            where a.deal_id = d.id
        )
    )
order by subject, f.field
