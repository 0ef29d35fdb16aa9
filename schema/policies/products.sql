alter table public.products enable row level security;

revoke all on public.products from anon, authenticated, service_role;
grant select, insert, update, delete on public.products to authenticated;
grant select, insert, update, delete on public.products to service_role;
