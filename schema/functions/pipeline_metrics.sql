create function public.pipeline_metrics(p_pipeline uuid)
returns table (
    pipeline_id uuid,
    stage_id uuid,
    deal_count bigint,
    total_value numeric,
    avg_value numeric,
    weighted_value numeric
)
language plpgsql
stable
security definer
set search_path = pg_catalog, pg_temp
as $$
begin
    if coalesce(private.current_user_role() in ('admin', 'manager'), false) is false then
        raise exception 'pipeline_metrics: only managers and admins may read pipeline metrics'
            using errcode = 'insufficient_privilege';
    end if;
    if not private.api_scope_allows('deals', 'read') then
        raise exception 'pipeline_metrics: this API key has no read:deals scope'
            using errcode = 'insufficient_privilege';
    end if;
    return query
    select m.pipeline_id, m.stage_id, m.deal_count, m.total_value, m.avg_value,
        m.weighted_value
    from reporting.mv_pipeline_metrics as m
    inner join public.stages as s on m.stage_id = s.id
    where m.pipeline_id = p_pipeline
    order by s.display_order, s.name;
end
$$;

comment on function public.pipeline_metrics(uuid) is
'Managers and admins only (42501 otherwise): the rows of reporting.mv_pipeline_metrics '
'for one pipeline, in stage order, as of its last refresh.';

revoke execute on function public.pipeline_metrics(uuid)
from public, anon, authenticated, service_role;
grant execute on function public.pipeline_metrics(uuid) to authenticated;
