-- Write rights on a contact, for soft_delete. The same rule as the contacts UPDATE
-- policy (schema/policies/contacts.sql).
create function private.can_write_contact(p_contact uuid)
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
                    c.deleted_at is null
                    and (
                        private.current_user_role() = 'manager'
                        or c.owner_id = private.current_user_id()
                    )
                )
            from public.contacts as c
            where c.id = p_contact
        ),
        false
    )
$$;

comment on function private.can_write_contact(uuid) is
'Whether the caller may change the contact: an admin any contact; a manager any '
'non-deleted one; a seller the non-deleted ones they own. False for an unknown contact.';

revoke execute on function private.can_write_contact(uuid)
from public, anon, authenticated, service_role;
grant execute on function private.can_write_contact(uuid) to authenticated;
