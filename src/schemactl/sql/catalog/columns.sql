-- Columns of the relations of the given schemas, in table order.
-- Parameters: schemas text[].
select
    n.nspname as schema,
    c.relname as relation,
    a.attname as name,
    a.attnum as position,
    format_type(a.atttypid, a.atttypmod) as type,
    a.atttypid::int as type_oid,
    not (a.attnotnull or (t.typtype = 'd' and t.typnotnull)) as nullable,
    case when a.attgenerated = '' then pg_get_expr(ad.adbin, ad.adrelid) end as default,
    case when a.attgenerated <> '' then pg_get_expr(ad.adbin, ad.adrelid) end as generated,
    a.attidentity::text as identity,
    col_description(c.oid, a.attnum) as comment,
    pg_column_is_updatable(c.oid, a.attnum, false) as updatable
from pg_attribute as a
inner join pg_class as c on a.attrelid = c.oid
inner join pg_namespace as n on c.relnamespace = n.oid
inner join pg_type as t on a.atttypid = t.oid
left join pg_attrdef as ad on a.attrelid = ad.adrelid and a.attnum = ad.adnum
where
    n.nspname = any(%(schemas)s)
    and c.relkind in ('r', 'p', 'v', 'm', 'f', 'c')
    and a.attnum > 0
    and not a.attisdropped
order by n.nspname, c.relname, a.attnum
