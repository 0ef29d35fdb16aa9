-- Supabase Realtime: the Kanban board and task lists follow changes live. REPLICA
-- IDENTITY FULL puts the whole old row in the WAL of UPDATE and DELETE, so UPDATE events
-- carry old_record and filtered subscriptions (pipeline_id=eq.…) see the rows that left
-- the filter. Realtime checks each INSERT/UPDATE event against the subscriber's SELECT
-- policies; on a table with RLS it sends only the primary key of a deleted row (RLS
-- cannot be checked on a row that is gone), so a DELETE event leaks no other column.
alter table public.deals replica identity full;

alter table public.tasks replica identity full;

alter publication supabase_realtime add table public.deals, public.tasks;
