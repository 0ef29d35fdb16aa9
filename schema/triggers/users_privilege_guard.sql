-- Privilege guard (docs/design.md: Triggers and functions): in a statement run as `authenticated`
-- (current_user, not the JWT: a SECURITY DEFINER function runs as the owner and is trusted), only
-- an active admin may change users.role, team_id or is_active, their own included.
-- service_role, the schema owner and superusers may. The WHEN clause decides who is
-- checked; the function (SECURITY DEFINER, so it reads the profile whatever RLS shows
-- the caller) decides whether the caller is an active admin.
create function private.users_privilege_guard()
returns trigger
language plpgsql
security definer
set search_path = pg_catalog, pg_temp
as $$
begin
    if not exists (
        select from public.users as u
        where u.id = auth.uid() and u.role = 'admin' and u.is_active
    ) then
        raise exception 'only an active admin can change a user''s role, team or active flag'
            using errcode = 'insufficient_privilege',
            hint = 'ask an admin of the CRM to make the change';
    end if;
    return new;
end
$$;

comment on function private.users_privilege_guard() is
    'Trigger on users: refuses a change of role, team_id or is_active by an '
    'authenticated caller who is not an active admin.';

revoke execute on function private.users_privilege_guard()
from public, anon, authenticated, service_role;

create trigger users_privilege_guard
before update of role, team_id, is_active on public.users
for each row
when (
    current_user = 'authenticated'
    and (old.role, old.team_id, old.is_active)
    is distinct from (new.role, new.team_id, new.is_active)
)
execute function private.users_privilege_guard();
