-- The payload delivered for an outbox event (SPEC §9):
-- {"event_id": ..., "event_type": "deal.stage_changed",
--  "occurred_at": "2025-10-02T14:30:00Z", "data": {...}}
create function private.webhook_payload(
    p_event_id uuid, p_event_type text, p_occurred_at timestamptz, p_data jsonb
)
returns jsonb
language sql
stable
set search_path = ''
as $$
    select pg_catalog.jsonb_build_object(
        'event_id', p_event_id,
        'event_type', p_event_type,
        'occurred_at', pg_catalog.to_char(
            p_occurred_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'
        ),
        'data', p_data
    )
$$;

comment on function private.webhook_payload(uuid, text, timestamptz, jsonb) is
    'Payload of a webhook_events row: event_id, event_type, occurred_at (ISO-8601 UTC, '
    'seconds) and data.';

revoke execute on function private.webhook_payload(uuid, text, timestamptz, jsonb)
from public, anon, authenticated, service_role;
