-- Write rights on a deal, for the policies of its children (deal_products) and for
-- soft_delete. The same rule as the deals UPDATE policy (schema/policies/deals.sql):
-- admin: every deal; otherwise a non-deleted deal owned by the caller, or — for a
-- manager — owned by a member of their team.
create function private.can_write_deal(p_deal uuid)
returns boolean
language sql
stable
parallel safe
security definer
set search_path = pg_catalog, pg_temp
as $$
    select coalesce(
        (
            select
                private.current_user_role() = 'admin'
                or (
                    d.deleted_at is null
                    and (
                        d.owner_id = private.current_user_id()
                        or (
                            private.current_user_role() = 'manager'
                            and d.owner_id in (select private.team_user_ids())
                        )
                    )
                )
            from public.deals as d
            where d.id = p_deal
        ),
        false
    )
$$;

comment on function private.can_write_deal(uuid) is
'Whether the caller may change the deal (and so its product lines): an admin any '
'deal; a seller their own non-deleted deals; a manager the non-deleted deals owned by '
'themselves or their team. False for an unknown deal. Visibility is not enough: a '
'seller reads team mates'' deals but cannot write them.';

revoke execute on function private.can_write_deal(uuid)
from public, anon, authenticated, service_role;
grant execute on function private.can_write_deal(uuid) to authenticated;
