-- Indexes of the relations of the given schemas; `constraint_name` is set for the
-- index behind a primary key, unique or exclusion constraint.
-- Parameters: schemas text[].
select
    n.nspname as schema,
    c.relname as relation,
    ic.relname as name,
    pg_get_indexdef(i.indexrelid) as definition,
    i.indisprimary as is_primary,
    i.indisunique as is_unique,
    con.conname as constraint_name,
    obj_description(ic.oid, 'pg_class') as comment
from pg_index as i
inner join pg_class as c on i.indrelid = c.oid
inner join pg_class as ic on i.indexrelid = ic.oid
inner join pg_namespace as n on c.relnamespace = n.oid
left join pg_constraint as con on con.conindid = i.indexrelid and con.conrelid = c.oid
where n.nspname = any(%(schemas)s)
order by n.nspname, c.relname, ic.relname
