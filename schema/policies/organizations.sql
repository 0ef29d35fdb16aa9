alter table public.organizations enable row level security;

revoke all on public.organizations from anon, authenticated, service_role;
-- total_revenue and won_deals_count are maintained by triggers only: column-level
-- INSERT and UPDATE grants leave them out (a table-level grant would make a column
-- REVOKE a no-op).
grant select, delete on public.organizations to authenticated;
grant insert (
    id, name, legal_name, cnpj, website, segment, address, emails, phones, owner_id,
    source_id, rd_id, custom_fields, deleted_at
) on public.organizations to authenticated;
grant update (
    name, legal_name, cnpj, website, segment, address, emails, phones, owner_id,
    source_id, rd_id, custom_fields, deleted_at
) on public.organizations to authenticated;
grant select, insert, update, delete on public.organizations to service_role;
