-- The owners whose deals the caller reads, as a set the deals SELECT policy turns into
-- an array once per statement: `owner_id = any (array (select ...))` is then an index
-- condition on deals_owner_id_idx, so a seller's query reads only their team's deals
-- instead of filtering everyone's.
create function private.deal_owner_ids()
returns setof uuid
language sql
stable
rows 10
parallel safe
security definer
set search_path = pg_catalog, pg_temp
as $$
    select u.id
    from public.users as u
    where private.current_user_role() = 'admin'
    union all
    -- A manager reads every deal, but not the profiles of inactive users: their ids only
    -- while they own deals (which show owner_id anyway).
    select u.id
    from public.users as u
    where private.current_user_role() = 'manager'
        and (u.is_active or exists (select from public.deals as d where d.owner_id = u.id))
    union all
    select mate.id
    from private.team_user_ids() as mate (id)
    where private.current_user_role() = 'seller'
$$;

comment on function private.deal_owner_ids() is
'Owners whose deals the caller reads: every user for an active admin; every active user '
'and every inactive one who owns deals for an active manager; '
'the caller and their team mates for an active seller (only the caller without a '
'team); nobody for an inactive user or a JWT without a profile.';

revoke execute on function private.deal_owner_ids()
from public, anon, authenticated, service_role;
grant execute on function private.deal_owner_ids() to authenticated;
