-- A seller leaves (docs/design.md: The CRM data model): people are deactivated, never deleted while
-- they own rows, so an admin hands their deals, tasks (as assignee), organizations and contacts to
-- someone else. Soft-deleted and closed rows move too, so nothing still points at the
-- leaver as owner. Audit rows and task.assigned events follow from the triggers.
create function public.reassign_owner(p_from uuid, p_to uuid)
returns jsonb
language plpgsql
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
    v_deals int;
    v_tasks int;
    v_organizations int;
    v_contacts int;
begin
    -- service_role by database role (SET ROLE), never by the JWT's role claim, which a
    -- SQL session of an API role can set for itself.
    if private.caller_role() <> 'service_role' and not exists (
        select from public.users as u
        where u.id = auth.uid() and u.role = 'admin' and u.is_active
    ) then
        raise exception 'only an active admin can reassign a user''s records'
            using errcode = 'insufficient_privilege';
    end if;
    if auth.jwt() ? 'api_scopes' then
        raise exception 'an API key cannot reassign records'
            using errcode = 'insufficient_privilege';
    end if;
    if p_from is null or p_to is null or p_from = p_to then
        raise exception 'reassign_owner needs two different users'
            using errcode = 'invalid_parameter_value';
    end if;
    if not exists (select from public.users where id = p_from) then
        raise exception 'no user %', p_from using errcode = 'no_data_found';
    end if;
    if not exists (select from public.users where id = p_to and is_active) then
        raise exception 'user % is not an active user', p_to
            using errcode = 'invalid_parameter_value',
            hint = 'records can only be handed to an active user';
    end if;

    update public.deals set owner_id = p_to where owner_id = p_from;
    get diagnostics v_deals = row_count;
    update public.tasks set owner_id = p_to where owner_id = p_from;
    get diagnostics v_tasks = row_count;
    update public.organizations set owner_id = p_to where owner_id = p_from;
    get diagnostics v_organizations = row_count;
    update public.contacts set owner_id = p_to where owner_id = p_from;
    get diagnostics v_contacts = row_count;
    return pg_catalog.jsonb_build_object(
        'deals', v_deals, 'tasks', v_tasks, 'organizations', v_organizations,
        'contacts', v_contacts
    );
end
$$;

comment on function public.reassign_owner(uuid, uuid) is
    'Admin: hands every deal, task (assignee), organization and contact owned by p_from '
    'to the active user p_to; returns the counts per table.';

revoke execute on function public.reassign_owner(uuid, uuid)
from public, anon, authenticated, service_role;
grant execute on function public.reassign_owner(uuid, uuid) to authenticated, service_role;
