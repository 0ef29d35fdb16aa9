-- Table constraints (primary key, unique, check, foreign key, exclusion) of the given
-- schemas. Foreign keys carry the referenced table and columns.
-- Parameters: schemas text[].
select
    n.nspname as schema,
    c.relname as relation,
    con.conname as name,
    con.contype::text as kind,
    pg_get_constraintdef(con.oid, true) as definition,
    array(
        select a.attname::text
        from unnest(con.conkey) with ordinality as k (attnum, ord)
        inner join pg_attribute as a on a.attrelid = con.conrelid and a.attnum = k.attnum
        order by k.ord
    ) as columns,
    rn.nspname as ref_schema,
    rc.relname as ref_relation,
    array(
        select a.attname::text
        from unnest(con.confkey) with ordinality as k (attnum, ord)
        inner join pg_attribute as a on a.attrelid = con.confrelid and a.attnum = k.attnum
        order by k.ord
    ) as ref_columns,
    case when con.contype = 'c' then pg_get_expr(con.conbin, con.conrelid) end
    as check_expression,
    obj_description(con.oid, 'pg_constraint') as comment
from pg_constraint as con
inner join pg_class as c on con.conrelid = c.oid
inner join pg_namespace as n on c.relnamespace = n.oid
left join pg_class as rc on con.confrelid = rc.oid
left join pg_namespace as rn on rc.relnamespace = rn.oid
where n.nspname = any(%(schemas)s) and con.contype in ('p', 'u', 'c', 'f', 'x')
order by n.nspname, c.relname, con.conname
