create table public.sources (
    id uuid primary key default gen_random_uuid(),
    name text not null,
    display_order integer not null default 0,
    is_active boolean not null default true,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    constraint sources_name_unique unique (name),
    constraint sources_name_not_blank check (btrim(name) <> '')
);

comment on table public.sources is
'Where a deal or organization came from (marketing channel), for ROI by channel. '
'Reference data: deactivate (is_active = false), never delete while referenced.';
comment on column public.sources.display_order is 'Position in pick lists, ascending.';
