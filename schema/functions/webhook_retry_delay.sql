-- Backoff of the webhook outbox (docs/design.md: The webhook outbox): 30 s · 2^(attempts − 1), at
-- most 1 hour.
create function private.webhook_retry_delay(p_attempts int)
returns interval
language sql
immutable
strict
set search_path = pg_catalog, pg_temp
as $$
    -- The exponent is bounded so that any attempt count stays a valid interval.
    select least(
        interval '30 seconds' * pg_catalog.power(2, least(greatest(p_attempts, 1) - 1, 16)),
        interval '1 hour'
    )
$$;

comment on function private.webhook_retry_delay(int) is
    'Delay before the next delivery of an event that failed its n-th attempt: '
    '30 s * 2^(n - 1), capped at 1 hour.';

revoke execute on function private.webhook_retry_delay(int)
from public, anon, authenticated, service_role;
