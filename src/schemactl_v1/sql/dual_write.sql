-- Dual-write: while the old app keeps writing V1, AFTER ROW triggers on the V1 tables
-- apply every change to V2 in the same transaction, through the per-row functions of
-- apply_clients.sql and apply_deals.sql (the mapping of mapping.sql and mapping_deals.sql:
-- one implementation for migrate-v1 and for dual-write). SECURITY DEFINER, owned by the
-- role that installs them (the schema owner), so the V1 app's role needs no right on V2 or
-- on `migration`. Not in bulk-import mode: a change in V1 is a change in V2 now
-- (lifecycle dates, webhook events) as any other.
--
-- The old app's write never fails because V2 refuses its mirror (a rule of V2 that the
-- mapping does not foresee: a constraint, a trigger's check, bad data): the V2 side of
-- that row is rolled back and the V1 row waits in the quarantine with V2's message
-- (migration.refused_by_v2), which parity reports. Lock and serialization errors are not
-- caught: the old app retries those as any other.

-- Quarantine V1 row `p_row` of `p_kind` with the error V2 raised.
create or replace function migration.refused_by_v2(
    p_kind text, p_row jsonb, p_sqlstate text, p_message text
)
returns void
language plpgsql
set search_path = pg_catalog, pg_temp
as $$
begin
    perform migration.quarantine(p_kind, (p_row ->> 'id')::integer,
        pg_catalog.format('V2 refused it: %s [%s]', p_message, p_sqlstate), p_row);
end
$$;

create or replace function migration.dual_write_client()
returns trigger
language plpgsql
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
    v_row jsonb;
begin
    if tg_op = 'DELETE' then
        v_row := pg_catalog.to_jsonb(old);
    else
        v_row := pg_catalog.to_jsonb(new);
    end if;
    begin
        if tg_op in ('UPDATE', 'DELETE') then
            perform migration.sync_client(old.id);
        end if;
        if tg_op in ('INSERT', 'UPDATE') and (tg_op = 'INSERT' or new.id <> old.id) then
            perform migration.sync_client(new.id);
        end if;
    exception
        when integrity_constraint_violation or data_exception or raise_exception
            or insufficient_privilege
        then
            perform migration.refused_by_v2('client', v_row, sqlstate, sqlerrm);
    end;
    return null;
end
$$;

create or replace function migration.dual_write_opportunity()
returns trigger
language plpgsql
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
    v_row jsonb;
begin
    if tg_op = 'DELETE' then
        v_row := pg_catalog.to_jsonb(old);
    else
        v_row := pg_catalog.to_jsonb(new);
    end if;
    begin
        if tg_op in ('UPDATE', 'DELETE') then
            perform migration.sync_opportunity(old.id);
        end if;
        if tg_op in ('INSERT', 'UPDATE') and (tg_op = 'INSERT' or new.id <> old.id) then
            perform migration.sync_opportunity(new.id);
        end if;
    exception
        when integrity_constraint_violation or data_exception or raise_exception
            or insufficient_privilege
        then
            perform migration.refused_by_v2('opportunity', v_row, sqlstate, sqlerrm);
    end;
    return null;
end
$$;

create or replace function migration.dual_write_opportunity_product()
returns trigger
language plpgsql
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
    v_row jsonb;
begin
    if tg_op = 'DELETE' then
        v_row := pg_catalog.to_jsonb(old);
    else
        v_row := pg_catalog.to_jsonb(new);
    end if;
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
    exception
        when integrity_constraint_violation or data_exception or raise_exception
            or insufficient_privilege
        then
            perform migration.refused_by_v2('opportunity_product', v_row, sqlstate, sqlerrm);
    end;
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
