-- REFRESH needs ownership of the materialized view, hence SECURITY DEFINER. CONCURRENTLY
-- keeps the view readable while it refreshes (it needs the unique index and may run
-- inside a transaction block, so a function can issue it).
create function public.refresh_pipeline_metrics()
returns void
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
begin
    refresh materialized view concurrently reporting.mv_pipeline_metrics;
end
$$;

comment on function public.refresh_pipeline_metrics() is
'service_role (and pg_cron) only: refreshes reporting.mv_pipeline_metrics '
'concurrently, without blocking readers.';

revoke execute on function public.refresh_pipeline_metrics()
from public, anon, authenticated, service_role;
grant execute on function public.refresh_pipeline_metrics() to service_role;
