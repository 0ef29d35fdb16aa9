select public.fail_webhook_delivery(
    %(id)s, %(token)s, %(error)s, %(status)s, %(excerpt)s, %(retry_in)s
)
