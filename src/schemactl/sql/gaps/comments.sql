-- Every comment on an object of the managed schemas (and on those schemas), plus comments
-- on our triggers on other schemas' tables (e.g. auth.users) whose function is managed.
-- pg_identify_object gives no schema for policies, triggers and rules: their table's.
with described as (
    select d.classoid, d.objoid, d.description,
           (pg_identify_object(d.classoid, d.objoid, d.objsubid)).*
    from pg_description as d
    where not exists (select from pg_depend as e
                      where e.classid = d.classoid and e.objid = d.objoid
                        and e.deptype = 'e')
),
located as (
    select
        d.*,
        case d.classoid
            when 'pg_policy'::regclass then (
                select c.relnamespace from pg_policy as p
                join pg_class as c on c.oid = p.polrelid where p.oid = d.objoid)
            when 'pg_trigger'::regclass then (
                select c.relnamespace from pg_trigger as t
                join pg_class as c on c.oid = t.tgrelid where t.oid = d.objoid)
            when 'pg_rewrite'::regclass then (
                select c.relnamespace from pg_rewrite as r
                join pg_class as c on c.oid = r.ev_class where r.oid = d.objoid)
            when 'pg_namespace'::regclass then d.objoid
        end as namespace_oid,
        case when d.classoid = 'pg_trigger'::regclass then (
            select p.pronamespace from pg_trigger as t
            join pg_proc as p on p.oid = t.tgfoid where t.oid = d.objoid)
        end as function_namespace_oid
    from described as d
)
select l.type, l.identity, l.description
from located as l
left join pg_namespace as n on n.oid = l.namespace_oid
left join pg_namespace as f on f.oid = l.function_namespace_oid
where coalesce(n.nspname, l.schema) = any(%(schemas)s)
   or f.nspname = any(%(schemas)s)
order by 1, 2;
