create function private.api_key_hash(p_key text)
returns text
language sql
immutable
strict
parallel safe
set search_path = pg_catalog, pg_temp
as $$
    select pg_catalog.encode(pg_catalog.sha256(pg_catalog.convert_to(p_key, 'UTF8')), 'hex')
$$;

comment on function private.api_key_hash(text) is
'Lower-case hex SHA-256 of an API key, as stored in private.api_key_secrets.key_hash. '
'Called only by create_api_key and verify_api_key (which run as the schema owner).';

revoke execute on function private.api_key_hash(text)
from public, anon, authenticated, service_role;
