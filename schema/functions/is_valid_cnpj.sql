-- Check digits of a CNPJ, numeric or alphanumeric (IN RFB 2.229/2024): each character
-- counts as its ASCII code minus 48 ('0'..'9' -> 0..9, 'A'..'Z' -> 17..42).
create function public.is_valid_cnpj(p_cnpj text)
returns boolean
language plpgsql
immutable
strict
parallel safe
set search_path = pg_catalog, pg_temp
as $$
declare
    v_cnpj text := public.normalize_cnpj(p_cnpj);
    -- The first check digit weighs the 12 base characters by 5,4,3,2,9,8,7,6,5,4,3,2
    -- (elements 2..13); the second weighs them by 6,5,4,3,2,9,8,7,6,5,4,3 (elements
    -- 1..12) and the first check digit by 2.
    v_weights constant int[] := array[6, 5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2];
    v_value int;
    v_first int := 0;
    v_second int := 0;
begin
    if v_cnpj !~ '^[0-9A-Z]{12}[0-9]{2}$'
        -- One repeated character (00000000000000 has "correct" check digits).
        or pg_catalog.ltrim(v_cnpj, pg_catalog.left(v_cnpj, 1)) = ''
    then
        return false;
    end if;
    for v_position in 1..12 loop
        v_value := pg_catalog.ascii(pg_catalog.substr(v_cnpj, v_position, 1)) - 48;
        v_first := v_first + v_value * v_weights[v_position + 1];
        v_second := v_second + v_value * v_weights[v_position];
    end loop;
    -- digit = 0 if the remainder r < 2, else 11 - r.
    v_first := case when v_first % 11 < 2 then 0 else 11 - v_first % 11 end;
    v_second := v_second + 2 * v_first;
    v_second := case when v_second % 11 < 2 then 0 else 11 - v_second % 11 end;
    return pg_catalog.right(v_cnpj, 2) = v_first::text || v_second::text;
end
$$;

comment on function public.is_valid_cnpj(text) is
'True when the CNPJ (formatted or not, numeric or alphanumeric per IN RFB 2.229/2024) '
'has 12 base characters [0-9A-Z], two correct check digits and is not one repeated '
'character (00000000000000). Null for null.';

revoke execute on function public.is_valid_cnpj(text)
from public, anon, authenticated, service_role;
grant execute on function public.is_valid_cnpj(text) to authenticated, service_role;
