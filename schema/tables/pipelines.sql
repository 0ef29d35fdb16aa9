create table public.pipelines (
    id uuid primary key default gen_random_uuid(),
    name text not null,
    is_default boolean not null default false,
    display_order integer not null default 0,
    is_active boolean not null default true,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    constraint pipelines_name_unique unique (name),
    constraint pipelines_name_not_blank check (btrim(name) <> '')
);

create unique index pipelines_single_default on public.pipelines (is_default)
where is_default;

comment on table public.pipelines is
'Sales pipelines (Kanban boards). A pipeline with deals cannot be deleted: deactivate '
'it (is_active = false).';
comment on column public.pipelines.is_default is
'The pipeline new deals land in; at most one pipeline is the default.';
comment on column public.pipelines.display_order is 'Position in pick lists, ascending.';
