-- Tables, views, materialized views and foreign tables of the given schemas.
-- Parameters: schemas text[].
select
    n.nspname as schema,
    c.relname as name,
    c.relkind::text as kind,
    obj_description(c.oid, 'pg_class') as comment,
    c.relrowsecurity as rls_enabled,
    c.relforcerowsecurity as rls_forced,
    pg_get_userbyid(c.relowner) as owner,
    c.relreplident::text as replica_identity,
    coalesce(c.reloptions, '{}') as options,
    array(
        select pub.pubname::text
        from pg_publication as pub
        where
            pub.puballtables
            or exists (
                select from pg_publication_rel as pr
                where pr.prpubid = pub.oid and pr.prrelid = c.oid
            )
        order by pub.pubname
    ) as publications,
    case when c.relkind = 'v' then pg_relation_is_updatable(c.oid, false) else 0 end
    as updatable_events,
    case when c.relkind in ('v', 'm') then pg_get_viewdef(c.oid, true) end as definition
from pg_class as c
inner join pg_namespace as n on c.relnamespace = n.oid
where
    n.nspname = any(%(schemas)s)
    and c.relkind in ('r', 'p', 'v', 'm', 'f')
    and not c.relispartition
    and not exists (
        select from pg_depend as d
        where d.classid = 'pg_class'::regclass and d.objid = c.oid and d.deptype = 'e'
    )
order by n.nspname, c.relname
