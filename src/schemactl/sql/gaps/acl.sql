-- Privileges on every object of the managed schemas (%(schemas)s): one row per object,
-- grantee and privilege, the owner's own privileges left out. A NULL ACL is expanded to
-- the built-in default (acldefault), so "never granted" and "granted, then revoked back"
-- compare equal. Objects with no grant to anyone else still appear once (grantee NULL).
-- Run with search_path = '' so every name is schema-qualified.
with objects as (
    select
        case when c.relkind = 'S' then 'sequence' else 'table' end as kind,
        n.nspname as schema,
        format('%%I.%%I', n.nspname, c.relname) as identity,
        null::text as column_name,
        c.oid,
        c.relowner as owner,
        coalesce(c.relacl, acldefault(case when c.relkind = 'S' then 's' else 'r' end::"char",
                                      c.relowner)) as acl
    from pg_class as c
    join pg_namespace as n on n.oid = c.relnamespace
    where n.nspname = any(%(schemas)s)
      and c.relkind in ('r', 'p', 'v', 'm', 'S', 'f')
      and not exists (select from pg_depend as d
                      where d.classid = 'pg_class'::regclass and d.objid = c.oid
                        and d.deptype = 'e')
    union all
    select
        'column', n.nspname, format('%%I.%%I', n.nspname, c.relname), quote_ident(a.attname),
        c.oid, c.relowner, a.attacl
    from pg_attribute as a
    join pg_class as c on c.oid = a.attrelid
    join pg_namespace as n on n.oid = c.relnamespace
    where n.nspname = any(%(schemas)s)
      and c.relkind in ('r', 'p', 'v', 'm', 'f')
      and a.attnum > 0 and not a.attisdropped and a.attacl is not null
    union all
    select
        case when p.prokind = 'p' then 'procedure' else 'function' end,
        n.nspname, p.oid::regprocedure::text, null, p.oid, p.proowner,
        coalesce(p.proacl, acldefault('f', p.proowner))
    from pg_proc as p
    join pg_namespace as n on n.oid = p.pronamespace
    where n.nspname = any(%(schemas)s)
      and not exists (select from pg_depend as d
                      where d.classid = 'pg_proc'::regclass and d.objid = p.oid
                        and d.deptype = 'e')
    union all
    select
        'schema', n.nspname, quote_ident(n.nspname), null, n.oid, n.nspowner,
        coalesce(n.nspacl, acldefault('n', n.nspowner))
    from pg_namespace as n
    where n.nspname = any(%(schemas)s)
    union all
    select
        case when t.typtype = 'd' then 'domain' else 'type' end,
        n.nspname, format('%%I.%%I', n.nspname, t.typname), null, t.oid, t.typowner,
        coalesce(t.typacl, acldefault('T', t.typowner))
    from pg_type as t
    join pg_namespace as n on n.oid = t.typnamespace
    left join pg_class as c on c.oid = t.typrelid
    where n.nspname = any(%(schemas)s)
      and (t.typtype in ('e', 'd', 'r', 'm') or (t.typtype = 'c' and c.relkind = 'c'))
      and not exists (select from pg_depend as d
                      where d.classid = 'pg_type'::regclass and d.objid = t.oid
                        and d.deptype = 'e')
)
select
    o.kind,
    o.schema,
    o.identity,
    o.column_name,
    o.oid::bigint as oid,
    case when a.grantee = 0 then 'public' else quote_ident(pg_get_userbyid(a.grantee)) end
        as grantee,
    a.privilege_type as privilege,
    bool_or(a.is_grantable) as grantable
from objects as o
left join lateral aclexplode(o.acl) as a on a.grantee <> o.owner
group by o.kind, o.schema, o.identity, o.column_name, o.oid, a.grantee, a.privilege_type
order by o.kind, o.identity, o.column_name, grantee, privilege;
