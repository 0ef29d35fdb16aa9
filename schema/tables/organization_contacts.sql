create table public.organization_contacts (
    organization_id uuid not null
    references public.organizations (id) on delete restrict,
    contact_id uuid not null references public.contacts (id) on delete cascade,
    role text,
    is_primary boolean not null default false,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    constraint organization_contacts_pkey primary key (organization_id, contact_id)
);

create unique index organization_contacts_single_primary
on public.organization_contacts (organization_id)
where is_primary;

create index organization_contacts_contact_id_idx
on public.organization_contacts (contact_id);

comment on table public.organization_contacts is
'Which contacts work at which organizations (many-to-many). Deleting a contact '
'removes its links; an organization with links cannot be hard-deleted.';
comment on column public.organization_contacts.role is
'Role of the contact at this organization (e.g. Compras, Diretor).';
comment on column public.organization_contacts.is_primary is
'The organization''s primary contact; at most one per organization.';
