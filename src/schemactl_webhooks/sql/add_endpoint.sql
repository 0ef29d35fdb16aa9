with endpoint as (
    insert into public.webhook_endpoints (url, event_types, description)
    values (%(url)s, %(events)s, %(description)s)
    returning id, url, event_types
),

secret as (
    insert into private.webhook_endpoint_secrets (endpoint_id, secret)
    select id, %(secret)s from endpoint
)

select id, url, event_types from endpoint
