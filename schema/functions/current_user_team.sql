create function private.current_user_team()
returns uuid
language sql
stable
parallel safe
security definer
set search_path = pg_catalog, pg_temp
as $$
    select u.team_id
    from public.users as u
    where u.id = auth.uid() and u.is_active
$$;

comment on function private.current_user_team() is
'Team of the active caller; null when they have no team, are inactive or have no '
'profile. Compare with `is not distinct from` only where null must match null.';

revoke execute on function private.current_user_team()
from public, anon, authenticated, service_role;
grant execute on function private.current_user_team() to authenticated;
