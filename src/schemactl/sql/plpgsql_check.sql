-- plpgsql_check's errors in the PL/pgSQL functions a build created. A trigger function is
-- checked once per table that has a trigger calling it (NEW and OLD are that table's
-- rows). One function often serves the INSERT, UPDATE and DELETE triggers of a table,
-- each with its own transition tables, in branches on TG_OP that plpgsql_check cannot
-- tell apart: the body is checked with every transition table name those triggers give
-- (a branch reading a table its trigger does not have is not caught). A trigger function
-- no trigger calls cannot be checked and is left out. Only level 'error' is returned:
-- warnings (unused variables, performance) do not fail a build.
-- The extension's functions are reached through the schema it is in: {check_schema}.
-- Parameters: schemas text[]. (%% is a literal percent sign.)
with targets as (
    select
        p.oid,
        coalesce(t.tgrelid, 0) as relid,
        max(t.tgoldtable) as old_table,
        max(t.tgnewtable) as new_table
    from pg_proc as p
    inner join pg_namespace as n on n.oid = p.pronamespace
    inner join pg_language as l on l.oid = p.prolang
    left join pg_trigger as t on t.tgfoid = p.oid
    where n.nspname = any(%(schemas)s)
        and l.lanname = 'plpgsql'
        and (p.prorettype <> 'trigger'::regtype or t.tgrelid is not null)
    group by p.oid, t.tgrelid
)
select
    format('%%I.%%I(%%s)', n.nspname, p.proname, pg_get_function_identity_arguments(p.oid))
        as signature,
    n.nspname as schema,
    p.proname as name,
    p.pronargs as nargs,
    targets.relid::regclass::text as relation,
    c.lineno,
    c.message,
    c.sqlstate
from targets
inner join pg_proc as p on p.oid = targets.oid
inner join pg_namespace as n on n.oid = p.pronamespace
cross join lateral {check_schema}.plpgsql_check_function_tb(
    targets.oid,
    targets.relid,
    fatal_errors => false,
    other_warnings => false,
    performance_warnings => false,
    extra_warnings => false,
    oldtable => targets.old_table,
    newtable => targets.new_table
) as c
where c.level = 'error'
order by n.nspname, p.proname, targets.relid, c.lineno
