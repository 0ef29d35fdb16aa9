-- Every applied migration, as recorded by schemactl or the Supabase CLI.
select version, coalesce(name, '') as name, statements
from supabase_migrations.schema_migrations
order by version;
