create table public.loss_reasons (
    id uuid primary key default gen_random_uuid(),
    name text not null,
    display_order integer not null default 0,
    is_active boolean not null default true,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    constraint loss_reasons_name_unique unique (name),
    constraint loss_reasons_name_not_blank check (btrim(name) <> '')
);

comment on table public.loss_reasons is
'Why a deal was lost (required when a deal is lost). Reference data: deactivate '
'(is_active = false), never delete while referenced.';
comment on column public.loss_reasons.display_order is 'Position in pick lists, ascending.';
