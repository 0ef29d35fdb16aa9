-- Step one of the key exchange (SPEC §8): an Edge Function (service_role) verifies the
-- key, then calls the API with a short-lived JWT {"sub": owner_id, "role":
-- "authenticated", "api_key_id": …, "api_scopes": scopes} signed with the project secret.
create function public.verify_api_key(p_key text)
returns table (api_key_id uuid, owner_id uuid, scopes text[])
language sql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
    update public.api_keys as k
    set last_used_at = pg_catalog.now()
    from private.api_key_secrets as s, public.users as u
    where s.key_hash = private.api_key_hash(p_key)
        and k.id = s.api_key_id
        and k.revoked_at is null
        and (k.expires_at is null or k.expires_at > pg_catalog.now())
        and u.id = k.owner_id
        and u.is_active
    returning k.id, k.owner_id, k.scopes
$$;

comment on function public.verify_api_key(text) is
'service_role only. For a valid key (known hash, not revoked, not expired, owner still '
'active) returns (api_key_id, owner_id, scopes) and sets last_used_at; otherwise no row.';

revoke execute on function public.verify_api_key(text)
from public, anon, authenticated, service_role;
grant execute on function public.verify_api_key(text) to service_role;
