-- Delivery protocol of the dispatcher (`schemactl webhooks dispatch`, service_role).
-- Each (event, endpoint) is delivered at least once; a dispatcher that crashed loses its
-- lease and the delivery is claimed again after the lease expires.
create function public.claim_webhook_deliveries(
    p_limit int default 50,
    p_lease interval default '5 minutes',
    p_max_attempts int default 8
)
returns table (
    delivery_id uuid,
    lease_token uuid,
    attempts int,
    event_id uuid,
    event_type text,
    payload jsonb,
    endpoint_id uuid,
    url text,
    secret text
)
language plpgsql
security definer
set search_path = pg_catalog, pg_temp
as $$
begin
    if p_limit is null or p_limit < 1 then
        raise exception 'p_limit must be a positive number of deliveries, not %', p_limit
            using errcode = 'invalid_parameter_value';
    end if;
    if p_lease is null or p_lease <= interval '0' then
        raise exception 'p_lease must be a positive interval, not %', p_lease
            using errcode = 'invalid_parameter_value';
    end if;
    if p_max_attempts is null or p_max_attempts < 1 then
        raise exception 'p_max_attempts must be positive, not %', p_max_attempts
            using errcode = 'invalid_parameter_value';
    end if;

    -- A lease that expired after the last attempt ends the delivery: dead.
    update public.webhook_deliveries as d
    set status = 'dead',
        lease_token = null,
        locked_until = null,
        last_error = coalesce(d.last_error, 'lease expired after the last attempt')
    where d.id in (
        select x.id
        from public.webhook_deliveries as x
        where x.status = 'processing'
            and x.locked_until <= pg_catalog.clock_timestamp()
            and x.attempts >= p_max_attempts
        for update skip locked
    );

    -- Due deliveries of enabled endpoints, oldest first; rows another claimer holds are
    -- skipped and re-checked after the lock, so two claimers never get the same one.
    return query
    with due as (
        select x.id
        from public.webhook_deliveries as x
        inner join public.webhook_endpoints as ep on x.endpoint_id = ep.id
        where ep.enabled
            and (
                (x.status = 'pending' and x.next_attempt_at <= pg_catalog.clock_timestamp())
                or (
                    x.status = 'processing'
                    and x.locked_until <= pg_catalog.clock_timestamp()
                    and x.attempts < p_max_attempts
                )
            )
        order by x.next_attempt_at, x.id
        limit p_limit
        for update of x skip locked
    ),

    claimed as (
        update public.webhook_deliveries as d
        set status = 'processing',
            lease_token = gen_random_uuid(),
            locked_until = pg_catalog.clock_timestamp() + p_lease,
            attempts = d.attempts + 1
        from due
        where d.id = due.id
        returning d.id, d.lease_token, d.attempts, d.event_id, d.endpoint_id
    )

    select c.id, c.lease_token, c.attempts, ev.id, ev.event_type, ev.payload, ep.id,
        ep.url, s.secret
    from claimed as c
    inner join public.webhook_events as ev on c.event_id = ev.id
    inner join public.webhook_endpoints as ep on c.endpoint_id = ep.id
    inner join private.webhook_endpoint_secrets as s on ep.id = s.endpoint_id
    order by ev.occurred_at, ev.id;
end
$$;

comment on function public.claim_webhook_deliveries(int, interval, int) is
    'Claims up to p_limit due deliveries of enabled endpoints (pending and due, or '
    'processing with an expired lease) with FOR UPDATE SKIP LOCKED: marks them processing '
    'with a fresh lease_token until now + p_lease, counts the attempt, and returns what '
    'the request needs (payload, url, signing secret). A delivery whose lease expired '
    'after p_max_attempts becomes dead. service_role only.';

revoke execute on function public.claim_webhook_deliveries(int, interval, int)
from public, anon, authenticated, service_role;
grant execute on function public.claim_webhook_deliveries(int, interval, int)
to service_role;
