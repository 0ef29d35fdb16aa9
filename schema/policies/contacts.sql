alter table public.contacts enable row level security;

revoke all on public.contacts from anon, authenticated, service_role;
grant select, insert, update, delete on public.contacts to authenticated;
grant select, insert, update, delete on public.contacts to service_role;
