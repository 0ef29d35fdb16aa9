update public.webhook_endpoints
set enabled = false, disabled_reason = %(reason)s
where id = %(id)s
returning id
