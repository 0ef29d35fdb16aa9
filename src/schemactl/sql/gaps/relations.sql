-- Settings of the managed relations that live on the relation itself: REPLICA IDENTITY,
-- storage and view options (reloptions: fillfactor, autovacuum_*, security_invoker,
-- security_barrier, check_option), row level security.
select
    format('%%I.%%I', n.nspname, c.relname) as identity,
    c.relkind::text as kind,
    c.oid::bigint as oid,
    c.relreplident::text as replica_identity,
    (select quote_ident(i.relname)
     from pg_index as x
     join pg_class as i on i.oid = x.indexrelid
     where x.indrelid = c.oid and x.indisreplident) as replica_index,
    coalesce(c.reloptions, '{}') as options,
    c.relrowsecurity as rls,
    c.relforcerowsecurity as force_rls
from pg_class as c
join pg_namespace as n on n.oid = c.relnamespace
where n.nspname = any(%(schemas)s)
  and c.relkind in ('r', 'p', 'v', 'm')
  and not exists (select from pg_depend as d
                  where d.classid = 'pg_class'::regclass and d.objid = c.oid
                    and d.deptype = 'e')
order by 1;
