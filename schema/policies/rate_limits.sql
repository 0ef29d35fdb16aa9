-- Out of the API's reach: no grant to any API role; only public.hit_rate_limit (SECURITY
-- DEFINER) reads and writes it.
-- schemactl: allow SC002 because only the definer function hit_rate_limit touches it
alter table private.rate_limits enable row level security;

revoke all on private.rate_limits from anon, authenticated, service_role;
