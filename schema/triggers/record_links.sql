-- No new link to a deleted or inactive row. A foreign key accepts a soft-deleted target
-- and an inactive pipeline or stage, and deals.contact_ids has no foreign key at all:
-- these triggers refuse, for every role outside bulk-import mode, a deal on a
-- soft-deleted organization (it would also move that organization's revenue rollup),
-- in an inactive stage or pipeline, or naming unknown or deleted contacts, and a task
-- or organization_contacts link to a soft-deleted deal, contact or organization. Links
-- that already exist are kept: only values a row gets anew are checked.
--
-- An unknown id and a soft-deleted one get the same error (SQLSTATE 23503, "… does not
-- exist or was deleted"): the answer tells nobody that a row they may not read exists.
-- BEFORE ROW triggers for that reason: they run before the foreign keys are checked
-- (at the end of the statement), so an unknown id gets this message, not the
-- constraint's.
--
-- Attaching a deal to an organization also takes the right to write that organization
-- (private.can_write_organization(): its owner, any manager, an admin), so a seller
-- cannot move another team's total_revenue and won_deals_count. Requests without a
-- user (service_role, the owner) are not asked.
--
-- SECURITY DEFINER to see deleted rows whatever the caller may read.
create function private.deals_check_links()
returns trigger
language plpgsql
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
    v_bad uuid;
begin
    if private.bulk_import_active() then
        return new;
    end if;
    if new.organization_id is not null
        and (tg_op = 'INSERT' or new.organization_id is distinct from old.organization_id)
    then
        if not exists (
            select from public.organizations as o
            where o.id = new.organization_id and o.deleted_at is null
        ) then
            raise exception 'organization % does not exist or was deleted', new.organization_id
                using errcode = 'foreign_key_violation',
                hint = 'a deal can only be attached to a live organization';
        end if;
        if auth.uid() is not null and not private.can_write_organization(new.organization_id)
        then
            raise exception 'you cannot attach deals to organization %', new.organization_id
                using errcode = 'insufficient_privilege',
                hint = 'only its owner, a manager or an admin can';
        end if;
    end if;
    if (tg_op = 'INSERT' or new.stage_id is distinct from old.stage_id
        or new.pipeline_id is distinct from old.pipeline_id)
        and not exists (
            select
            from public.stages as s
            inner join public.pipelines as p on p.id = s.pipeline_id
            where s.id = new.stage_id and s.is_active and p.is_active
        )
    then
        raise exception 'stage % is not an active stage of an active pipeline', new.stage_id
            using errcode = 'foreign_key_violation',
            hint = 'deals enter only active stages of active pipelines';
    end if;
    select ids.id into v_bad
    from pg_catalog.unnest(new.contact_ids) as ids (id)
    where (tg_op = 'INSERT' or ids.id <> all(old.contact_ids))
        and not exists (
            select from public.contacts as c where c.id = ids.id and c.deleted_at is null
        )
    limit 1;
    if found then
        raise exception 'contact % does not exist or was deleted', v_bad
            using errcode = 'foreign_key_violation',
            hint = 'deals.contact_ids names live contacts only';
    end if;
    return new;
end
$$;

comment on function private.deals_check_links() is
    'Trigger on deals: refuses a new link to a deleted or unknown organization or contact '
    '(23503), an inactive stage or pipeline (23503), or an organization the requesting '
    'user cannot write (42501). Skipped in bulk-import mode.';

revoke execute on function private.deals_check_links()
from public, anon, authenticated, service_role;

create trigger deals_check_links
before insert or update of organization_id, stage_id, pipeline_id, contact_ids
on public.deals
for each row execute function private.deals_check_links();

-- Tasks and organization_contacts: each argument is `column:table`, a link column and
-- the soft-deletable table it points to.
create function private.check_live_links()
returns trigger
language plpgsql
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
    v_link text;
    v_column text;
    v_table text;
    v_id uuid;
    v_live boolean;
begin
    if private.bulk_import_active() then
        return new;
    end if;
    foreach v_link in array tg_argv loop
        v_column := pg_catalog.split_part(v_link, ':', 1);
        v_table := pg_catalog.split_part(v_link, ':', 2);
        v_id := (pg_catalog.to_jsonb(new) ->> v_column)::pg_catalog.uuid;
        if v_id is null
            or (tg_op = 'UPDATE'
                and v_id is not distinct from (pg_catalog.to_jsonb(old) ->> v_column)::pg_catalog.uuid)
        then
            continue;
        end if;
        execute pg_catalog.format(
            'select exists (select from public.%I where id = $1 and deleted_at is null)',
            v_table
        ) into v_live using v_id;
        if not v_live then
            raise exception '% % does not exist or was deleted',
                pg_catalog.rtrim(v_table, 's'), v_id
                using errcode = 'foreign_key_violation',
                hint = pg_catalog.format('%s.%s links to live rows only', tg_table_name, v_column);
        end if;
    end loop;
    return new;
end
$$;

comment on function private.check_live_links() is
    'Trigger: refuses a new link (arguments column:table) to a soft-deleted or unknown '
    'row (23503). Skipped in bulk-import mode.';

revoke execute on function private.check_live_links()
from public, anon, authenticated, service_role;

create trigger tasks_check_links
before insert or update of deal_id, contact_id, organization_id on public.tasks
for each row execute function private.check_live_links(
    'deal_id:deals', 'contact_id:contacts', 'organization_id:organizations'
);

create trigger organization_contacts_check_links
before insert or update of contact_id, organization_id on public.organization_contacts
for each row execute function private.check_live_links(
    'contact_id:contacts', 'organization_id:organizations'
);
