create table public.webhook_deliveries (
    id uuid primary key default gen_random_uuid(),
    event_id uuid not null references public.webhook_events (id) on delete cascade,
    endpoint_id uuid not null references public.webhook_endpoints (id) on delete cascade,
    status text not null default 'pending',
    attempts integer not null default 0,
    next_attempt_at timestamptz not null default now(),
    lease_token uuid,
    locked_until timestamptz,
    last_error text,
    response_status integer,
    response_excerpt text,
    delivered_at timestamptz,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    constraint webhook_deliveries_event_endpoint_unique unique (event_id, endpoint_id),
    constraint webhook_deliveries_status_valid check (
        status in ('pending', 'processing', 'delivered', 'dead')
    ),
    constraint webhook_deliveries_attempts_nonnegative check (attempts >= 0),
    constraint webhook_deliveries_processing_has_lease check (
        status <> 'processing' or (lease_token is not null and locked_until is not null)
    ),
    constraint webhook_deliveries_delivered_has_delivered_at check (
        status <> 'delivered' or delivered_at is not null
    ),
    constraint webhook_deliveries_excerpt_short check (
        pg_catalog.length(response_excerpt) <= 512
    )
);

-- Claiming: due pending deliveries ...
create index webhook_deliveries_due_idx on public.webhook_deliveries (next_attempt_at)
where status = 'pending';

-- ... and processing ones whose lease expired.
create index webhook_deliveries_lease_idx on public.webhook_deliveries (locked_until)
where status = 'processing';

create index webhook_deliveries_endpoint_idx
on public.webhook_deliveries (endpoint_id, status);

comment on table public.webhook_deliveries is
'One row per (event, endpoint): its own attempts, backoff and lease, so a failing or '
'slow endpoint delays no other. Created when the event is written (fan-out trigger) '
'and by replay_webhook_deliveries.';
comment on column public.webhook_deliveries.status is
'pending -> processing (claimed) -> delivered, or back to pending with backoff; dead '
'after the last attempt.';
comment on column public.webhook_deliveries.response_excerpt is
'At most 512 characters of the last response body.';
