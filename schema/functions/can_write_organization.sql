-- Write rights on an organization, for organization_contacts (link/unlink) and for
-- soft_delete. The same rule as the organizations UPDATE policy
-- (schema/policies/organizations.sql).
create function private.can_write_organization(p_organization uuid)
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
                    o.deleted_at is null
                    and (
                        private.current_user_role() = 'manager'
                        or o.owner_id = private.current_user_id()
                    )
                )
            from public.organizations as o
            where o.id = p_organization
        ),
        false
    )
$$;

comment on function private.can_write_organization(uuid) is
'Whether the caller may change the organization (and link or unlink its contacts): '
'an admin any organization; a manager any non-deleted one; a seller the non-deleted '
'ones they own. False for an unknown organization.';

revoke execute on function private.can_write_organization(uuid)
from public, anon, authenticated, service_role;
grant execute on function private.can_write_organization(uuid) to authenticated;
