-- Dual-write: while the old app keeps writing V1, AFTER ROW triggers on the V1 tables
-- apply every change to V2 in the same transaction, through the per-row functions of
-- apply.sql (the mapping of mapping.sql: one implementation for migrate-v1 and for
-- dual-write). SECURITY DEFINER, owned by the role that installs them (the schema owner),
-- so the V1 app's role needs no right on V2 or on `migration`. Not in bulk-import mode:
-- a change in V1 is a change in V2 now (lifecycle dates, webhook events) as any other.

create or replace function migration.dual_write_client()
returns trigger
language plpgsql
security definer
set search_path = pg_catalog, pg_temp
as $$
begin
    if tg_op in ('UPDATE', 'DELETE') then
        perform migration.sync_client(old.id);
    end if;
    if tg_op in ('INSERT', 'UPDATE') and (tg_op = 'INSERT' or new.id <> old.id) then
        perform migration.sync_client(new.id);
    end if;
    return null;
end
$$;

create or replace function migration.dual_write_opportunity()
returns trigger
language plpgsql
security definer
set search_path = pg_catalog, pg_temp
as $$
begin
    if tg_op in ('UPDATE', 'DELETE') then
        perform migration.sync_opportunity(old.id);
    end if;
    if tg_op in ('INSERT', 'UPDATE') and (tg_op = 'INSERT' or new.id <> old.id) then
        perform migration.sync_opportunity(new.id);
    end if;
    return null;
end
$$;

create or replace function migration.dual_write_opportunity_product()
returns trigger
language plpgsql
security definer
set search_path = pg_catalog, pg_temp
as $$
begin
    if tg_op in ('UPDATE', 'DELETE') then
        if old.opportunity_id is null then
            perform migration.sync_orphan_line(old.id);
        else
            perform migration.sync_opportunity_lines(old.opportunity_id);
        end if;
    end if;
    if tg_op in ('INSERT', 'UPDATE') and (tg_op = 'INSERT'
        or new.opportunity_id is distinct from old.opportunity_id or new.id <> old.id)
    then
        if new.opportunity_id is null then
            perform migration.sync_orphan_line(new.id);
        else
            perform migration.sync_opportunity_lines(new.opportunity_id);
        end if;
    end if;
    return null;
end
$$;

-- TRUNCATE fires no row triggers: refused while dual-write is on, rather than leaving
-- V2 silently ahead of V1.
create or replace function migration.dual_write_refuse_truncate()
returns trigger
language plpgsql
set search_path = pg_catalog, pg_temp
as $$
begin
    raise exception 'TRUNCATE %.% is not mirrored into V2 while dual-write is enabled',
        tg_table_schema, tg_table_name
        using errcode = 'P0001', hint = 'run `schemactl dual-write disable` first, or DELETE';
end
$$;
