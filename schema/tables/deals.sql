create table public.deals (
    id uuid primary key default gen_random_uuid(),
    title text not null,
    pipeline_id uuid not null,
    stage_id uuid not null,
    organization_id uuid references public.organizations (id) on delete restrict,
    contact_ids uuid[] not null default '{}',
    owner_id uuid not null default auth.uid()
    references public.users (id) on delete restrict,
    value numeric(14, 2) not null default 0,
    probability integer,
    status text not null default 'open',
    expected_close_date date,
    closed_at timestamptz,
    loss_reason_id uuid references public.loss_reasons (id) on delete restrict,
    loss_note text,
    source_id uuid references public.sources (id) on delete restrict,
    stage_entered_at timestamptz not null default now(),
    ai_insights jsonb,
    rd_id text,
    custom_fields jsonb not null default '{}',
    deleted_at timestamptz,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    constraint deals_stage_in_pipeline_fkey foreign key (stage_id, pipeline_id)
    references public.stages (id, pipeline_id) on delete restrict,
    constraint deals_rd_id_unique unique (rd_id),
    constraint deals_title_length check (char_length(btrim(title)) >= 3),
    constraint deals_value_nonnegative check (value >= 0),
    constraint deals_probability_range check (probability between 0 and 100),
    constraint deals_status_valid check (status in ('open', 'won', 'lost')),
    constraint deals_closed_at_iff_closed check ((closed_at is null) = (status = 'open')),
    constraint deals_lost_requires_reason check (
        status <> 'lost' or loss_reason_id is not null
    ),
    constraint deals_contact_ids_no_nulls check (array_position(contact_ids, null) is null),
    constraint deals_custom_fields_object check (jsonb_typeof(custom_fields) = 'object')
);

-- The Kanban board: where pipeline_id = $1 and status = 'open' and deleted_at is null
-- order by stage_id, value desc.
create index deals_kanban_idx on public.deals (pipeline_id, stage_id, value desc)
where status = 'open' and deleted_at is null;

-- Covers the (stage_id, pipeline_id) foreign key to stages.
create index deals_stage_pipeline_idx on public.deals (stage_id, pipeline_id);

create index deals_owner_id_idx on public.deals (owner_id);

create index deals_organization_id_idx on public.deals (organization_id);

create index deals_loss_reason_id_idx on public.deals (loss_reason_id);

create index deals_source_id_idx on public.deals (source_id);

-- "Closing this month" lists.
create index deals_open_expected_close_date_idx on public.deals (expected_close_date)
where status = 'open' and deleted_at is null;

-- Serves contact_ids @> array[...] (deals of a contact).
create index deals_contact_ids_gin on public.deals using gin (contact_ids);

comment on table public.deals is
'Sales opportunities (V1 opportunities), one card on a pipeline''s Kanban board. '
'Soft-deleted with deleted_at.';
comment on column public.deals.pipeline_id is
'Pipeline of the deal. No foreign key of its own: (stage_id, pipeline_id) references '
'stages, whose pipeline_id references pipelines, so a pipeline with deals cannot be '
'deleted (its stages cascade, and deals restrict them).';
comment on column public.deals.stage_id is
'Current stage; always a stage of the deal''s pipeline (foreign key on '
'(stage_id, pipeline_id)).';
comment on column public.deals.contact_ids is
'Contacts involved in the deal (ids of public.contacts). GIN-indexed for '
'contact_ids @> array[...].';
comment on column public.deals.owner_id is
'Seller who owns the deal; defaults to the creator (auth.uid()).';
comment on column public.deals.value is
'Deal value in BRL. While the deal has products it is the sum of their totals '
'(maintained by trigger) and cannot be written directly.';
comment on column public.deals.probability is
'Win probability 0-100 overriding the stage''s; null = use the stage''s.';
comment on column public.deals.status is 'open, won or lost.';
comment on column public.deals.closed_at is
'When the deal was won or lost; null exactly when open. Set and cleared by trigger.';
comment on column public.deals.loss_reason_id is 'Why it was lost; required when lost.';
comment on column public.deals.loss_note is 'Free-text detail on the loss.';
comment on column public.deals.stage_entered_at is
'When the deal entered its current stage (set by trigger); drives rotten deals.';
comment on column public.deals.ai_insights is 'Reserved for AI-generated insights.';
comment on column public.deals.rd_id is 'Id of the deal in RD Station CRM (sync).';
comment on column public.deals.custom_fields is
'Free-form attributes (a JSON object), e.g. {"tipo_evento": "Casamento"}.';
comment on column public.deals.deleted_at is
'Soft delete: set by public.soft_delete, cleared by public.restore.';
