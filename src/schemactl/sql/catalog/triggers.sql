-- User triggers (not the internal ones behind foreign keys) of the given schemas.
-- Parameters: schemas text[].
select
    n.nspname as schema,
    c.relname as relation,
    t.tgname as name,
    pg_get_triggerdef(t.oid, true) as definition,
    t.tgenabled::text as enabled
from pg_trigger as t
inner join pg_class as c on t.tgrelid = c.oid
inner join pg_namespace as n on c.relnamespace = n.oid
where n.nspname = any(%(schemas)s) and not t.tgisinternal
order by n.nspname, c.relname, t.tgname
