-- Books of the migration per kind: V1 rows, migrated (mapped), of which merged,
-- quarantined. Contacts and products are made from V1 fields, not V1 rows: their `v1_rows`
-- are the valid (client, address) pairs of migrated clients and the distinct product
-- names of V1 lines, `migrated` the contacts / products they map to.
select k.kind, k.v1_rows, k.migrated, k.merged, k.quarantined
from (
    select 1 as ord, 'client' as kind,
        (select pg_catalog.count(*) from v1.clients) as v1_rows,
        (select pg_catalog.count(*) from migration.v1_id_map as m
            where m.kind = 'client') as migrated,
        (select pg_catalog.count(*) from migration.v1_id_map as m
            where m.kind = 'client' and m.merged) as merged,
        (select pg_catalog.count(*) from migration.v1_quarantine as q
            where q.kind = 'client') as quarantined
    union all
    select 2, 'contact',
        (select pg_catalog.count(*) from v1.clients as c
            join migration.v1_id_map as m on m.kind = 'client' and m.v1_id = c.id
            cross join lateral migration.split_emails(c.email) as e
            where e.is_valid),
        (select pg_catalog.count(distinct x.contact_id) from migration.v1_contact_map as x),
        (select pg_catalog.count(*) - pg_catalog.count(distinct x.contact_id)
            from migration.v1_contact_map as x),
        0
    union all
    select 3, 'opportunity',
        (select pg_catalog.count(*) from v1.opportunities),
        (select pg_catalog.count(*) from migration.v1_id_map as m
            where m.kind = 'opportunity'),
        0,
        (select pg_catalog.count(*) from migration.v1_quarantine as q
            where q.kind = 'opportunity')
    union all
    select 4, 'product',
        (select pg_catalog.count(distinct migration.fold(l.product_name))
            from v1.opportunity_products as l
            where pg_catalog.btrim(coalesce(l.product_name, '')) <> ''),
        (select pg_catalog.count(*) from migration.v1_product_map),
        0,
        0
    union all
    select 5, 'opportunity_product',
        (select pg_catalog.count(*) from v1.opportunity_products),
        (select pg_catalog.count(*) from migration.v1_id_map as m
            where m.kind = 'opportunity_product'),
        0,
        (select pg_catalog.count(*) from migration.v1_quarantine as q
            where q.kind = 'opportunity_product')
) as k
order by k.ord
