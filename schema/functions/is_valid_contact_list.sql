-- Shape of the JSONB contact lists (organizations/contacts emails and phones):
-- [{"type": "work", "value": "joao@empresa.com", "primary": true}, ...]
create function public.is_valid_contact_list(p_list jsonb)
returns boolean
language plpgsql
immutable
strict
parallel safe
set search_path = pg_catalog, pg_temp
as $$
declare
    v_item jsonb;
    v_primaries int := 0;
begin
    if pg_catalog.jsonb_typeof(p_list) <> 'array' then
        return false;
    end if;
    for v_item in select e.value from pg_catalog.jsonb_array_elements(p_list) as e loop
        if pg_catalog.jsonb_typeof(v_item) <> 'object'
            or pg_catalog.jsonb_typeof(v_item -> 'value') is distinct from 'string'
            or pg_catalog.btrim(v_item ->> 'value') = ''
            or pg_catalog.jsonb_typeof(v_item -> 'type') not in ('string', 'null')
            or pg_catalog.jsonb_typeof(v_item -> 'primary') not in ('boolean', 'null')
        then
            return false;
        end if;
        if v_item -> 'primary' = 'true'::jsonb then
            v_primaries := v_primaries + 1;
        end if;
    end loop;
    return v_primaries <= 1;
end
$$;

comment on function public.is_valid_contact_list(jsonb) is
'True when the value is a JSON array of objects {"type": text, "value": text, '
'"primary": bool} where "value" is a non-blank string, "type" and "primary" are '
'optional, and at most one element has "primary": true.';

revoke execute on function public.is_valid_contact_list(jsonb)
from public, anon, authenticated, service_role;
grant execute on function public.is_valid_contact_list(jsonb) to authenticated, service_role;
