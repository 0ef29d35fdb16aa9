alter table public.pipelines enable row level security;

revoke all on public.pipelines from anon, authenticated, service_role;
grant select, insert, update, delete on public.pipelines to authenticated;
grant select, insert, update, delete on public.pipelines to service_role;
