-- Check digits of a CNPJ, numeric or alphanumeric (IN RFB 2.229/2024): each character
-- counts as its ASCII code minus 48 ('0'..'9' -> 0..9, 'A'..'Z' -> 17..42).
create function public.is_valid_cnpj(p_cnpj text)
returns boolean
language plpgsql
immutable
strict
parallel safe
set search_path = ''
as $$
declare
    v_cnpj text := public.normalize_cnpj(p_cnpj);
    v_weights constant int[] := array[6, 5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2];
    v_sum int;
    v_rest int;
    v_digit int;
    v_position int;
    v_check int;
begin
    if v_cnpj !~ '^[0-9A-Z]{12}[0-9]{2}$' or v_cnpj ~ '^(.)\1{13}$' then
        return false;
    end if;
    -- First check digit: weights 5,4,3,2,9,8,7,6,5,4,3,2 over the 12 base characters;
    -- second: 6,5,4,3,2,9,8,7,6,5,4,3,2 over the base and the first check digit.
    for v_check in 0..1 loop
        v_sum := 0;
        for v_position in 1..12 + v_check loop
            v_sum := v_sum
                + (pg_catalog.ascii(pg_catalog.substr(v_cnpj, v_position, 1)) - 48)
                * v_weights[v_position + 1 - v_check];
        end loop;
        v_rest := v_sum % 11;
        v_digit := case when v_rest < 2 then 0 else 11 - v_rest end;
        if v_digit <> pg_catalog.ascii(pg_catalog.substr(v_cnpj, 13 + v_check, 1)) - 48 then
            return false;
        end if;
    end loop;
    return true;
end
$$;

comment on function public.is_valid_cnpj(text) is
    'True when the CNPJ (formatted or not, numeric or alphanumeric per IN RFB 2.229/2024) '
    'has 12 base characters [0-9A-Z], two correct check digits and is not one repeated '
    'character (00000000000000). Null for null.';

revoke execute on function public.is_valid_cnpj(text)
from public, anon, authenticated, service_role;
grant execute on function public.is_valid_cnpj(text) to authenticated, service_role;
