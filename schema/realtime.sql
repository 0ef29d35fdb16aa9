-- Supabase Realtime: the Kanban board and task lists follow changes live. REPLICA
-- IDENTITY FULL puts the whole old row in UPDATE and DELETE events, so filtered
-- subscriptions (pipeline_id=eq.…) and deletes carry it. Realtime applies the
-- subscriber's SELECT policies to each event.
alter table public.deals replica identity full;

alter table public.tasks replica identity full;

alter publication supabase_realtime add table public.deals, public.tasks;
