-- The migration history exactly as the Supabase CLI creates it (pkg/migration/history.go),
-- so `supabase db push` / `supabase migration list` and `schemactl apply` can take turns.
create schema if not exists supabase_migrations;
create table if not exists supabase_migrations.schema_migrations (version text not null primary key);
alter table supabase_migrations.schema_migrations add column if not exists statements text[];
alter table supabase_migrations.schema_migrations add column if not exists name text;
