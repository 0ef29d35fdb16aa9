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
    where private.current_user_role() in ('admin', 'manager')
    union all
    select mate.id
    from private.team_user_ids() as mate (id)
    where private.current_user_role() = 'seller'
$$;

comment on function private.deal_owner_ids() is
'Owners whose deals the caller reads: every user for an active manager or admin; '
'the caller and their team mates for an active seller (only the caller without a '
'team); nobody for an inactive user or a JWT without a profile.';

revoke execute on function private.deal_owner_ids()
from public, anon, authenticated, service_role;
grant execute on function private.deal_owner_ids() to authenticated;
