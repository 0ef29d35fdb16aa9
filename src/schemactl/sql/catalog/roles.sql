-- The given roles that exist, and whether row-level security applies to them, per
-- relation: a superuser, a BYPASSRLS role and (unless RLS is forced) a role with the
-- privileges of the table's owner skip every policy.
-- Parameters: schemas text[], roles text[].
select
    r.rolname as role,
    r.rolsuper as superuser,
    r.rolbypassrls as bypass_rls,
    array(
        select n.nspname || '.' || c.relname
        from pg_class as c
        inner join pg_namespace as n on c.relnamespace = n.oid
        where
            n.nspname = any(%(schemas)s)
            and c.relkind in ('r', 'p', 'v', 'm', 'f')
            and pg_has_role(r.oid, c.relowner, 'USAGE')
        order by 1
    ) as owns
from pg_roles as r
where r.rolname = any(%(roles)s)
order by r.rolname
