select delivery_id, lease_token, attempts, event_id, endpoint_id, url, secret, payload::text as body
from public.claim_webhook_deliveries(%(limit)s, %(lease)s, %(max_attempts)s)
