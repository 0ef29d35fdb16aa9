alter table public.audit_log enable row level security;

revoke all on public.audit_log from anon, authenticated, service_role;
-- Append-only, written by trigger only; admins read it (policy).
grant select on public.audit_log to authenticated;
grant select on public.audit_log to service_role;

-- Rows come from SECURITY DEFINER triggers only: no role inserts directly, so nobody
-- needs the identity sequence (legacy default privileges would grant it).
revoke all on sequence public.audit_log_id_seq from anon, authenticated, service_role;
