select id, url, event_types, enabled, description, disabled_reason, created_at, updated_at
from public.webhook_endpoints
order by created_at, id
