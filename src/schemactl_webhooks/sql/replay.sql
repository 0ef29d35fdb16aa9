select public.replay_webhook_deliveries(%(from)s, %(to)s, %(endpoint)s, %(event_type)s)
