select public.complete_webhook_delivery(%(id)s, %(token)s, %(status)s, %(excerpt)s)
