-- Who is really calling, by database role: the role set by SET ROLE (what PostgREST and
-- the Supabase pooler do for every request), else the login role. A SECURITY DEFINER
-- function changes current_user to its owner but neither of these, so this is the
-- caller's role inside one too. Unlike auth.role(), which reads a JWT claim that any SQL
-- session can set for itself, it cannot be forged: SET ROLE needs membership.
create function private.caller_role()
returns text
language sql
stable
parallel safe
set search_path = pg_catalog, pg_temp
as $$
    select coalesce(
        nullif(pg_catalog.current_setting('role'), 'none'),
        pg_catalog.session_user()::text
    )
$$;

comment on function private.caller_role() is
'The database role of the caller: the SET ROLE role, else the login role (unchanged '
'inside SECURITY DEFINER functions, and not a claim the caller can set).';

revoke execute on function private.caller_role()
from public, anon, authenticated, service_role;
-- Called by invoker code that API roles run (bulk_import_active in trigger WHEN clauses).
grant execute on function private.caller_role() to authenticated, service_role;
