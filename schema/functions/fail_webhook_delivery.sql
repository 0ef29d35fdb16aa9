create function public.fail_webhook_delivery(
    p_id uuid,
    p_lease_token uuid,
    p_error text,
    p_response_status int,
    p_response_excerpt text,
    p_retry_in interval
)
returns boolean
language plpgsql
security definer
set search_path = pg_catalog, pg_temp
as $$
begin
    -- Pending again after p_retry_in (the dispatcher's backoff with jitter), or dead when
    -- it is null (last attempt); only while the caller's lease is the current one.
    update public.webhook_deliveries
    set status = case when p_retry_in is null then 'dead' else 'pending' end,
        next_attempt_at = case
            when p_retry_in is null then next_attempt_at
            else pg_catalog.clock_timestamp() + greatest(p_retry_in, interval '0')
        end,
        last_error = pg_catalog.left(p_error, 512),
        response_status = p_response_status,
        response_excerpt = pg_catalog.left(p_response_excerpt, 512),
        lease_token = null,
        locked_until = null
    where id = p_id
        and status = 'processing'
        and lease_token = p_lease_token;
    return found;
end
$$;

comment on function public.fail_webhook_delivery(uuid, uuid, text, int, text, interval) is
    'Records a failed attempt of a claimed delivery: pending again after p_retry_in, or '
    'dead when p_retry_in is null. True when p_lease_token is its current lease, false '
    '(nothing changed) otherwise. service_role only.';

revoke execute on function public.fail_webhook_delivery(uuid, uuid, text, int, text, interval)
from public, anon, authenticated, service_role;
grant execute on function public.fail_webhook_delivery(uuid, uuid, text, int, text, interval)
to service_role;
