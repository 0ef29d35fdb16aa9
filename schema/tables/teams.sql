create table public.teams (
    id uuid primary key default gen_random_uuid(),
    name text not null,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    constraint teams_name_unique unique (name),
    constraint teams_name_not_blank check (btrim(name) <> '')
);

comment on table public.teams is
'Sales teams. A seller sees the deals of the members of their own team; a manager '
'writes the rows of their own team. A user with no team has no team mates.';
