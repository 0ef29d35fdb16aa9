alter table public.deals enable row level security;

revoke all on public.deals from anon, authenticated, service_role;
grant select, insert, update, delete on public.deals to authenticated;
grant select, insert, update, delete on public.deals to service_role;
