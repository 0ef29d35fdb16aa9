create table public.webhook_endpoints (
    id uuid primary key default gen_random_uuid(),
    url text not null,
    event_types text[] not null,
    enabled boolean not null default true,
    description text,
    disabled_reason text,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    constraint webhook_endpoints_url_http check (url ~ '^https?://[^/?#@\s]+'),
    constraint webhook_endpoints_event_types_nonempty check (
        pg_catalog.cardinality(event_types) > 0
    )
);

comment on table public.webhook_endpoints is
'Subscribers of the webhook outbox: each receives a signed POST of every event whose '
'type it subscribed to (webhook_deliveries). Managed by the database owner and '
'service_role (`schemactl webhooks`); no API role reads it.';
comment on column public.webhook_endpoints.url is
'Where events are POSTed; https, or http only for a dispatcher run with --allow-private.';
comment on column public.webhook_endpoints.event_types is
'Subscribed event types (webhook_events.event_type), e.g. {deal.won,task.assigned}.';
comment on column public.webhook_endpoints.enabled is
'Disabled endpoints get no new deliveries and their pending ones wait until re-enabled.';
comment on column public.webhook_endpoints.disabled_reason is
'Why the endpoint was disabled (by hand, or 410 Gone from the receiver).';
