create table public.contacts (
    id uuid primary key default gen_random_uuid(),
    name text not null,
    job_title text,
    emails jsonb not null default '[]',
    phones jsonb not null default '[]',
    owner_id uuid default auth.uid() references public.users (id) on delete restrict,
    birthday date,
    rd_id text,
    custom_fields jsonb not null default '{}',
    deleted_at timestamptz,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    constraint contacts_rd_id_unique unique (rd_id),
    constraint contacts_name_not_blank check (btrim(name) <> ''),
    constraint contacts_emails_shape check (public.is_valid_contact_list(emails)),
    constraint contacts_phones_shape check (public.is_valid_contact_list(phones)),
    constraint contacts_custom_fields_object check (jsonb_typeof(custom_fields) = 'object')
);

-- Serves containment queries such as emails @> '[{"type": "work"}]'.
create index contacts_emails_gin on public.contacts using gin (emails jsonb_path_ops);

create index contacts_owner_id_idx on public.contacts (owner_id);

comment on table public.contacts is
'People at client organizations (decision makers); many-to-many with organizations '
'through organization_contacts. Soft-deleted with deleted_at.';
comment on column public.contacts.emails is
'JSON array of {"type", "value", "primary"}; at most one primary. GIN-indexed for '
'emails @> ''[{"type": "work"}]''.';
comment on column public.contacts.phones is
'JSON array of {"type", "value", "primary"}; at most one primary.';
comment on column public.contacts.owner_id is
'Seller responsible for the contact (defaults to the creator).';
comment on column public.contacts.rd_id is 'Id of the contact in RD Station CRM (sync).';
comment on column public.contacts.custom_fields is 'Free-form attributes (a JSON object).';
comment on column public.contacts.deleted_at is
'Soft delete: set by public.soft_delete, cleared by public.restore.';
