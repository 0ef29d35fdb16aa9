update private.webhook_endpoint_secrets
set secret = %(secret)s, created_at = now()
where endpoint_id = %(id)s
returning endpoint_id
