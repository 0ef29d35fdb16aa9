create function public.complete_webhook_delivery(
    p_id uuid, p_lease_token uuid, p_response_status int, p_response_excerpt text
)
returns boolean
language plpgsql
security definer
set search_path = pg_catalog, pg_temp
as $$
begin
    -- Only while the caller's lease is the delivery's current one (see
    -- complete_webhook_event: an expired but unclaimed lease still counts).
    update public.webhook_deliveries
    set status = 'delivered',
        delivered_at = pg_catalog.clock_timestamp(),
        response_status = p_response_status,
        response_excerpt = pg_catalog.left(p_response_excerpt, 512),
        last_error = null,
        lease_token = null,
        locked_until = null
    where id = p_id
        and status = 'processing'
        and lease_token = p_lease_token;
    return found;
end
$$;

comment on function public.complete_webhook_delivery(uuid, uuid, int, text) is
    'Marks a claimed delivery delivered with the response''s status and first 512 '
    'characters; true when p_lease_token is its current lease, false (nothing changed) '
    'otherwise. service_role only.';

revoke execute on function public.complete_webhook_delivery(uuid, uuid, int, text)
from public, anon, authenticated, service_role;
grant execute on function public.complete_webhook_delivery(uuid, uuid, int, text)
to service_role;
