alter table public.users enable row level security;

revoke all on public.users from anon, authenticated, service_role;
-- Profiles are created by handle_new_user (no insert) and never deleted through the
-- API. email is copied from auth.users, so it is not writable here.
grant select on public.users to authenticated;
grant update (team_id, name, role, is_active, avatar_url, phone) on public.users
to authenticated;
grant select, insert, update, delete on public.users to service_role;
