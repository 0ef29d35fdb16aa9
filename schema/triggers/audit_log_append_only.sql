-- audit_log is append-only for every role (docs/design.md: The CRM data model). The API roles have
-- no UPDATE, DELETE or TRUNCATE grant; these statement triggers refuse them to the roles that
-- grants cannot stop: the owner and superusers. They fire even when no row matches.
-- The owner could still drop or disable the triggers (it owns the table): that is a
-- schema change, visible in migrations and in `schemactl drift`.
create function private.audit_log_append_only()
returns trigger
language plpgsql
set search_path = pg_catalog, pg_temp
as $$
begin
    raise exception 'audit_log is append-only: % is not allowed', tg_op
        using errcode = 'insufficient_privilege',
        hint = 'audit rows are written by triggers and never changed or removed';
end
$$;

comment on function private.audit_log_append_only() is
    'Trigger: refuses UPDATE, DELETE and TRUNCATE on public.audit_log.';

revoke execute on function private.audit_log_append_only()
from public, anon, authenticated, service_role;

create trigger audit_log_append_only
before update or delete or truncate on public.audit_log
for each statement execute function private.audit_log_append_only();
