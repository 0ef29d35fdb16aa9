alter table public.organization_contacts enable row level security;

revoke all on public.organization_contacts from anon, authenticated, service_role;
grant select, insert, update, delete on public.organization_contacts to authenticated;
grant select, insert, update, delete on public.organization_contacts to service_role;
