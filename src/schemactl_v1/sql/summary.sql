-- Books of the migration per kind: V1 rows, migrated (mapped), of which merged,
-- quarantined. Contacts and products are made from V1 fields, not V1 rows: their `v1_rows`
-- are the valid (client, address) pairs of migrated clients and the distinct product
-- names of V1 lines, `migrated` the contacts / products they map to.
select
    k.kind,
    k.v1_rows,
    k.migrated,
    k.merged,
    k.quarantined
from (
    select
        1 as ord,
        'client' as kind,
        (select pg_catalog.count(*) from v1.clients) as v1_rows,
        (
            select pg_catalog.count(*) from migration.v1_id_map as m
            where m.kind = 'client'
        ) as migrated,
        (
            select pg_catalog.count(*) from migration.v1_id_map as m
            where m.kind = 'client' and m.merged
        ) as merged,
        (
            select pg_catalog.count(*) from migration.v1_quarantine as q
            where q.kind = 'client'
        ) as quarantined
    union all
    select
        2 as ord,
        'contact' as kind,
        (
            select pg_catalog.count(*) from v1.clients as c
            inner join migration.v1_id_map as m on m.kind = 'client' and c.id = m.v1_id
            cross join lateral migration.split_emails(c.email) as e
            where e.is_valid
        ) as v1_rows,
        (
            select pg_catalog.count(distinct x.contact_id) from migration.v1_contact_map as x
        ) as migrated,
        (
            select pg_catalog.count(*) - pg_catalog.count(distinct x.contact_id)
            from migration.v1_contact_map as x
        ) as merged,
        0 as quarantined
    union all
    select
        3 as ord,
        'opportunity' as kind,
        (select pg_catalog.count(*) from v1.opportunities) as v1_rows,
        (
            select pg_catalog.count(*) from migration.v1_id_map as m
            where m.kind = 'opportunity'
        ) as migrated,
        0 as merged,
        (
            select pg_catalog.count(*) from migration.v1_quarantine as q
            where q.kind = 'opportunity'
        ) as quarantined
    union all
    select
        4 as ord,
        'product' as kind,
        (
            select pg_catalog.count(distinct migration.fold(l.product_name))
            from v1.opportunity_products as l
            where pg_catalog.btrim(coalesce(l.product_name, '')) <> ''
        ) as v1_rows,
        (select pg_catalog.count(*) from migration.v1_product_map) as migrated,
        0 as merged,
        0 as quarantined
    union all
    select
        5 as ord,
        'opportunity_product' as kind,
        (select pg_catalog.count(*) from v1.opportunity_products) as v1_rows,
        (
            select pg_catalog.count(*) from migration.v1_id_map as m
            where m.kind = 'opportunity_product'
        ) as migrated,
        0 as merged,
        (
            select pg_catalog.count(*) from migration.v1_quarantine as q
            where q.kind = 'opportunity_product'
        ) as quarantined
) as k
order by k.ord
