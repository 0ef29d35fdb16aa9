-- A plain `update … set deleted_at = now()` cannot pass RLS for non-admins (the new row
-- would be hidden from the caller's SELECT policy), so soft delete goes through here.
create function public.soft_delete(p_table text, p_id uuid)
returns boolean
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
    v_allowed boolean;
    v_changed integer;
begin
    if p_table is null or p_table not in ('deals', 'organizations', 'contacts') then
        raise exception 'soft_delete: % cannot be soft-deleted', coalesce(p_table, 'null')
            using errcode = 'invalid_parameter_value',
                hint = 'soft delete works on deals, organizations and contacts';
    end if;
    if not private.api_scope_allows(p_table, 'delete') then
        raise exception 'soft_delete: this API key has no delete:% scope', p_table
            using errcode = 'insufficient_privilege';
    end if;
    v_allowed := case p_table
        when 'deals' then private.can_write_deal(p_id)
        when 'organizations' then private.can_write_organization(p_id)
        when 'contacts' then private.can_write_contact(p_id)
    end;
    if not v_allowed then
        raise exception 'soft_delete: % % does not exist or you may not change it',
            p_table, p_id
            using errcode = 'insufficient_privilege';
    end if;
    execute pg_catalog.format(
        'update public.%I set deleted_at = pg_catalog.now() '
        'where id = $1 and deleted_at is null',
        p_table
    ) using p_id;
    get diagnostics v_changed = row_count;
    return v_changed = 1;
end
$$;

comment on function public.soft_delete(text, uuid) is
'Soft-deletes a deal, organization or contact (sets deleted_at) when the caller may '
'update it (docs/design.md, Access control); true when it was deleted now, false when '
'it already was (only admins can see that). 42501 when the row is unknown to the '
'caller or not theirs to change, or when an API key lacks delete:<table>.';

revoke execute on function public.soft_delete(text, uuid)
from public, anon, authenticated, service_role;
grant execute on function public.soft_delete(text, uuid) to authenticated;
