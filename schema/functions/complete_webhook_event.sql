create function public.complete_webhook_event(p_id uuid, p_lease_token uuid)
returns boolean
language plpgsql
security definer
set search_path = pg_catalog, pg_temp
as $$
begin
    -- Only while the caller's lease is the event's current one: after the lease was
    -- reclaimed by another consumer (new token) or ended (dead), nothing changes. A
    -- lease that expired but was not reclaimed yet still counts: the delivery happened,
    -- and accepting it spares the endpoint a duplicate.
    update public.webhook_events
    set status = 'delivered',
        delivered_at = pg_catalog.clock_timestamp(),
        lease_token = null,
        locked_until = null
    where id = p_id
        and status = 'processing'
        and lease_token = p_lease_token;
    return found;
end
$$;

comment on function public.complete_webhook_event(uuid, uuid) is
    'Marks a claimed event delivered; true when p_lease_token is its current lease, '
    'false (and nothing changed) otherwise. service_role only.';

revoke execute on function public.complete_webhook_event(uuid, uuid)
from public, anon, authenticated, service_role;
grant execute on function public.complete_webhook_event(uuid, uuid) to service_role;
