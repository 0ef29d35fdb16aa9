-- What the given roles (and PUBLIC) get on a table, sequence or function created later
-- in each of the schemas by the role that owns the schema's relations (the project's
-- owner): the global default ACL (PostgreSQL's built-in one when never altered) plus the
-- schema's own entry, as ALTER DEFAULT PRIVILEGES combines them.
-- Parameters: schemas text[], roles text[].
with kinds (objtype, code, objects) as (
    values ('r', 'r', 'tables'), ('S', 's', 'sequences'), ('f', 'f', 'functions')
),
owners as (
    select distinct on (n.nspname) n.oid as schema_oid, n.nspname as schema, c.relowner as owner
    from pg_namespace as n
    inner join pg_class as c on c.relnamespace = n.oid and c.relkind in ('r', 'p')
    where n.nspname = any(%(schemas)s)
    order by n.nspname, c.oid
),
effective as (
    select o.schema, k.objects, o.owner, a.grantee, a.privilege_type
    from owners as o
    cross join kinds as k
    left join pg_default_acl as g
        on g.defaclrole = o.owner and g.defaclnamespace = 0
        and g.defaclobjtype = k.objtype::"char"
    cross join lateral aclexplode(coalesce(g.defaclacl, acldefault(k.code::"char", o.owner))) as a
    union
    select o.schema, k.objects, o.owner, a.grantee, a.privilege_type
    from owners as o
    cross join kinds as k
    inner join pg_default_acl as s
        on s.defaclrole = o.owner and s.defaclnamespace = o.schema_oid
        and s.defaclobjtype = k.objtype::"char"
    cross join lateral aclexplode(s.defaclacl) as a
)
select
    targets.schema,
    targets.objects,
    grantees.role,
    coalesce(
        array_agg(distinct e.privilege_type order by e.privilege_type)
            filter (where e.privilege_type is not null),
        '{}'
    ) as privileges
from (select unnest(%(roles)s::text[]) as role union all select 'PUBLIC') as grantees (role)
cross join (select distinct schema, objects from effective) as targets (schema, objects)
left join effective as e
    on e.schema = targets.schema and e.objects = targets.objects
    and e.grantee = case grantees.role when 'PUBLIC' then 0::oid
        else (select r.oid from pg_roles as r where r.rolname = grantees.role) end
    and e.grantee <> e.owner
group by targets.schema, targets.objects, grantees.role
order by 1, 2, 3
