alter table public.deal_stage_history enable row level security;

revoke all on public.deal_stage_history from anon, authenticated, service_role;
-- History is written by trigger only.
grant select on public.deal_stage_history to authenticated;
grant select on public.deal_stage_history to service_role;

-- Rows come from SECURITY DEFINER triggers only: no role inserts directly, so nobody
-- needs the identity sequence (legacy default privileges would grant it).
revoke all on sequence public.deal_stage_history_id_seq from anon, authenticated, service_role;
