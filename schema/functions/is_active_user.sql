create function private.is_active_user()
returns boolean
language sql
stable
parallel safe
security definer
set search_path = pg_catalog, pg_temp
as $$
    select exists (
        select from public.users as u
        where u.id = auth.uid() and u.is_active
    )
$$;

comment on function private.is_active_user() is
'True when the caller has an active profile. Inactive users (the CRM is invite-only) '
'and JWTs without a profile see nothing.';

revoke execute on function private.is_active_user()
from public, anon, authenticated, service_role;
grant execute on function private.is_active_user() to authenticated;
