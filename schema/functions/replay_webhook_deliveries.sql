create function public.replay_webhook_deliveries(
    p_from timestamptz,
    p_to timestamptz,
    p_endpoint_id uuid default null,
    p_event_type text default null
)
returns int
language plpgsql
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
    v_count int;
begin
    if p_from is null or p_to is null or p_from > p_to then
        raise exception 'replay needs a window p_from <= p_to, not [%, %)', p_from, p_to
            using errcode = 'invalid_parameter_value';
    end if;
    if p_endpoint_id is not null
        and not exists (select from public.webhook_endpoints where id = p_endpoint_id) then
        raise exception 'no webhook endpoint %', p_endpoint_id
            using errcode = 'no_data_found';
    end if;
    -- Every event of the window that the endpoint (or each enabled one) subscribes to is
    -- due again: a delivery is created where none exists (endpoint added later) and a
    -- delivered or dead one starts over; pending and in-flight ones are left alone.
    insert into public.webhook_deliveries (event_id, endpoint_id, next_attempt_at)
    select ev.id, ep.id, pg_catalog.clock_timestamp()
    from public.webhook_events as ev
    inner join public.webhook_endpoints as ep on ev.event_type = any(ep.event_types)
    where ev.occurred_at >= p_from
        and ev.occurred_at < p_to
        and (p_event_type is null or ev.event_type = p_event_type)
        and (ep.id = p_endpoint_id or (p_endpoint_id is null and ep.enabled))
    on conflict (event_id, endpoint_id) do update
    set status = 'pending',
        attempts = 0,
        next_attempt_at = excluded.next_attempt_at,
        delivered_at = null,
        last_error = null,
        response_status = null,
        response_excerpt = null
    where webhook_deliveries.status in ('delivered', 'dead');
    get diagnostics v_count = row_count;
    return v_count;
end
$$;

comment on function public.replay_webhook_deliveries(timestamptz, timestamptz, uuid, text)
is
    'Queues again the events that occurred in [p_from, p_to) (of one type, if given) for '
    'one endpoint, or every enabled one: new deliveries where none existed, delivered '
    'and dead ones pending with a fresh attempt count; returns how many. service_role '
    'only.';

revoke execute on function public.replay_webhook_deliveries(timestamptz, timestamptz, uuid, text)
from public, anon, authenticated, service_role;
grant execute on function public.replay_webhook_deliveries(timestamptz, timestamptz, uuid, text)
to service_role;
