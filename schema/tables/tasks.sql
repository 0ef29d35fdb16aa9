create table public.tasks (
    id uuid primary key default gen_random_uuid(),
    deal_id uuid references public.deals (id) on delete cascade,
    contact_id uuid references public.contacts (id) on delete set null,
    organization_id uuid references public.organizations (id) on delete restrict,
    owner_id uuid not null default auth.uid()
    references public.users (id) on delete restrict,
    created_by uuid not null default auth.uid()
    references public.users (id) on delete restrict,
    type text not null default 'task',
    subject text not null,
    notes text,
    due_at timestamptz,
    completed_at timestamptz,
    rd_id text,
    custom_fields jsonb not null default '{}',
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    constraint tasks_rd_id_unique unique (rd_id),
    constraint tasks_type_valid check (
        type in ('call', 'email', 'meeting', 'whatsapp', 'task', 'visit', 'lunch')
    ),
    constraint tasks_subject_not_blank check (btrim(subject) <> ''),
    constraint tasks_custom_fields_object check (jsonb_typeof(custom_fields) = 'object')
);

-- "My tasks by due date"; also covers the owner_id foreign key.
create index tasks_owner_due_at_idx on public.tasks (owner_id, due_at);

create index tasks_created_by_idx on public.tasks (created_by);

create index tasks_deal_id_idx on public.tasks (deal_id);

create index tasks_contact_id_idx on public.tasks (contact_id);

create index tasks_organization_id_idx on public.tasks (organization_id);

comment on table public.tasks is
'Follow-ups (call, email, meeting, WhatsApp, visit, ...), optionally about a deal, '
'contact or organization. Assigning a task to someone else emits task.assigned.';
comment on column public.tasks.contact_id is
'Contact the task is about; set to null if the contact is erased.';
comment on column public.tasks.owner_id is 'Assignee; defaults to the creator.';
comment on column public.tasks.created_by is 'Who created the task (auth.uid()).';
comment on column public.tasks.type is
'call, email, meeting, whatsapp, task, visit or lunch.';
comment on column public.tasks.completed_at is 'When it was done; null = still open.';
comment on column public.tasks.rd_id is 'Id of the task in RD Station CRM (sync).';
comment on column public.tasks.custom_fields is 'Free-form attributes (a JSON object).';
