create table private.rate_limits (
    key text not null,
    window_length interval not null,
    window_start timestamptz not null,
    expires_at timestamptz not null,
    hits bigint not null default 0,
    constraint rate_limits_pkey primary key (key, window_length),
    constraint rate_limits_window_length_positive check (window_length > interval '0'),
    constraint rate_limits_expires_after_start check (expires_at > window_start),
    constraint rate_limits_hits_nonnegative check (hits >= 0)
);

-- Cleanup of expired windows (public.hit_rate_limit deletes them as new windows open).
create index rate_limits_expires_at_idx on private.rate_limits (expires_at);

comment on table private.rate_limits is
'Fixed-window request counters of public.hit_rate_limit: one row per key and window '
'length, reset when a new window starts, deleted once expired. Not exposed to the API.';
comment on column private.rate_limits.key is
'What is limited, e.g. user:<uuid> (1000/hour) or api_key:<uuid> (100/minute).';
comment on column private.rate_limits.window_start is
'Start of the current window: now() rounded down to a multiple of window_length '
'since the Unix epoch.';
comment on column private.rate_limits.expires_at is 'window_start + window_length.';
comment on column private.rate_limits.hits is 'Requests counted in the current window.';
