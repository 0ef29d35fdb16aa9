-- Refresh reporting.mv_pipeline_metrics every 15 minutes with pg_cron (docs/design.md: Access
-- control), where the extension is installed (on Supabase: Database → Extensions → pg_cron; see
-- docs/access-control.md). Elsewhere (the local stand-in, CI) this does nothing.
-- Idempotent: cron.schedule with a job name replaces the job of that name.
do $$
begin
    if pg_catalog.to_regprocedure('cron.schedule(text, text, text)') is not null then
        perform cron.schedule(
            'refresh-pipeline-metrics',
            '*/15 * * * *',
            'select public.refresh_pipeline_metrics()'
        );
    end if;
end
$$;
