-- Schemas besides `public`. Neither is exposed through the Data API (PostgREST):
-- `private` holds secrets and helper functions, `reporting` holds materialized views,
-- which ignore RLS and so must never be reachable by API clients directly.

create schema private;

comment on schema private is
    'Not exposed to the API: secrets (api_key_secrets), rate limits and the helper '
    'functions that policies call. Reached only through SECURITY DEFINER functions.';

create schema reporting;

comment on schema reporting is
    'Not exposed to the API: materialized views for reports (they ignore RLS), read '
    'through public functions that check the caller''s role.';

-- authenticated needs usage for the functions it may run from here (policy helpers,
-- private.bulk_import_active() in trigger WHEN clauses); it is granted no table here.
grant usage on schema private to authenticated, service_role;
grant usage on schema reporting to service_role;

-- anon gets nothing the project creates, now or later, whatever the platform's defaults
-- (Supabase grants everything the owner creates in public to anon, authenticated and
-- service_role, and PostgreSQL grants EXECUTE on every new function to PUBLIC, which
-- anon is part of). Each object still states its grants explicitly; these defaults only
-- close what a later migration would forget. authenticated and service_role keep the
-- platform's defaults: every table they may use has RLS and explicit grants.
alter default privileges in schema public revoke all on tables from anon;

alter default privileges in schema public revoke all on sequences from anon;

alter default privileges in schema public revoke all on functions from anon;

alter default privileges revoke execute on functions from public;
