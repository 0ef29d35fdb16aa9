-- Fan-out: an event gets one delivery per enabled endpoint subscribed to its type, in
-- the transaction that writes the event. An endpoint added later receives only later
-- events (or earlier ones through replay_webhook_deliveries).
create function private.fan_out_webhook_event()
returns trigger
language plpgsql
security definer
set search_path = pg_catalog, pg_temp
as $$
begin
    insert into public.webhook_deliveries (event_id, endpoint_id, next_attempt_at)
    select new.id, e.id, pg_catalog.clock_timestamp()
    from public.webhook_endpoints as e
    where e.enabled and new.event_type = any(e.event_types);
    if found then
        -- Wakes running dispatchers (LISTEN webhook_deliveries) when the event commits.
        perform pg_catalog.pg_notify('webhook_deliveries', '');
    end if;
    return null;
end
$$;

comment on function private.fan_out_webhook_event() is
    'Trigger on webhook_events: one pending delivery per enabled endpoint subscribed to '
    'the event''s type.';

revoke execute on function private.fan_out_webhook_event()
from public, anon, authenticated, service_role;
