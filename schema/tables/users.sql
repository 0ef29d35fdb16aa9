create table public.users (
    id uuid primary key references auth.users (id) on delete cascade,
    team_id uuid references public.teams (id) on delete restrict,
    name text not null,
    email text,
    role text not null default 'seller',
    is_active boolean not null default false,
    avatar_url text,
    phone text,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    constraint users_name_not_blank check (btrim(name) <> ''),
    constraint users_role_valid check (role in ('admin', 'manager', 'seller'))
);

create unique index users_email_lower_unique on public.users (lower(email));

create index users_team_id_idx on public.users (team_id);

comment on table public.users is
'CRM profile of an auth.users account, created by the handle_new_user trigger. The '
'CRM is invite-only: a new profile is an inactive seller until an admin activates it. '
'People are deactivated (is_active = false), never deleted while they own rows.';
comment on column public.users.id is
'Same id as auth.users; deleting the auth user deletes the profile, which fails '
'while the user still owns deals, tasks, organizations or contacts.';
comment on column public.users.team_id is 'Team of the user; null means no team.';
comment on column public.users.email is
'Copied from auth.users (on sign-up and on every email change); unique '
'case-insensitively. Null for phone-only sign-ups.';
comment on column public.users.role is
'admin, manager or seller. Only an active admin (or service_role) may change it.';
comment on column public.users.is_active is
'False until an admin activates the user; an inactive user sees nothing.';
