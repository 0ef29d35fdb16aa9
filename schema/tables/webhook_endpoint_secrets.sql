create table private.webhook_endpoint_secrets (
    endpoint_id uuid primary key references public.webhook_endpoints (id) on delete cascade,
    secret text not null,
    created_at timestamptz not null default now(),
    constraint webhook_endpoint_secrets_format check (
        secret ~ '^whsec_[A-Za-z0-9+/]{32,}={0,2}$'
    )
);

comment on table private.webhook_endpoint_secrets is
'Signing secret of each webhook endpoint (whsec_<base64>), out of the API''s reach: '
'read by the dispatcher through claim_webhook_deliveries (service_role).';
