-- Step one of the key exchange: an Edge Function (service_role) verifies the key, then
-- calls the API with a short-lived JWT {"sub": owner_id, "role": "authenticated",
-- "api_key_id": …, "api_scopes": scopes} signed with the project secret.
--
-- Failed attempts are counted per key prefix (the 12 characters `stk_` + 8 hex shown to
-- owners, so the part of a key a guesser would know) in private.rate_limits: after 10
-- failures in a minute, every attempt with that prefix, the right key included, is
-- refused (54000) until the minute is over. Guessing the other 56 hex characters is out
-- of reach anyway; this stops an online brute force and makes it visible.
create function public.verify_api_key(p_key text)
returns table (api_key_id uuid, owner_id uuid, scopes text[])
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
    v_prefix constant text := pg_catalog.left(coalesce(p_key, ''), 12);
    v_throttle constant text := 'api_key_failures:' || v_prefix;
    v_window constant interval := interval '1 minute';
    v_max_failures constant integer := 10;
begin
    if exists (
        select
        from private.rate_limits as r
        where r.key = v_throttle and r.window_length = v_window
            and r.expires_at > pg_catalog.now() and r.hits >= v_max_failures
    ) then
        raise exception
            'verify_api_key: too many failed attempts for key prefix %; retry in a minute',
            v_prefix
            using errcode = 'program_limit_exceeded';
    end if;
    return query
    update public.api_keys as k
    set last_used_at = pg_catalog.now()
    from private.api_key_secrets as s, public.users as u
    where s.key_hash = private.api_key_hash(p_key)
        and k.id = s.api_key_id
        and k.revoked_at is null
        and (k.expires_at is null or k.expires_at > pg_catalog.now())
        and u.id = k.owner_id
        and u.is_active
    returning k.id, k.owner_id, k.scopes;
    if not found then
        perform public.hit_rate_limit(v_throttle, v_max_failures, v_window);
    end if;
end
$$;

comment on function public.verify_api_key(text) is
'service_role only. For a valid key (known hash, not revoked, not expired, owner still '
'active) returns (api_key_id, owner_id, scopes) and sets last_used_at; otherwise no row, '
'and the failure is counted against the key''s prefix: after 10 failures in a minute '
'every attempt with that prefix is refused (54000) until the minute is over.';

revoke execute on function public.verify_api_key(text)
from public, anon, authenticated, service_role;
grant execute on function public.verify_api_key(text) to service_role;
