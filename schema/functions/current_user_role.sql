create function private.current_user_role()
returns text
language sql
stable
parallel safe
security definer
set search_path = pg_catalog, pg_temp
as $$
    select u.role
    from public.users as u
    where u.id = auth.uid() and u.is_active
$$;

comment on function private.current_user_role() is
'admin, manager or seller for an active caller; null for an inactive user, a JWT '
'without a profile, or no JWT at all (so every role test in a policy is false).';

revoke execute on function private.current_user_role()
from public, anon, authenticated, service_role;
grant execute on function private.current_user_role() to authenticated;
