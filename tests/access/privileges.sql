-- Every privilege the API roles (and PUBLIC) hold on the schema's objects: relations,
-- columns, functions, schemas. Null ACLs are expanded to their defaults (a function
-- without an ACL is executable by PUBLIC).
with api_role (name) as (
    values ('PUBLIC'), ('anon'), ('authenticated'), ('service_role')
),

managed as (
    select oid, nspname from pg_namespace where nspname in ('public', 'private', 'reporting')
),

grants as (
    select
        'schema' as kind,
        n.nspname::text as object,
        a.grantee,
        a.privilege_type
    from managed as n
    inner join pg_namespace as ns on ns.oid = n.oid
    cross join lateral aclexplode(coalesce(ns.nspacl, acldefault('n', ns.nspowner))) as a
    union all
    select
        'relation',
        n.nspname || '.' || c.relname,
        a.grantee,
        a.privilege_type
    from pg_class as c
    inner join managed as n on c.relnamespace = n.oid
    cross join lateral aclexplode(coalesce(
        c.relacl,
        acldefault((case when c.relkind = 'S' then 's' else 'r' end)::"char", c.relowner)
    )) as a
    where c.relkind in ('r', 'p', 'v', 'm', 'S', 'f')
    union all
    select
        'column',
        n.nspname || '.' || c.relname || '.' || att.attname,
        a.grantee,
        a.privilege_type
    from pg_attribute as att
    inner join pg_class as c on att.attrelid = c.oid
    inner join managed as n on c.relnamespace = n.oid
    cross join lateral aclexplode(att.attacl) as a
    where att.attnum > 0 and not att.attisdropped and att.attacl is not null
    union all
    select
        'function',
        p.oid::regprocedure::text,
        a.grantee,
        a.privilege_type
    from pg_proc as p
    inner join managed as n on p.pronamespace = n.oid
    cross join lateral aclexplode(coalesce(p.proacl, acldefault('f', p.proowner))) as a
)

select
    g.kind,
    g.object,
    case g.grantee when 0 then 'PUBLIC' else pg_get_userbyid(g.grantee) end as grantee,
    g.privilege_type
from grants as g
where case g.grantee when 0 then 'PUBLIC' else pg_get_userbyid(g.grantee) end
    in (select name from api_role)
order by 1, 2, 3, 4
