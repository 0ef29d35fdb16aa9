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
-- (migration.mirror), which parity reports. Lock and serialization errors are not
-- caught: the old app retries those as any other.

-- Apply V1 row `p_row` of `p_kind` as it is now in V1 (a line: its opportunity's lines).
create or replace function migration.sync_v1_row(p_kind text, p_row jsonb)
returns void
language plpgsql
set search_path = pg_catalog, pg_temp
as $$
begin
    if p_kind = 'client' then
        perform migration.sync_client((p_row ->> 'id')::integer);
    elsif p_kind = 'opportunity' then
        perform migration.sync_opportunity((p_row ->> 'id')::integer);
    elsif p_row ->> 'opportunity_id' is null then
        perform migration.sync_orphan_line((p_row ->> 'id')::integer);
    else
        perform migration.sync_opportunity_lines((p_row ->> 'opportunity_id')::integer);
    end if;
end
$$;

-- One V1 row written: `p_old` and `p_new` as the trigger saw them (null for an insert or
-- a delete). What it was is applied, then what it is when that is another row (a changed
-- id, or a line moved to another opportunity); when V2 refuses, the V1 row waits in the
-- quarantine with V2's message instead.
create or replace function migration.mirror(p_table text, p_old jsonb, p_new jsonb)
returns void
language plpgsql
set search_path = pg_catalog, pg_temp
as $$
declare
    v_kind text := case p_table
        when 'clients' then 'client'
        when 'opportunities' then 'opportunity'
        else 'opportunity_product' end;
begin
    if p_old is not null then
        perform migration.sync_v1_row(v_kind, p_old);
    end if;
    if p_new is not null
        and (p_old is null
            or (p_old -> 'id', p_old -> 'opportunity_id')
            is distinct from (p_new -> 'id', p_new -> 'opportunity_id'))
    then
        perform migration.sync_v1_row(v_kind, p_new);
    end if;
exception
    when integrity_constraint_violation or data_exception or raise_exception
        or insufficient_privilege
    then
        perform migration.quarantine(v_kind, (coalesce(p_new, p_old) ->> 'id')::integer,
            pg_catalog.format('V2 refused it: %s [%s]', sqlerrm, sqlstate),
            coalesce(p_new, p_old));
end
$$;

-- The trigger on each V1 table (its name tells which).
create or replace function migration.dual_write()
returns trigger
language plpgsql
security definer
set search_path = pg_catalog, pg_temp
as $$
begin
    perform migration.mirror(tg_table_name,
        case when tg_op <> 'INSERT' then pg_catalog.to_jsonb(old) end,
        case when tg_op <> 'DELETE' then pg_catalog.to_jsonb(new) end);
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
