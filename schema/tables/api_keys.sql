create table public.api_keys (
    id uuid primary key default gen_random_uuid(),
    name text not null,
    key_prefix text not null,
    scopes text[] not null,
    owner_id uuid not null default auth.uid()
    references public.users (id) on delete restrict,
    expires_at timestamptz,
    last_used_at timestamptz,
    revoked_at timestamptz,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    constraint api_keys_name_not_blank check (btrim(name) <> ''),
    constraint api_keys_key_prefix_format check (key_prefix ~ '^stk_'),
    -- Every element matches ^(read|write|delete):(deals|contacts|organizations|tasks|products)$
    -- (the list below is exactly that language); at least one scope, no nulls.
    constraint api_keys_scopes_valid check (
        cardinality(scopes) > 0
        and scopes <@ array[
            'read:deals', 'write:deals', 'delete:deals',
            'read:contacts', 'write:contacts', 'delete:contacts',
            'read:organizations', 'write:organizations', 'delete:organizations',
            'read:tasks', 'write:tasks', 'delete:tasks',
            'read:products', 'write:products', 'delete:products'
        ]::text[]
    )
);

create index api_keys_owner_id_idx on public.api_keys (owner_id);

comment on table public.api_keys is
'API keys for integrations, created by public.create_api_key (the plaintext is shown '
'once). The hash lives in private.api_key_secrets, so select * here never returns it.';
comment on column public.api_keys.key_prefix is
'First characters of the key (stk_...), to recognise it in lists.';
comment on column public.api_keys.scopes is
'What the key may do: read|write|delete on deals, contacts, organizations, tasks, '
'products (delete implies write implies read).';
comment on column public.api_keys.owner_id is 'User the key acts as.';
comment on column public.api_keys.expires_at is 'Null = never expires.';
comment on column public.api_keys.last_used_at is 'Set by public.verify_api_key.';
comment on column public.api_keys.revoked_at is 'Set when revoked; a revoked key never verifies.';
