-- Out of the API's reach: no grant to any API role, only SECURITY DEFINER functions
-- (create_api_key, verify_api_key) read or write it.
-- schemactl: allow SC002 because no role may read key hashes; definer functions only
alter table private.api_key_secrets enable row level security;

revoke all on private.api_key_secrets from anon, authenticated, service_role;
