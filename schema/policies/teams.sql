alter table public.teams enable row level security;

revoke all on public.teams from anon, authenticated, service_role;
grant select, insert, update, delete on public.teams to authenticated;
grant select, insert, update, delete on public.teams to service_role;
