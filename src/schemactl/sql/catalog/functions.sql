-- Functions and procedures of the given schemas (not those of extensions), with their
-- arguments and EXECUTE privilege of each of the given roles.
-- Parameters: schemas text[], roles text[].
select
    n.nspname as schema,
    p.proname as name,
    pg_get_function_identity_arguments(p.oid) as identity_arguments,
    pg_get_function_result(p.oid) as result,
    p.prokind::text as kind,
    l.lanname as language,
    p.prosecdef as security_definer,
    p.provolatile::text as volatility,
    p.proretset as returns_set,
    p.prorettype::int as return_type_oid,
    p.pronargs as input_count,
    p.pronargdefaults as default_count,
    coalesce(p.proallargtypes, p.proargtypes::oid [])::int [] as argument_type_oids,
    coalesce(p.proargnames, '{}') as argument_names,
    coalesce(p.proargmodes::text [], '{}') as argument_modes,
    coalesce(p.proconfig, '{}') as config,
    obj_description(p.oid, 'pg_proc') as comment,
    array(
        select r.rolname::text
        from pg_roles as r
        where r.rolname = any(%(roles)s) and has_function_privilege(r.oid, p.oid, 'EXECUTE')
        order by r.rolname
    ) as executable_by
from pg_proc as p
inner join pg_namespace as n on p.pronamespace = n.oid
inner join pg_language as l on p.prolang = l.oid
where
    n.nspname = any(%(schemas)s)
    and p.prokind in ('f', 'p')
    and not exists (
        select from pg_depend as d
        where d.classid = 'pg_proc'::regclass and d.objid = p.oid and d.deptype = 'e'
    )
order by n.nspname, p.proname, pg_get_function_identity_arguments(p.oid)
