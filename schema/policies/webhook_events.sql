alter table public.webhook_events enable row level security;

revoke all on public.webhook_events from anon, authenticated, service_role;
-- Written by trigger only; admins read it (policy).
grant select on public.webhook_events to authenticated;
-- The consumer changes state only through claim/complete/fail_webhook_event;
-- delete purges delivered history.
grant select, delete on public.webhook_events to service_role;
