-- The sessions that block the backend %(pid)s (holding or queued ahead for a lock it waits
-- for): who they are, what they are doing and for how long their transaction has run.
select
    a.pid,
    coalesce(nullif(a.application_name, ''), '?') as application_name,
    coalesce(a.state, '?') as state,
    coalesce(extract(epoch from now() - coalesce(a.xact_start, a.query_start)), 0)::float8
        as seconds
from pg_stat_activity as a
where a.pid = any(pg_blocking_pids(%(pid)s))
order by a.pid;
