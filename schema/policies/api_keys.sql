alter table public.api_keys enable row level security;

revoke all on public.api_keys from anon, authenticated, service_role;
-- Created through public.create_api_key (no insert); owners rename or revoke theirs.
grant select on public.api_keys to authenticated;
grant update (name, revoked_at) on public.api_keys to authenticated;
grant select, insert, update, delete on public.api_keys to service_role;
