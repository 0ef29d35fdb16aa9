create function public.restore(p_table text, p_id uuid)
returns boolean
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
    v_changed integer;
begin
    if p_table is null or p_table not in ('deals', 'organizations', 'contacts') then
        raise exception 'restore: % cannot be restored', coalesce(p_table, 'null')
            using errcode = 'invalid_parameter_value',
                hint = 'restore works on deals, organizations and contacts';
    end if;
    if private.current_user_role() is distinct from 'admin' then
        raise exception 'restore: only an admin may restore soft-deleted rows'
            using errcode = 'insufficient_privilege';
    end if;
    if not private.api_scope_allows(p_table, 'delete') then
        raise exception 'restore: this API key has no delete:% scope', p_table
            using errcode = 'insufficient_privilege';
    end if;
    execute pg_catalog.format(
        'update public.%I set deleted_at = null where id = $1 and deleted_at is not null',
        p_table
    ) using p_id;
    get diagnostics v_changed = row_count;
    return v_changed = 1;
end
$$;

comment on function public.restore(text, uuid) is
'Admins only: clears deleted_at of a soft-deleted deal, organization or contact; '
'true when it was restored, false when it was not deleted (or does not exist).';

revoke execute on function public.restore(text, uuid)
from public, anon, authenticated, service_role;
grant execute on function public.restore(text, uuid) to authenticated;
