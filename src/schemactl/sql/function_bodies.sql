-- The functions a build created, with what validating them needs: the language's
-- validator (SQL bodies are parsed and planned against the built schema by
-- fmgr_sql_validator once check_function_bodies is on; plpgsql's only parses).
-- Parameters: schemas text[]. (%% is a literal percent sign.)
select
    p.oid::int8 as oid,
    format('%%I.%%I(%%s)', n.nspname, p.proname, pg_get_function_identity_arguments(p.oid))
        as signature,
    n.nspname as schema,
    p.proname as name,
    p.pronargs as nargs,
    l.lanname as language,
    l.lanvalidator::regproc::text as validator,
    p.prorettype = 'trigger'::regtype as is_trigger
from pg_proc as p
inner join pg_namespace as n on n.oid = p.pronamespace
inner join pg_language as l on l.oid = p.prolang
where n.nspname = any(%(schemas)s)
    and l.lanname in ('sql', 'plpgsql')
    and p.prosqlbody is null
order by 1
