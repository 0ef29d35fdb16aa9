-- The dual-write triggers present on the V1 tables.
select
    c.relname as table_name,
    t.tgname as trigger_name
from pg_catalog.pg_trigger as t
inner join pg_catalog.pg_class as c on t.tgrelid = c.oid
inner join pg_catalog.pg_namespace as n on c.relnamespace = n.oid
where n.nspname = 'v1' and t.tgname like 'schemactl\_dual\_write%'
order by c.relname, t.tgname
