alter table public.stages enable row level security;

revoke all on public.stages from anon, authenticated, service_role;
grant select, insert, update, delete on public.stages to authenticated;
grant select, insert, update, delete on public.stages to service_role;
