create function public.release_webhook_delivery(p_id uuid, p_lease_token uuid)
returns boolean
language plpgsql
security definer
set search_path = pg_catalog, pg_temp
as $$
begin
    -- A dispatcher shutting down hands back a claim it did not attempt: due now, and
    -- the claim's attempt is not counted.
    update public.webhook_deliveries
    set status = 'pending',
        attempts = greatest(attempts - 1, 0),
        next_attempt_at = pg_catalog.clock_timestamp(),
        lease_token = null,
        locked_until = null
    where id = p_id
        and status = 'processing'
        and lease_token = p_lease_token;
    return found;
end
$$;

comment on function public.release_webhook_delivery(uuid, uuid) is
    'Hands back a claimed delivery that was not attempted (dispatcher shutdown): pending '
    'and due now, attempt not counted. service_role only.';

revoke execute on function public.release_webhook_delivery(uuid, uuid)
from public, anon, authenticated, service_role;
grant execute on function public.release_webhook_delivery(uuid, uuid) to service_role;
