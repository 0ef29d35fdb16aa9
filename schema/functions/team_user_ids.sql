create function private.team_user_ids()
returns setof uuid
language sql
stable
rows 10
parallel safe
security definer
set search_path = pg_catalog, pg_temp
as $$
    select mate.id
    from public.users as me
    inner join public.users as mate
        on mate.id = me.id or mate.team_id = me.team_id
    where me.id = auth.uid() and me.is_active
        -- An inactive mate only while they own deals or tasks, which the team still
        -- sees (owner_id shows the id there anyway): callable by any user, this
        -- function must not list deactivated people the caller cannot read.
        and (
            mate.is_active
            or exists (select from public.deals as d where d.owner_id = mate.id)
            or exists (select from public.tasks as t where t.owner_id = mate.id)
        )
$$;

comment on function private.team_user_ids() is
'The active caller and the members of their team: active ones, and inactive ones that '
'still own deals or tasks (their rows still belong to the team). Only the caller when '
'they have no team: a NULL team has no team mates. Empty for an inactive user or a '
'JWT without a profile.';

revoke execute on function private.team_user_ids()
from public, anon, authenticated, service_role;
grant execute on function private.team_user_ids() to authenticated;
