-- While a deal has products, its value is the sum of their totals (docs/design.md: The CRM data
-- model): the lines write deals.value after every change (0 when the last line goes), and a direct
-- write of another value is refused. The revenue rollup then follows deals.value as usual.

-- After each statement on deal_products: recompute the value of the deals it touched.
create function private.deal_products_sync_deal_value()
returns trigger
language plpgsql
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
    v_deals uuid[];
begin
    if tg_op = 'INSERT' then
        v_deals := array(select distinct n.deal_id from new_rows as n);
    elsif tg_op = 'UPDATE' then
        v_deals := array(
            select n.deal_id from new_rows as n
            union
            select o.deal_id from old_rows as o
        );
    else
        v_deals := array(select distinct o.deal_id from old_rows as o);
    end if;
    if cardinality(v_deals) = 0 then
        return null;
    end if;
    -- Lock the deals first, in id order (no deadlock between two statements touching
    -- the same deals). FOR NO KEY UPDATE, like the UPDATE below: it does not conflict
    -- with the FOR KEY SHARE lock a concurrent line insert takes on its deal. The
    -- totals are then read by the next statement, whose snapshot is taken once the
    -- locks are held, so a concurrent transaction's committed lines are counted.
    perform 1
    from public.deals as d
    where d.id = any(v_deals)
    order by d.id
    for no key update;
    update public.deals as d
    set value = lines.total
    from (
        select
            ids.id,
            coalesce(
                (select sum(p.total) from public.deal_products as p where p.deal_id = ids.id),
                0
            ) as total
        from pg_catalog.unnest(v_deals) as ids (id)
    ) as lines
    where d.id = lines.id
        and d.value is distinct from lines.total;
    return null;
end
$$;

comment on function private.deal_products_sync_deal_value() is
    'Statement trigger on deal_products: sets deals.value to the sum of the deal''s line '
    'totals (0 when it has none left) for every deal the statement touched.';

revoke execute on function private.deal_products_sync_deal_value()
from public, anon, authenticated, service_role;

create trigger deal_products_sync_deal_value_insert
after insert on public.deal_products
referencing new table as new_rows
for each statement execute function private.deal_products_sync_deal_value();

create trigger deal_products_sync_deal_value_update
after update on public.deal_products
referencing old table as old_rows new table as new_rows
for each statement execute function private.deal_products_sync_deal_value();

create trigger deal_products_sync_deal_value_delete
after delete on public.deal_products
referencing old table as old_rows
for each statement execute function private.deal_products_sync_deal_value();

-- Before a deal's value changes: refused while it has products, unless it is their sum.
-- SECURITY DEFINER to see every line whatever the caller may read.
create function private.deals_value_guard()
returns trigger
language plpgsql
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
    v_total numeric(14, 2);
begin
    select sum(p.total) into v_total from public.deal_products as p where p.deal_id = new.id;
    if v_total is not null and new.value is distinct from v_total then
        raise exception 'deal % has products: its value is the sum of their totals (%), not %',
            new.id, v_total, new.value
            using errcode = 'check_violation',
            hint = 'change the deal''s lines in deal_products; deals.value follows them';
    end if;
    return new;
end
$$;

comment on function private.deals_value_guard() is
    'Trigger on deals: refuses a value other than the sum of the deal''s product lines '
    'while it has any.';

revoke execute on function private.deals_value_guard()
from public, anon, authenticated, service_role;

create trigger deals_value_guard
before update of value on public.deals
for each row
when (old.value is distinct from new.value)
execute function private.deals_value_guard();
