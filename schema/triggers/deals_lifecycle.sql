-- Deal lifecycle (docs/design.md: Triggers and functions), before the row is written:
-- - closed_at is set when the status becomes won or lost and cleared on reopen; it
--   cannot be written directly;
-- - stage_entered_at is set on insert and on every stage change;
-- - created_at is the insert's time and never changes;
-- - a lost deal needs a loss_reason_id (said here more clearly than by the CHECK).
-- In bulk-import mode (private.bulk_import_active()) the given created_at, closed_at
-- and stage_entered_at are kept.
-- SECURITY INVOKER: it only changes NEW, and bulk-import mode depends on current_user.
create function private.deals_lifecycle()
returns trigger
language plpgsql
set search_path = pg_catalog, pg_temp
as $$
declare
    v_bulk boolean := false;
begin
    -- The setting first: deciding who may import costs a function call per row.
    if pg_catalog.current_setting('schemactl.bulk_import', true) in ('on', 'true', '1') then
        v_bulk := private.bulk_import_active();
    end if;
    if tg_op = 'INSERT' then
        if v_bulk then
            new.created_at := coalesce(new.created_at, now());
            -- Not given means the column default, now(): the deal entered its stage
            -- when it was created.
            new.stage_entered_at := case
                when new.stage_entered_at is null or new.stage_entered_at = now()
                    then new.created_at
                else new.stage_entered_at
            end;
            new.closed_at := case
                when new.status = 'open' then null
                else coalesce(new.closed_at, now())
            end;
        else
            new.created_at := now();
            new.stage_entered_at := now();
            new.closed_at := case when new.status = 'open' then null else now() end;
        end if;
    else
        if v_bulk then
            if new.stage_id is distinct from old.stage_id
                and new.stage_entered_at is not distinct from old.stage_entered_at then
                new.stage_entered_at := now();
            end if;
            new.closed_at := case
                when new.status = 'open' then null
                when new.status is distinct from old.status
                    and new.closed_at is not distinct from old.closed_at then now()
                else coalesce(new.closed_at, now())
            end;
        else
            new.created_at := old.created_at;
            new.stage_entered_at := case
                when new.stage_id is distinct from old.stage_id then now()
                else old.stage_entered_at
            end;
            new.closed_at := case
                when new.status = 'open' then null
                when new.status is distinct from old.status then now()
                else old.closed_at
            end;
        end if;
    end if;
    if new.status = 'lost' and new.loss_reason_id is null then
        raise exception 'a lost deal needs a loss reason (deal %)', new.id
            using errcode = 'check_violation',
            hint = 'set loss_reason_id (see public.loss_reasons) together with status = ''lost''';
    end if;
    return new;
end
$$;

comment on function private.deals_lifecycle() is
    'Trigger on deals: maintains closed_at, stage_entered_at and created_at (kept as '
    'given in bulk-import mode) and requires a loss reason for a lost deal.';

revoke execute on function private.deals_lifecycle()
from public, anon, authenticated, service_role;

create trigger deals_lifecycle_insert
before insert on public.deals
for each row execute function private.deals_lifecycle();

-- Only when a column the lifecycle looks at is written.
create trigger deals_lifecycle_update
before update on public.deals
for each row
when (
    old.status is distinct from new.status
    or old.stage_id is distinct from new.stage_id
    or old.closed_at is distinct from new.closed_at
    or old.stage_entered_at is distinct from new.stage_entered_at
    or old.created_at is distinct from new.created_at
    or old.loss_reason_id is distinct from new.loss_reason_id
)
execute function private.deals_lifecycle();
