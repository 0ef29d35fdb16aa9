"""Generated files kept in the repository: docs/schema.md, TypeScript types, supabase/seed.sql, docs/commands.md."""
