-- Supabase stand-in: what a Supabase project provides before any migration runs.
-- Installed only into local or throwaway databases that have no `auth` schema yet.
-- Runs as a superuser. Roles are cluster-wide, so they are created only when missing.
-- Parameter: the owner role that migrations run as (`postgres` on Supabase), passed
-- through the setting schemactl.owner_role.

do $standin$
declare
    owner_role text := current_setting('schemactl.owner_role');
begin
    if not exists (select from pg_roles where rolname = 'anon') then
        create role anon nologin noinherit;
    end if;
    if not exists (select from pg_roles where rolname = 'authenticated') then
        create role authenticated nologin noinherit;
    end if;
    if not exists (select from pg_roles where rolname = 'service_role') then
        create role service_role nologin noinherit bypassrls;
    end if;
    if not exists (select from pg_roles where rolname = 'authenticator') then
        create role authenticator login noinherit;
    end if;
    if not exists (select from pg_roles where rolname = 'supabase_auth_admin') then
        create role supabase_auth_admin nologin noinherit createrole;
    end if;
    if not exists (select from pg_roles where rolname = owner_role) then
        -- As on Supabase: the migration role is not a superuser.
        execute format(
            'create role %I login nosuperuser createdb createrole bypassrls', owner_role
        );
    end if;
    execute format('grant anon, authenticated, service_role to authenticator');
    execute format('grant anon, authenticated, service_role to %I', owner_role);
end
$standin$;

select set_config('schemactl.owner', current_setting('schemactl.owner_role'), false);

create schema if not exists extensions;
create schema auth authorization supabase_auth_admin;

create table auth.users (
    id uuid primary key default gen_random_uuid(),
    email text,
    phone text,
    raw_user_meta_data jsonb not null default '{}'::jsonb,
    raw_app_meta_data jsonb not null default '{}'::jsonb,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now()
);
alter table auth.users owner to supabase_auth_admin;

-- The request's JWT claims, as PostgREST sets them (and the legacy per-claim settings).
-- Defined as Supabase defines them: no SET clause, so the planner can inline them.
create function auth.jwt() returns jsonb
language sql stable
as $$
    select coalesce(
        nullif(current_setting('request.jwt.claim', true), ''),
        nullif(current_setting('request.jwt.claims', true), '')
    )::jsonb
$$;

create function auth.uid() returns uuid
language sql stable
as $$
    select coalesce(
        nullif(current_setting('request.jwt.claim.sub', true), ''),
        (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'sub')
    )::uuid
$$;

create function auth.role() returns text
language sql stable
as $$
    select coalesce(
        nullif(current_setting('request.jwt.claim.role', true), ''),
        (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'role')
    )::text
$$;

create function auth.email() returns text
language sql stable
as $$
    select coalesce(
        nullif(current_setting('request.jwt.claim.email', true), ''),
        (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'email')
    )::text
$$;

alter function auth.jwt() owner to supabase_auth_admin;
alter function auth.uid() owner to supabase_auth_admin;
alter function auth.role() owner to supabase_auth_admin;
alter function auth.email() owner to supabase_auth_admin;

grant usage on schema auth to anon, authenticated, service_role;
grant execute on all functions in schema auth to public;
grant all on auth.users to service_role;

-- What `postgres` holds on Supabase: it can reference auth.users and hang triggers on it.
do $grants$
declare
    owner_role text := current_setting('schemactl.owner_role');
begin
    execute format('grant usage on schema auth to %I', owner_role);
    execute format('grant select, references, trigger on auth.users to %I', owner_role);
    execute format('grant usage, create on schema extensions to %I', owner_role);
    execute format('grant all on schema public to %I', owner_role);
    execute format('grant create on database %I to %I', current_database(), owner_role);
end
$grants$;

grant usage on schema public to anon, authenticated, service_role;
grant usage on schema extensions to anon, authenticated, service_role;

do $publication$
begin
    if not exists (select from pg_publication where pubname = 'supabase_realtime') then
        create publication supabase_realtime;
    end if;
    execute format(
        'alter publication supabase_realtime owner to %I',
        current_setting('schemactl.owner_role')
    );
end
$publication$;
