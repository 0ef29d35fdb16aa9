-- One `apply` at a time per database: a session-level advisory lock on a fixed key.
select pg_advisory_lock(hashtextextended('schemactl apply supabase_migrations', 0));
