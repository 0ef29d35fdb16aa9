-- Input such as 11.222.333/0001-81 is stored as 11222333000181 (then checked by the
-- organizations_cnpj_format and organizations_cnpj_check_digits constraints).
create function public.organizations_normalize_cnpj()
returns trigger
language plpgsql
set search_path = pg_catalog, pg_temp
as $$
begin
    new.cnpj := nullif(public.normalize_cnpj(new.cnpj), '');
    return new;
end
$$;

comment on function public.organizations_normalize_cnpj() is
'Trigger on organizations: stores cnpj without punctuation, upper-case; blank -> null.';

revoke execute on function public.organizations_normalize_cnpj()
from public, anon, authenticated, service_role;

create trigger organizations_normalize_cnpj
before insert or update of cnpj on public.organizations
for each row execute function public.organizations_normalize_cnpj();
