create function public.fail_webhook_event(p_id uuid, p_lease_token uuid, p_error text)
returns boolean
language plpgsql
security definer
set search_path = pg_catalog, pg_temp
as $$
begin
    -- Back to pending after 30 s · 2^(attempts − 1) (at most 1 h), or dead after the
    -- 8th attempt; only while the caller's lease is the event's current one.
    update public.webhook_events
    set status = case when attempts >= 8 then 'dead' else 'pending' end,
        next_attempt_at = case
            when attempts >= 8 then next_attempt_at
            else pg_catalog.clock_timestamp() + private.webhook_retry_delay(attempts)
        end,
        last_error = p_error,
        lease_token = null,
        locked_until = null
    where id = p_id
        and status = 'processing'
        and lease_token = p_lease_token;
    return found;
end
$$;

comment on function public.fail_webhook_event(uuid, uuid, text) is
    'Records a failed delivery of a claimed event: pending again after an exponential '
    'backoff (30 s * 2^(attempts - 1), at most 1 h), dead after 8 attempts. True when '
    'p_lease_token is its current lease, false (and nothing changed) otherwise. '
    'service_role only.';

revoke execute on function public.fail_webhook_event(uuid, uuid, text)
from public, anon, authenticated, service_role;
grant execute on function public.fail_webhook_event(uuid, uuid, text) to service_role;
