-- Columns an inheritance child (not a partition) has from its parents, and whether the
-- child also defines them itself (attislocal): a column only inherited goes when the
-- parent drops it; a local one stays.
select
    format('%%I.%%I', n.nspname, c.relname) as identity,
    a.attname::text as column_name,
    a.attislocal as local
from pg_attribute as a
join pg_class as c on c.oid = a.attrelid
join pg_namespace as n on n.oid = c.relnamespace
where n.nspname = any(%(schemas)s)
  and c.relkind in ('r', 'p')
  and not c.relispartition
  and a.attnum > 0
  and not a.attisdropped
  and a.attinhcount > 0
order by 1, 2;
