create table public.audit_log (
    id bigint generated always as identity primary key,
    table_name text not null,
    record_id uuid,
    action text not null,
    old_data jsonb,
    new_data jsonb,
    changed_fields text[],
    actor_id uuid,
    actor_role text,
    occurred_at timestamptz not null default now(),
    claimed_role text,
    constraint audit_log_action_valid check (action in ('INSERT', 'UPDATE', 'DELETE')),
    constraint audit_log_table_name_bare check (table_name ~ '^[a-z_][a-z0-9_]*$'),
    constraint audit_log_data_matches_action check (
        case action
            when 'INSERT' then old_data is null and new_data is not null
            when 'UPDATE' then old_data is not null and new_data is not null
            when 'DELETE' then old_data is not null and new_data is null
        end
    )
);

create index audit_log_record_idx on public.audit_log (table_name, record_id, occurred_at);

create index audit_log_occurred_at_idx on public.audit_log (occurred_at);

comment on table public.audit_log is
'Append-only change history of audited tables, written by triggers: UPDATE, DELETE '
'and TRUNCATE are refused for every role. Secrets are never copied into it.';
comment on column public.audit_log.table_name is 'Bare table name, e.g. deals.';
comment on column public.audit_log.record_id is 'Id of the changed row.';
comment on column public.audit_log.old_data is 'Row before the change (UPDATE, DELETE).';
comment on column public.audit_log.new_data is 'Row after the change (INSERT, UPDATE).';
comment on column public.audit_log.changed_fields is
'Columns whose value changed (UPDATE); updated_at, last_used_at and rollup-only '
'columns alone never make an audit row.';
comment on column public.audit_log.actor_id is 'auth.uid() of the request, if any.';
comment on column public.audit_log.actor_role is
'Database role of the caller: the SET ROLE role (authenticated, service_role for API '
'requests), else the login role. Cannot be forged by a request.';
comment on column public.audit_log.claimed_role is
'The role claim of the request''s JWT (auth.role()), null without one. Informative '
'only: a SQL session of an API role can claim any role.';
