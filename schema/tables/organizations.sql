create table public.organizations (
    id uuid primary key default gen_random_uuid(),
    name text not null,
    legal_name text,
    cnpj text,
    website text,
    segment text,
    address jsonb,
    emails jsonb not null default '[]',
    phones jsonb not null default '[]',
    owner_id uuid default auth.uid() references public.users (id) on delete restrict,
    source_id uuid references public.sources (id) on delete restrict,
    total_revenue numeric not null default 0,
    won_deals_count integer not null default 0,
    rd_id text,
    custom_fields jsonb not null default '{}',
    deleted_at timestamptz,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    constraint organizations_rd_id_unique unique (rd_id),
    constraint organizations_name_not_blank check (btrim(name) <> ''),
    constraint organizations_cnpj_format check (cnpj ~ '^[0-9A-Z]{12}[0-9]{2}$'),
    constraint organizations_cnpj_check_digits check (public.is_valid_cnpj(cnpj)),
    constraint organizations_address_object check (jsonb_typeof(address) = 'object'),
    constraint organizations_emails_shape check (public.is_valid_contact_list(emails)),
    constraint organizations_phones_shape check (public.is_valid_contact_list(phones)),
    constraint organizations_total_revenue_nonnegative check (total_revenue >= 0),
    constraint organizations_won_deals_count_nonnegative check (won_deals_count >= 0),
    constraint organizations_custom_fields_object check (
        jsonb_typeof(custom_fields) = 'object'
    )
);

create unique index organizations_cnpj_unique on public.organizations (cnpj)
where deleted_at is null;

create index organizations_owner_id_idx on public.organizations (owner_id);

create index organizations_source_id_idx on public.organizations (source_id);

comment on table public.organizations is
'Client companies (V1 clients). Soft-deleted with deleted_at; linked to contacts '
'through organization_contacts.';
comment on column public.organizations.legal_name is 'Razão social.';
comment on column public.organizations.cnpj is
'Brazilian company id, stored as 14 characters [0-9A-Z]{12}[0-9]{2} (punctuation '
'removed on write), check digits valid, unique among non-deleted organizations.';
comment on column public.organizations.segment is 'Market segment (free text).';
comment on column public.organizations.address is 'Postal address, a JSON object.';
comment on column public.organizations.emails is
'JSON array of {"type", "value", "primary"}; at most one primary.';
comment on column public.organizations.phones is
'JSON array of {"type", "value", "primary"}; at most one primary.';
comment on column public.organizations.owner_id is
'Seller responsible for the organization (defaults to the creator).';
comment on column public.organizations.total_revenue is
'Sum of the value of its won, non-deleted deals. Maintained by triggers only: API '
'clients cannot write it.';
comment on column public.organizations.won_deals_count is
'Number of its won, non-deleted deals. Maintained by triggers only: API clients '
'cannot write it.';
comment on column public.organizations.rd_id is
'Id of the organization in RD Station CRM (sync).';
comment on column public.organizations.custom_fields is
'Free-form attributes (a JSON object).';
comment on column public.organizations.deleted_at is
'Soft delete: set by public.soft_delete, cleared by public.restore.';
