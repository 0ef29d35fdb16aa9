select pg_advisory_unlock(hashtextextended('schemactl apply supabase_migrations', 0));
