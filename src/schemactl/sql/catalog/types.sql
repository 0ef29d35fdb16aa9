-- Every type of pg_catalog and of the given schemas: how to map a column or argument
-- type (domains to their base type, arrays to their element, enums to their labels,
-- composite and row types to their relation).
-- Parameters: schemas text[].
select
    t.oid::int as oid,
    n.nspname as schema,
    t.typname as name,
    t.typtype::text as kind,
    t.typcategory::text as category,
    t.typelem::int as element_oid,
    t.typbasetype::int as base_oid,
    coalesce(rn.nspname, '') as relation_schema,
    coalesce(rc.relname, '') as relation_name,
    coalesce(rc.relkind::text, '') as relation_kind,
    array(
        select e.enumlabel::text from pg_enum as e
        where e.enumtypid = t.oid order by e.enumsortorder
    ) as enum_labels
from pg_type as t
inner join pg_namespace as n on t.typnamespace = n.oid
left join pg_class as rc on t.typrelid = rc.oid
left join pg_namespace as rn on rc.relnamespace = rn.oid
where n.nspname = 'pg_catalog' or n.nspname = any(%(schemas)s)
order by t.oid
