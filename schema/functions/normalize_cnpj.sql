-- CNPJ as stored: punctuation (`.`, `/`, `-`) and white space removed, letters upper-case.
create function public.normalize_cnpj(p_cnpj text)
returns text
language sql
immutable
strict
parallel safe
set search_path = pg_catalog, pg_temp
as $$
    select pg_catalog.upper(pg_catalog.translate(p_cnpj, E'./- \t\r\n', ''))
$$;

comment on function public.normalize_cnpj(text) is
'CNPJ in its stored form: `.`, `/`, `-` and white space removed, letters upper-cased '
'(11.222.333/0001-81 -> 11222333000181). Does not validate: see is_valid_cnpj.';

revoke execute on function public.normalize_cnpj(text)
from public, anon, authenticated, service_role;
grant execute on function public.normalize_cnpj(text) to authenticated, service_role;
