-- The plaintext key is returned once and never stored: only its SHA-256 goes to
-- private.api_key_secrets. Randomness: three v4 UUIDs from gen_random_uuid() (a
-- cryptographically strong source, 3 x 122 random bits) hashed with SHA-256 into 256
-- bits, written as 64 hex characters after the `stk_` prefix.
create function public.create_api_key(
    p_name text,
    p_scopes text[],
    p_expires_at timestamptz default null
)
returns text
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
    v_owner uuid := private.current_user_id();
    v_key text;
    v_id uuid;
begin
    if v_owner is null then
        raise exception 'create_api_key: only an active user can create API keys'
            using errcode = 'insufficient_privilege';
    end if;
    if not private.api_scope_allows('api_keys', 'write') then
        raise exception 'create_api_key: an API key cannot create API keys'
            using errcode = 'insufficient_privilege';
    end if;
    -- Keys are credentials to keep track of: at most 10 usable (not revoked, not
    -- expired) per user. Locking the user's row serialises concurrent creations.
    perform from public.users as u where u.id = v_owner for no key update;
    if (
        select pg_catalog.count(*)
        from public.api_keys as k
        where k.owner_id = v_owner and k.revoked_at is null
            and (k.expires_at is null or k.expires_at > pg_catalog.now())
    ) >= 10 then
        raise exception 'create_api_key: you already have 10 active API keys; revoke one first'
            using errcode = 'program_limit_exceeded';
    end if;
    if p_expires_at <= pg_catalog.now() then
        raise exception 'create_api_key: expires_at % is not in the future', p_expires_at
            using errcode = 'invalid_parameter_value';
    end if;
    v_key := 'stk_' || pg_catalog.encode(
        pg_catalog.sha256(
            pg_catalog.uuid_send(pg_catalog.gen_random_uuid())
            || pg_catalog.uuid_send(pg_catalog.gen_random_uuid())
            || pg_catalog.uuid_send(pg_catalog.gen_random_uuid())
        ),
        'hex'
    );
    insert into public.api_keys (name, key_prefix, scopes, owner_id, expires_at)
    values (p_name, pg_catalog.left(v_key, 12), p_scopes, v_owner, p_expires_at)
    returning id into v_id;
    insert into private.api_key_secrets (api_key_id, key_hash)
    values (v_id, private.api_key_hash(v_key));
    return v_key;
end
$$;

comment on function public.create_api_key(text, text[], timestamptz) is
'Creates an API key owned by the (active) caller with the given scopes '
'(read|write|delete:deals|contacts|organizations|tasks|products) and optional expiry, '
'and returns the plaintext key (stk_ + 64 hex characters, 256 bits) once; only its '
'SHA-256 is stored. Refused to requests made with an API key, and beyond 10 active '
'keys per user (54000).';

revoke execute on function public.create_api_key(text, text[], timestamptz)
from public, anon, authenticated, service_role;
grant execute on function public.create_api_key(text, text[], timestamptz) to authenticated;
