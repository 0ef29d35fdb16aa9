-- Bulk-import mode (SPEC §7), for migrations such as `schemactl migrate-v1`:
--     begin; set local schemactl.bulk_import = on; insert ...; commit;
-- The deal lifecycle triggers then keep the given created_at, closed_at and
-- stage_entered_at (and set_updated_at a given updated_at), and no webhook event is
-- written; the audit, stage history and rollups still are.
--
-- SECURITY INVOKER on purpose: it reads current_user, the role running the statement,
-- so it is called from invoker trigger functions and trigger WHEN clauses, never from
-- inside a SECURITY DEFINER function (where current_user is always the owner).
create function private.bulk_import_active()
returns boolean
language plpgsql
stable
set search_path = pg_catalog, pg_temp
as $$
begin
    if coalesce(pg_catalog.current_setting('schemactl.bulk_import', true), '')
        not in ('on', 'true', '1') then
        return false;
    end if;
    -- A Data API request never imports, not even through a SECURITY DEFINER function
    -- (which runs as the owner): the request's JWT role says who is asking.
    if coalesce(auth.role(), '') in ('authenticated', 'anon') then
        return false;
    end if;
    return current_user = 'service_role'
        -- The owner of this function is the role that owns the schema.
        or current_user = (
            select pg_catalog.pg_get_userbyid(p.proowner)
            from pg_catalog.pg_proc as p
            where p.oid = 'private.bulk_import_active()'::pg_catalog.regprocedure
        )
        or coalesce((
            select r.rolsuper from pg_catalog.pg_roles as r where r.rolname = current_user
        ), false);
end
$$;

comment on function private.bulk_import_active() is
    'True when the transaction set schemactl.bulk_import = on and runs as the schema '
    'owner, a superuser or service_role (outside any Data API request); ignored for '
    'every other role.';

revoke execute on function private.bulk_import_active()
from public, anon, authenticated, service_role;
-- Evaluated in trigger WHEN clauses and invoker triggers as the role that writes.
grant execute on function private.bulk_import_active() to authenticated, service_role;
