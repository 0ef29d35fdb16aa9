-- What each of the given roles may do on each relation of the given schemas:
-- USAGE on the schema, table-level privilege per command, and the columns it holds a
-- column-level privilege on (every column when the privilege is table-level).
-- Parameters: schemas text[], roles text[].
select
    n.nspname as schema,
    c.relname as relation,
    r.rolname as role,
    cmd.name as command,
    has_schema_privilege(r.oid, n.oid, 'USAGE') as schema_usage,
    has_table_privilege(r.oid, c.oid, cmd.name) as table_level,
    case
        when cmd.name = 'DELETE' then '{}'::text []
        else array(
            select a.attname::text
            from pg_attribute as a
            where
                a.attrelid = c.oid
                and a.attnum > 0
                and not a.attisdropped
                and has_column_privilege(r.oid, c.oid, a.attnum, cmd.name)
            order by a.attnum
        )
    end as columns
from pg_class as c
inner join pg_namespace as n on c.relnamespace = n.oid
cross join pg_roles as r
cross join unnest(array['SELECT', 'INSERT', 'UPDATE', 'DELETE']) as cmd (name)
where
    n.nspname = any(%(schemas)s)
    and c.relkind in ('r', 'p', 'v', 'm', 'f')
    and not c.relispartition
    and r.rolname = any(%(roles)s)
order by n.nspname, c.relname, r.rolname, cmd.name
