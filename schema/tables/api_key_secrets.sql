create table private.api_key_secrets (
    api_key_id uuid primary key references public.api_keys (id) on delete cascade,
    key_hash text not null,
    created_at timestamptz not null default now(),
    constraint api_key_secrets_key_hash_unique unique (key_hash),
    constraint api_key_secrets_key_hash_format check (key_hash ~ '^[0-9a-f]{64}$')
);

comment on table private.api_key_secrets is
'SHA-256 of each API key, out of the API''s reach; read only by '
'public.verify_api_key and written only by public.create_api_key.';
comment on column private.api_key_secrets.key_hash is
'Lower-case hex SHA-256 of the plaintext key; the plaintext is never stored.';
