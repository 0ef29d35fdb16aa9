-- Row-level security policies of the given schemas, with the roles (of the given ones)
-- each applies to: a policy applies to the roles it names, to every role for PUBLIC,
-- and to roles that have the privileges of a named role (membership with INHERIT).
-- Parameters: schemas text[], roles text[].
select
    n.nspname as schema,
    c.relname as relation,
    p.polname as name,
    case p.polcmd
        when 'r' then 'SELECT'
        when 'a' then 'INSERT'
        when 'w' then 'UPDATE'
        when 'd' then 'DELETE'
        else 'ALL'
    end as command,
    p.polpermissive as permissive,
    case
        when p.polroles = '{0}' then array['public']
        else array(
            select r.rolname::text from pg_roles as r
            where r.oid = any(p.polroles) order by r.rolname
        )
    end as roles,
    array(
        select r.rolname::text
        from pg_roles as r
        where
            r.rolname = any(%(roles)s)
            and (
                p.polroles = '{0}'
                or exists (
                    select from unnest(p.polroles) as pr (oid)
                    where pg_has_role(r.oid, pr.oid, 'USAGE')
                )
            )
        order by r.rolname
    ) as applies_to,
    pg_get_expr(p.polqual, p.polrelid, true) as using_expression,
    pg_get_expr(p.polwithcheck, p.polrelid, true) as check_expression
from pg_policy as p
inner join pg_class as c on p.polrelid = c.oid
inner join pg_namespace as n on c.relnamespace = n.oid
where n.nspname = any(%(schemas)s)
order by n.nspname, c.relname, p.polname
