alter table public.sources enable row level security;

revoke all on public.sources from anon, authenticated, service_role;
grant select, insert, update, delete on public.sources to authenticated;
grant select, insert, update, delete on public.sources to service_role;
