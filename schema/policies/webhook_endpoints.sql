-- Endpoints and their deliveries are the operator's: the database owner (the CLI) and
-- service_role. No API user reads them: URLs can carry tokens.
-- schemactl: allow SC002 because only the owner and service_role (BYPASSRLS) use it
alter table public.webhook_endpoints enable row level security;

revoke all on public.webhook_endpoints from anon, authenticated, service_role;
grant select, insert, update, delete on public.webhook_endpoints to service_role;

-- schemactl: allow SC002 because only the owner and service_role (BYPASSRLS) use it
alter table public.webhook_deliveries enable row level security;

revoke all on public.webhook_deliveries from anon, authenticated, service_role;
-- State changes only through claim/complete/fail/release/replay_webhook_deliveries.
grant select, delete on public.webhook_deliveries to service_role;

-- Signing secrets: no grant to any API role, service_role included; the owner (the CLI's
-- add / rotate-secret) writes them and claim_webhook_deliveries (SECURITY DEFINER) reads
-- them for the dispatcher.
-- schemactl: allow SC002 because only the owner and definer functions use signing secrets
alter table private.webhook_endpoint_secrets enable row level security;

revoke all on private.webhook_endpoint_secrets from anon, authenticated, service_role;
