-- security_invoker: the caller's deals policies apply, so nobody sees another team's
-- deals through this view.
create view public.rotten_deals
with (security_invoker = true)
as
select
    d.id,
    d.title,
    d.pipeline_id,
    d.stage_id,
    d.owner_id,
    d.organization_id,
    d.value,
    d.stage_entered_at,
    s.rotten_days,
    now() - d.stage_entered_at as time_in_stage
from public.deals as d
inner join public.stages as s on d.stage_id = s.id
where
    d.status = 'open'
    and d.deleted_at is null
    and s.rotten_days is not null
    and d.stage_entered_at < now() - make_interval(days => s.rotten_days);

comment on view public.rotten_deals is
'Open deals idle in their stage for longer than the stage''s rotten_days, with the '
'time spent there. Runs with the caller''s rights (security_invoker): the deals '
'policies decide which rows each user sees.';

revoke all on public.rotten_deals from anon, authenticated, service_role;
grant select on public.rotten_deals to authenticated, service_role;
