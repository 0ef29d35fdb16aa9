-- The rights an API role (`anon`, `authenticated`: every request of the Data API, API-key
-- holders included) has to write a V1 table. With dual-write on, a write to V1 is applied
-- to V2 by SECURITY DEFINER triggers, as the schema owner: row level security does not
-- apply to it. So `dual-write enable` refuses while any of these exists.
-- Rows: role, table, privilege.
select
    r.role_name,
    pg_catalog.format('v1.%I', t.table_name) as table_name,
    p.privilege
from pg_catalog.unnest(array['anon', 'authenticated']) as r (role_name)
cross join
    pg_catalog.unnest(array['clients', 'opportunities', 'opportunity_products'])
        as t (table_name)
cross join pg_catalog.unnest(array['INSERT', 'UPDATE', 'DELETE', 'TRUNCATE']) as p (privilege)
where
    exists (
        select from pg_catalog.pg_roles as a
        where a.rolname = r.role_name
    )
    and pg_catalog.has_table_privilege(
        r.role_name, pg_catalog.format('v1.%I', t.table_name), p.privilege
    )
order by r.role_name, table_name, p.privilege
