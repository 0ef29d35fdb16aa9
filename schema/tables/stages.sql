create table public.stages (
    id uuid primary key default gen_random_uuid(),
    pipeline_id uuid not null references public.pipelines (id) on delete cascade,
    name text not null,
    display_order integer not null default 0,
    probability integer not null default 0,
    rotten_days integer,
    is_active boolean not null default true,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    constraint stages_pipeline_name_unique unique (pipeline_id, name),
    constraint stages_id_pipeline_unique unique (id, pipeline_id),
    constraint stages_name_not_blank check (btrim(name) <> ''),
    constraint stages_probability_range check (probability between 0 and 100),
    constraint stages_rotten_days_positive check (rotten_days > 0)
);

comment on table public.stages is
'Columns of a pipeline''s Kanban board, ordered by display_order. Deleting a pipeline '
'deletes its stages, which fails while deals are in them (deactivate instead).';
comment on column public.stages.display_order is 'Position of the column, ascending.';
comment on column public.stages.probability is
'Win probability (0-100) of a deal in this stage, unless the deal sets its own.';
comment on column public.stages.rotten_days is
'A deal idle in this stage longer than this many days is rotten; null = never.';
comment on constraint stages_id_pipeline_unique on public.stages is
'Target of deals (stage_id, pipeline_id): a deal''s stage belongs to its pipeline.';
