-- parity, contacts: each valid address of a migrated client is a live contact with that
-- address, linked to the client's organization; no mapping for an address that is gone.
-- Columns of every parity query: check_name, subject (the V1 -> V2 rows), field, expected
-- (V1), actual (V2). No row: no mismatch. Run in one read-only snapshot (v1/parity.py).

select
    'contact' as check_name,
    pg_catalog.format('client %s email %s', c.id, e.email) as subject,
    'contact' as field,
    pg_catalog.format('linked to organization %s', cm.v2_id) as expected,
    case
        when x.contact_id is null then 'no contact'
        when ct.id is null then pg_catalog.format('contact %s missing', x.contact_id)
        when ct.deleted_at is not null
            then pg_catalog.format('contact %s soft-deleted', ct.id)
        when
            not ct.emails @> pg_catalog.jsonb_build_array(
                pg_catalog.jsonb_build_object('value', e.email)
            )
            then pg_catalog.format('contact %s lacks the address', ct.id)
        else pg_catalog.format('contact %s not linked', ct.id)
    end as actual
from v1.clients as c
inner join migration.v1_id_map as cm on cm.kind = 'client' and c.id = cm.v1_id
cross join lateral migration.split_emails(c.email) as e
left join migration.v1_contact_map as x on c.id = x.client_id and e.email = x.email
left join public.contacts as ct on x.contact_id = ct.id
where
    e.is_valid
    and (
        ct.id is null
        or ct.deleted_at is not null
        or not ct.emails @> pg_catalog.jsonb_build_array(
            pg_catalog.jsonb_build_object('value', e.email)
        )
        or not exists (
            select from public.organization_contacts as oc
            where oc.organization_id = cm.v2_id and oc.contact_id = ct.id
        )
    )
union all
select
    'contact' as check_name,
    pg_catalog.format('client %s email %s', x.client_id, x.email) as subject,
    'contact' as field,
    'a valid address of a migrated client' as expected,
    pg_catalog.format('stale mapping to contact %s', x.contact_id) as actual
from migration.v1_contact_map as x
where
    not exists (
        select from v1.clients as c
        inner join migration.v1_id_map as cm on cm.kind = 'client' and c.id = cm.v1_id
        cross join lateral migration.split_emails(c.email) as e
        where c.id = x.client_id and e.is_valid and e.email = x.email
    )
order by subject, field
