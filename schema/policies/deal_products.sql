alter table public.deal_products enable row level security;

revoke all on public.deal_products from anon, authenticated, service_role;
grant select, insert, update, delete on public.deal_products to authenticated;
grant select, insert, update, delete on public.deal_products to service_role;
