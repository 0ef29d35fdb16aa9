-- A materialized view ignores RLS, so it lives in `reporting` (not exposed to the API,
-- no grants to API roles) and is read through public.pipeline_metrics, which checks the
-- caller's role. Refreshed by public.refresh_pipeline_metrics (every 15 minutes with
-- pg_cron on Supabase: docs/access-control.md).
create materialized view reporting.mv_pipeline_metrics as
select
    d.pipeline_id,
    d.stage_id,
    count(*) as deal_count,
    sum(d.value) as total_value,
    round(avg(d.value), 2) as avg_value,
    round(sum(d.value * coalesce(d.probability, s.probability) / 100), 2) as weighted_value
from public.deals as d
inner join public.stages as s on d.stage_id = s.id
where d.status = 'open' and d.deleted_at is null
group by d.pipeline_id, d.stage_id
with data;

-- Required by refresh materialized view concurrently.
create unique index mv_pipeline_metrics_pipeline_stage_idx
on reporting.mv_pipeline_metrics (pipeline_id, stage_id);

comment on materialized view reporting.mv_pipeline_metrics is
'Open, non-deleted deals per pipeline stage: deal_count, total_value, avg_value '
'(rounded to cents) and weighted_value = sum(value * coalesce(deal probability, stage '
'probability) / 100) rounded to cents. Stages without open deals have no row.';

revoke all on reporting.mv_pipeline_metrics from anon, authenticated, service_role;
