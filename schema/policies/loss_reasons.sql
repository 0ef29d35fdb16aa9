alter table public.loss_reasons enable row level security;

revoke all on public.loss_reasons from anon, authenticated, service_role;
grant select, insert, update, delete on public.loss_reasons to authenticated;
grant select, insert, update, delete on public.loss_reasons to service_role;
