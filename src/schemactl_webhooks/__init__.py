"""Webhook delivery: endpoints, signed requests, retries, dead letters and replay on top
of the outbox (public.webhook_events → public.webhook_deliveries). See docs/webhooks.md."""
