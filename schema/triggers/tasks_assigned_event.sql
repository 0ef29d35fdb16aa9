-- task.assigned (docs/design.md: The CRM data model, The webhook outbox): the "new task assigned to
-- you" notification, written when a task is created for someone other than its creator, or
-- reassigned to someone other than its creator. Payload as for deals (see deals_events.sql); data
-- is {task_id, owner_id, created_by, deal_id, type, subject, due_at}. None in bulk-import
-- mode (checked in the WHEN clause, as the role that writes the task).
create function private.tasks_assigned_event()
returns trigger
language plpgsql
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
    v_id uuid := gen_random_uuid();
begin
    insert into public.webhook_events (
        id, event_type, aggregate_type, aggregate_id, payload, occurred_at, created_at
    )
    values (
        v_id, 'task.assigned', 'task', new.id,
        pg_catalog.jsonb_build_object(
            'event_id', v_id,
            'event_type', 'task.assigned',
            'occurred_at', pg_catalog.to_char(
                now() at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'
            ),
            'data', pg_catalog.jsonb_build_object(
                'task_id', new.id, 'owner_id', new.owner_id, 'created_by', new.created_by,
                'deal_id', new.deal_id, 'type', new.type, 'subject', new.subject,
                'due_at', new.due_at
            )
        ),
        now(), pg_catalog.clock_timestamp()
    );
    return null;
end
$$;

comment on function private.tasks_assigned_event() is
    'Trigger on tasks: writes a task.assigned event when the assignee (owner_id) is not '
    'the creator.';

revoke execute on function private.tasks_assigned_event()
from public, anon, authenticated, service_role;

create trigger tasks_assigned_event_insert
after insert on public.tasks
for each row
when (new.owner_id is distinct from new.created_by and not private.bulk_import_active())
execute function private.tasks_assigned_event();

create trigger tasks_assigned_event_update
after update of owner_id on public.tasks
for each row
when (
    old.owner_id is distinct from new.owner_id
    and new.owner_id is distinct from new.created_by
    and not private.bulk_import_active()
)
execute function private.tasks_assigned_event();
