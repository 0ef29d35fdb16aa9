"""supabase/migrations/: the files, the history table, apply and status, shadow databases, writing a new migration and drift."""
