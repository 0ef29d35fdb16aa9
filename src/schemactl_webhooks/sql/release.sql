select public.release_webhook_delivery(%(id)s, %(token)s)
