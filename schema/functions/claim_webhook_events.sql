-- Outbox consumer protocol (docs/design.md: The webhook outbox), for the delivering Edge Function
-- (service_role). An event is delivered at least once; a consumer that crashed or stalled loses its
-- lease, and its event is claimed again after the lease expires.
create function public.claim_webhook_events(
    p_limit int default 50, p_lease interval default '5 minutes'
)
returns setof public.webhook_events
language plpgsql
security definer
set search_path = pg_catalog, pg_temp
as $$
begin
    if p_limit is null or p_limit < 1 then
        raise exception 'p_limit must be a positive number of events, not %', p_limit
            using errcode = 'invalid_parameter_value';
    end if;
    if p_lease is null or p_lease <= interval '0' then
        raise exception 'p_lease must be a positive interval, not %', p_lease
            using errcode = 'invalid_parameter_value';
    end if;

    -- A lease that expired after the 8th attempt ends the event: dead.
    update public.webhook_events as e
    set status = 'dead',
        lease_token = null,
        locked_until = null,
        last_error = coalesce(e.last_error, 'lease expired after the last attempt')
    where e.id in (
        select x.id
        from public.webhook_events as x
        where x.status = 'processing'
            and x.locked_until <= pg_catalog.clock_timestamp()
            and x.attempts >= 8
        for update skip locked
    );

    -- Due events, oldest first; rows another claimer holds are skipped, and a row it
    -- claimed meanwhile no longer matches (re-checked after the lock), so two
    -- concurrent claimers never receive the same event.
    return query
    with due as (
        select x.id
        from public.webhook_events as x
        where (x.status = 'pending' and x.next_attempt_at <= pg_catalog.clock_timestamp())
            or (
                x.status = 'processing'
                and x.locked_until <= pg_catalog.clock_timestamp()
                and x.attempts < 8
            )
        order by x.occurred_at, x.created_at, x.id
        limit p_limit
        for update skip locked
    ),

    claimed as (
        update public.webhook_events as e
        set status = 'processing',
            lease_token = gen_random_uuid(),
            locked_until = pg_catalog.clock_timestamp() + p_lease,
            attempts = e.attempts + 1
        from due
        where e.id = due.id
        returning e.*
    )

    select * from claimed as c
    order by c.occurred_at, c.created_at, c.id;
end
$$;

comment on function public.claim_webhook_events(int, interval) is
    'Claims up to p_limit due events (pending and next_attempt_at reached, or processing '
    'with an expired lease), oldest first, with FOR UPDATE SKIP LOCKED: marks them '
    'processing with a fresh lease_token until now + p_lease and counts the attempt. An '
    'event whose lease expired after its 8th attempt becomes dead. service_role only.';

revoke execute on function public.claim_webhook_events(int, interval)
from public, anon, authenticated, service_role;
grant execute on function public.claim_webhook_events(int, interval) to service_role;
