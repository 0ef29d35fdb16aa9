-- Default privileges (ALTER DEFAULT PRIVILEGES) of the owner role %(owner)s: global ones
-- (which replace the built-in defaults, shown expanded when never altered) and those
-- of the managed schemas (which add to them). The role's own entries are left out.
with kinds (objtype, code) as (
    values ('r', 'r'), ('S', 's'), ('f', 'f'), ('T', 'T'), ('n', 'n')
),
owner_role as (
    select oid from pg_roles where rolname = %(owner)s
),
entries as (
    select '' as schema, k.objtype,
           coalesce(d.defaclacl, acldefault(k.code::"char", o.oid)) as acl
    from kinds as k
    cross join owner_role as o
    left join pg_default_acl as d
        on d.defaclrole = o.oid and d.defaclnamespace = 0 and d.defaclobjtype = k.objtype::"char"
    union all
    select quote_ident(n.nspname), d.defaclobjtype::text, d.defaclacl
    from pg_default_acl as d
    join owner_role as o on o.oid = d.defaclrole
    join pg_namespace as n on n.oid = d.defaclnamespace
    where n.nspname = any(%(schemas)s)
)
select
    e.schema,
    e.objtype::text as objtype,
    case when a.grantee = 0 then 'public' else quote_ident(pg_get_userbyid(a.grantee)) end
        as grantee,
    a.privilege_type as privilege,
    bool_or(a.is_grantable) as grantable
from entries as e
cross join owner_role as o
cross join lateral aclexplode(e.acl) as a
where a.grantee <> o.oid
group by e.schema, e.objtype, a.grantee, a.privilege_type
order by 1, 2, 3, 4;
