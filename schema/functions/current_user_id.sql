-- Policy helpers (docs/design.md: Access control). They live in the non-exposed schema `private`,
-- run as the schema owner (so reading public.users does not recurse into its own policies), and
-- are called from policies as `(select private.fn())`: Postgres then evaluates them once
-- per statement (an InitPlan), not once per row.
create function private.current_user_id()
returns uuid
language sql
stable
parallel safe
security definer
set search_path = pg_catalog, pg_temp
as $$
    select u.id
    from public.users as u
    where u.id = auth.uid() and u.is_active
$$;

comment on function private.current_user_id() is
'auth.uid() when it has an active profile in public.users, else null: an inactive '
'user or a JWT without a profile owns nothing and matches no owner_id.';

revoke execute on function private.current_user_id()
from public, anon, authenticated, service_role;
grant execute on function private.current_user_id() to authenticated;
