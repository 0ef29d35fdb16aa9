create table public.webhook_events (
    id uuid primary key default gen_random_uuid(),
    event_type text not null,
    aggregate_type text not null,
    aggregate_id uuid not null,
    payload jsonb not null,
    occurred_at timestamptz not null default now(),
    status text not null default 'pending',
    attempts integer not null default 0,
    next_attempt_at timestamptz not null default now(),
    lease_token uuid,
    locked_until timestamptz,
    last_error text,
    delivered_at timestamptz,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    constraint webhook_events_event_type_format check (
        event_type ~ '^[a-z]+(_[a-z]+)*\.[a-z]+(_[a-z]+)*$'
    ),
    constraint webhook_events_payload_object check (jsonb_typeof(payload) = 'object'),
    constraint webhook_events_status_valid check (
        status in ('pending', 'processing', 'delivered', 'dead')
    ),
    constraint webhook_events_attempts_nonnegative check (attempts >= 0),
    constraint webhook_events_processing_has_lease check (
        status <> 'processing' or (lease_token is not null and locked_until is not null)
    ),
    constraint webhook_events_delivered_has_delivered_at check (
        status <> 'delivered' or delivered_at is not null
    )
);

-- Claiming: pending events that are due, oldest first ...
create index webhook_events_due_idx on public.webhook_events (next_attempt_at)
where status = 'pending';

-- ... and processing events whose lease expired.
create index webhook_events_lease_idx on public.webhook_events (locked_until)
where status = 'processing';

-- Replay of a time window.
create index webhook_events_occurred_at_idx on public.webhook_events (occurred_at);

create index webhook_events_aggregate_idx
on public.webhook_events (aggregate_type, aggregate_id);

comment on table public.webhook_events is
'Transactional outbox: events written by triggers in the same transaction as the '
'change, delivered by an Edge Function through claim_webhook_events / '
'complete_webhook_event / fail_webhook_event.';
comment on column public.webhook_events.event_type is
'deal.created, deal.stage_changed, deal.won, deal.lost, deal.deleted, task.assigned.';
comment on column public.webhook_events.aggregate_type is
'Kind of the row the event is about (deal, task).';
comment on column public.webhook_events.aggregate_id is 'Id of the row the event is about.';
comment on column public.webhook_events.payload is
'{"event_id", "event_type", "occurred_at", "data": {...}} as delivered.';
comment on column public.webhook_events.status is
'pending -> processing (claimed) -> delivered, or back to pending with backoff; dead '
'after 8 attempts.';
comment on column public.webhook_events.attempts is 'Deliveries attempted so far.';
comment on column public.webhook_events.next_attempt_at is
'A pending event is due from this time (exponential backoff after failures).';
comment on column public.webhook_events.lease_token is
'Token of the current claim; complete/fail act only while it matches.';
comment on column public.webhook_events.locked_until is
'End of the current claim''s lease; after it the event can be claimed again.';
comment on column public.webhook_events.last_error is 'Error of the last failed delivery.';
