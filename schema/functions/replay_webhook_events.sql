create function public.replay_webhook_events(
    p_from timestamptz, p_to timestamptz, p_event_type text default null
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
    update public.webhook_events
    set status = 'pending',
        attempts = 0,
        next_attempt_at = pg_catalog.clock_timestamp(),
        delivered_at = null,
        last_error = null,
        lease_token = null,
        locked_until = null
    where status in ('delivered', 'dead')
        and occurred_at >= p_from
        and occurred_at < p_to
        and (p_event_type is null or event_type = p_event_type);
    get diagnostics v_count = row_count;
    return v_count;
end
$$;

comment on function public.replay_webhook_events(timestamptz, timestamptz, text) is
    'Puts the delivered and dead events that occurred in [p_from, p_to) (of one type, '
    'if given) back to pending with a fresh attempt count; returns how many. '
    'service_role only.';

revoke execute on function public.replay_webhook_events(timestamptz, timestamptz, text)
from public, anon, authenticated, service_role;
grant execute on function public.replay_webhook_events(timestamptz, timestamptz, text)
to service_role;
