-- Bulk-import mode (docs/design.md: Triggers and functions), for migrations such as `schemactl
-- migrate-v1`:
--     begin; set local schemactl.bulk_import = on; insert ...; commit;
-- The deal lifecycle triggers then keep the given created_at, closed_at and
-- stage_entered_at (and set_updated_at a given updated_at), and no webhook event is
-- written; the audit, stage history and rollups still are.
--
-- Who may import is decided by the caller's database role (private.caller_role(): SET
-- ROLE, else the login role), never by a JWT claim, which any SQL session can set: the
-- schema owner, a superuser or service_role. It is the same inside SECURITY DEFINER
-- functions, whose current_user is always the owner.
create function private.bulk_import_active()
returns boolean
language plpgsql
stable
set search_path = pg_catalog, pg_temp
as $$
declare
    v_caller text;
begin
    if coalesce(pg_catalog.current_setting('schemactl.bulk_import', true), '')
        not in ('on', 'true', '1') then
        return false;
    end if;
    v_caller := private.caller_role();
    return v_caller = 'service_role'
        -- The owner of this function is the role that owns the schema.
        or v_caller = (
            select pg_catalog.pg_get_userbyid(p.proowner)
            from pg_catalog.pg_proc as p
            where p.oid = 'private.bulk_import_active()'::pg_catalog.regprocedure
        )
        or coalesce((
            select r.rolsuper from pg_catalog.pg_roles as r where r.rolname = v_caller
        ), false);
end
$$;

comment on function private.bulk_import_active() is
    'True when the transaction set schemactl.bulk_import = on and the caller''s database '
    'role (SET ROLE, else login) is the schema owner, a superuser or service_role; '
    'ignored for every other role, whatever its JWT claims.';

revoke execute on function private.bulk_import_active()
from public, anon, authenticated, service_role;
-- Evaluated in trigger WHEN clauses and invoker triggers as the role that writes.
grant execute on function private.bulk_import_active() to authenticated, service_role;
