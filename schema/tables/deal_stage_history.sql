create table public.deal_stage_history (
    id bigint generated always as identity primary key,
    deal_id uuid not null references public.deals (id) on delete cascade,
    from_stage_id uuid references public.stages (id) on delete restrict,
    to_stage_id uuid not null references public.stages (id) on delete restrict,
    changed_by uuid,
    changed_at timestamptz not null default now(),
    time_in_stage interval,
    constraint deal_stage_history_stage_changed check (
        from_stage_id is distinct from to_stage_id
    )
);

create index deal_stage_history_deal_changed_at_idx
on public.deal_stage_history (deal_id, changed_at);

create index deal_stage_history_from_stage_id_idx
on public.deal_stage_history (from_stage_id);

create index deal_stage_history_to_stage_id_idx
on public.deal_stage_history (to_stage_id);

comment on table public.deal_stage_history is
'One row when a deal is created (from_stage_id null) and one per stage change, '
'written by trigger. Read-only for API clients.';
comment on column public.deal_stage_history.from_stage_id is
'Stage the deal left; null for the row written at creation.';
comment on column public.deal_stage_history.changed_by is
'auth.uid() of whoever moved the deal; null for service or migration writes.';
comment on column public.deal_stage_history.time_in_stage is
'How long the deal stayed in from_stage_id; null for the creation row.';
