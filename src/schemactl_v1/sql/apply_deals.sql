-- Applying the mapping to one V1 opportunity or line (see apply_clients.sql for the
-- books and the contacts of deals): its deal and lines inserted, updated or retired,
-- migration.v1_id_map / v1_quarantine kept exact. Idempotent, as apply_clients.sql.

-- Find or create the product for a folded V1 product name. A new product is named with
-- the most frequent spelling of that name among the V1 lines (ties: the earliest line),
-- given by the caller (bulk) or read here.
create or replace function migration.product_id_for(p_key text, p_name text default null)
returns uuid
language plpgsql
set search_path = pg_catalog, pg_temp
as $$
declare
    v_id uuid;
    v_name text := p_name;
begin
    select pm.product_id into v_id from migration.v1_product_map as pm
    where pm.name_key = p_key;
    if v_id is null then
        select p.id into v_id from public.products as p
        where migration.fold(p.name) = p_key
        order by p.created_at, p.id
        limit 1;
        if v_id is null then
            if v_name is null then
                select pg_catalog.btrim(l.product_name) into v_name
                from v1.opportunity_products as l
                where migration.fold(l.product_name) = p_key
                group by pg_catalog.btrim(l.product_name)
                order by pg_catalog.count(*) desc, pg_catalog.min(l.id)
                limit 1;
            end if;
            insert into public.products (name, custom_fields)
            values (v_name, pg_catalog.jsonb_build_object(
                'v1', pg_catalog.jsonb_build_object('product_name', v_name)))
            returning id into v_id;
        end if;
        insert into migration.v1_product_map (name_key, product_id) values (p_key, v_id);
    end if;
    return v_id;
end
$$;

-- A deal whose opportunity is gone from V1, or quarantined now: soft-deleted (revenue
-- follows), unmapped with its lines (which stay on the soft-deleted deal as history).
create or replace function migration.retire_deal(p_opportunity_id integer, p_deal uuid)
returns void
language plpgsql
set search_path = pg_catalog, pg_temp
as $$
begin
    delete from migration.v1_id_map as m
    using public.deal_products as p
    where m.kind = 'opportunity_product' and m.v2_id = p.id and p.deal_id = p_deal;
    delete from migration.v1_id_map as m
    where m.kind = 'opportunity' and m.v1_id = p_opportunity_id;
    update public.deals as d set deleted_at = pg_catalog.now()
    where d.id = p_deal and d.deleted_at is null;
end
$$;

-- Bring the lines of deal of V1 opportunity `p_opportunity_id` in line with its V1
-- lines: all of them when they are valid and add up to its value (one statement each for
-- inserts and updates, so the deal's value is recomputed from complete lines), else none
-- (each quarantined) and the deal carries the V1 value itself. A deal with lines added
-- in V2 keeps its lines (migration.v2_lines_problem); a V1 line deleted in V2 comes back.
create or replace function migration.sync_opportunity_lines(p_opportunity_id integer)
returns void
language plpgsql
set search_path = pg_catalog, pg_temp
as $$
declare
    v_deal uuid;
    v_problem text;
    v_taken text;
    v_value numeric;
begin
    select m.v2_id into v_deal from migration.v1_id_map as m
    where m.kind = 'opportunity' and m.v1_id = p_opportunity_id;

    -- The common case of dual-write: an opportunity without lines anywhere.
    if not exists (
            select from v1.opportunity_products as l where l.opportunity_id = p_opportunity_id)
        and not exists (
            select from migration.v1_quarantine as q
            where q.kind = 'opportunity_product'
                and (q.row ->> 'opportunity_id')::integer = p_opportunity_id)
        and (v_deal is null
            or not exists (select from public.deal_products as p where p.deal_id = v_deal))
    then
        return;
    end if;

    -- Lines that left the opportunity (deleted or moved): out of V2 and of the books.
    delete from migration.v1_quarantine as q
    where q.kind = 'opportunity_product'
        and (q.row ->> 'opportunity_id')::integer = p_opportunity_id
        and not exists (
            select from v1.opportunity_products as l
            where l.id = q.v1_id and l.opportunity_id = p_opportunity_id);

    -- Lines added in V2: the deal's lines are V2's now. V1's lines are no longer mapped to
    -- any of them and each waits in the quarantine; nothing on the deal changes.
    v_taken := migration.v2_lines_problem(v_deal);
    if v_taken is not null then
        delete from migration.v1_id_map as m
        using public.deal_products as p
        where m.kind = 'opportunity_product' and m.v2_id = p.id and p.deal_id = v_deal;
        perform migration.quarantine('opportunity_product', l.id,
            coalesce(lv.problem, v_taken), pg_catalog.to_jsonb(l))
        from v1.opportunity_products as l
        cross join lateral migration.line_values(l) as lv
        where l.opportunity_id = p_opportunity_id;
        return;
    end if;

    -- V1 lines whose V2 line was deleted in V2: applied again below, as new lines.
    delete from migration.v1_id_map as m
    using v1.opportunity_products as l
    where m.kind = 'opportunity_product' and m.v1_id = l.id
        and l.opportunity_id = p_opportunity_id
        and not exists (select from public.deal_products as p where p.id = m.v2_id);
    with gone as (
        delete from migration.v1_id_map as m
        using public.deal_products as p
        where m.kind = 'opportunity_product' and m.v2_id = p.id and p.deal_id = v_deal
            and not exists (
                select from v1.opportunity_products as l
                where l.id = m.v1_id and l.opportunity_id = p_opportunity_id)
        returning m.v2_id
    )
    delete from public.deal_products as p using gone where p.id = gone.v2_id;

    v_problem := migration.opportunity_lines_problem(p_opportunity_id);
    if v_problem is null then
        update public.deal_products as p
        set product_id = migration.product_id_for(lv.product_key),
            quantity = lv.quantity,
            unit_price = lv.unit_price,
            deal_id = v_deal
        from v1.opportunity_products as l
        cross join lateral migration.line_values(l) as lv
        join migration.v1_id_map as m on m.kind = 'opportunity_product' and m.v1_id = l.id
        where l.opportunity_id = p_opportunity_id and p.id = m.v2_id
            and m.v1_hash <> migration.row_hash(pg_catalog.to_jsonb(l));
        update migration.v1_id_map as m
        set v1_hash = migration.row_hash(pg_catalog.to_jsonb(l))
        from v1.opportunity_products as l
        where m.kind = 'opportunity_product' and m.v1_id = l.id
            and l.opportunity_id = p_opportunity_id
            and m.v1_hash <> migration.row_hash(pg_catalog.to_jsonb(l));
        with new_lines as materialized (
            select l.id, pg_catalog.gen_random_uuid() as line_id,
                pg_catalog.to_jsonb(l) as v1_row, lv.*
            from v1.opportunity_products as l
            cross join lateral migration.line_values(l) as lv
            where l.opportunity_id = p_opportunity_id
                and not exists (
                    select from migration.v1_id_map as m
                    where m.kind = 'opportunity_product' and m.v1_id = l.id)
        ),
        inserted as (
            insert into public.deal_products (id, deal_id, product_id, quantity, unit_price,
                created_at, updated_at)
            select n.line_id, v_deal,
                migration.product_id_for(n.product_key),
                n.quantity, n.unit_price, d.created_at, d.created_at
            from new_lines as n
            cross join public.deals as d
            where d.id = v_deal
            order by n.id
        ),
        mapped as (
            insert into migration.v1_id_map (kind, v1_id, v2_id, v1_hash)
            select 'opportunity_product', n.id, n.line_id, migration.row_hash(n.v1_row)
            from new_lines as n
        )
        delete from migration.v1_quarantine as q
        using new_lines as n
        where q.kind = 'opportunity_product' and q.v1_id = n.id;
    else
        perform migration.quarantine('opportunity_product', l.id,
            coalesce(lv.problem, v_problem), pg_catalog.to_jsonb(l))
        from v1.opportunity_products as l
        cross join lateral migration.line_values(l) as lv
        where l.opportunity_id = p_opportunity_id;
        with gone as (
            delete from migration.v1_id_map as m
            using v1.opportunity_products as l
            where m.kind = 'opportunity_product' and m.v1_id = l.id
                and l.opportunity_id = p_opportunity_id
            returning m.v2_id
        )
        delete from public.deal_products as p using gone where p.id = gone.v2_id;
    end if;

    if v_deal is not null
        and not exists (select from public.deal_products as p where p.deal_id = v_deal)
    then
        select migration.v1_value(o.value) into v_value from v1.opportunities as o
        where o.id = p_opportunity_id;
        update public.deals as d set value = v_value
        where d.id = v_deal and d.value is distinct from v_value;
    end if;
end
$$;

-- Apply V1 opportunity `p_opportunity_id` as it is now (and its lines): insert or update
-- its deal, quarantine it, or retire its deal when it is gone or quarantined. Returns
-- 'migrated', 'updated', 'unchanged', 'quarantined', 'removed' or 'absent'.
create or replace function migration.sync_opportunity(p_opportunity_id integer)
returns text
language plpgsql
set search_path = pg_catalog, pg_temp
as $$
declare
    o v1.opportunities;
    v_map migration.v1_id_map;
    d record;
    v_hash text;
    v_deal uuid;
    v_result text;
    v_contacts uuid[];
    v_org uuid;
begin
    select * into o from v1.opportunities as x where x.id = p_opportunity_id;
    select * into v_map from migration.v1_id_map as m
    where m.kind = 'opportunity' and m.v1_id = p_opportunity_id;
    if o.id is null then
        perform migration.release('opportunity', p_opportunity_id);
        if v_map.v2_id is null then
            return 'absent';
        end if;
        perform migration.retire_deal(p_opportunity_id, v_map.v2_id);
        return 'removed';
    end if;
    v_hash := migration.row_hash(pg_catalog.to_jsonb(o));
    if v_map.v1_hash = v_hash then
        return 'unchanged';
    end if;
    v_org := (select m.v2_id from migration.v1_id_map as m
        where m.kind = 'client' and m.v1_id = o.client_id);
    select * into d from migration.deal_values(o, v_org,
        migration.mapping_context(coalesce(o.owner_email, '')),
        v_org is distinct from (
            select x.organization_id from public.deals as x where x.id = v_map.v2_id));
    if d.problem is not null then
        perform migration.quarantine('opportunity', o.id, d.problem, pg_catalog.to_jsonb(o));
        if v_map.v2_id is not null then
            perform migration.retire_deal(o.id, v_map.v2_id);
        end if;
        perform migration.sync_opportunity_lines(o.id);
        return 'quarantined';
    end if;
    perform migration.release('opportunity', o.id);
    v_contacts := migration.client_contact_ids(o.client_id);
    if v_map.v2_id is null then
        insert into public.deals (title, pipeline_id, stage_id, organization_id, owner_id,
            value, probability, status, expected_close_date, closed_at, loss_reason_id,
            loss_note, source_id, stage_entered_at, created_at, updated_at, custom_fields,
            contact_ids)
        values (d.title, d.pipeline_id, d.stage_id, d.organization_id, d.owner_id, d.value,
            d.probability, d.status, d.expected_close_date, d.closed_at, d.loss_reason_id,
            d.loss_note, d.source_id, d.stage_entered_at, d.created_at, d.updated_at,
            d.custom_fields, v_contacts)
        returning id into v_deal;
        insert into migration.v1_id_map (kind, v1_id, v2_id, v1_hash)
        values ('opportunity', o.id, v_deal, v_hash);
        v_result := 'migrated';
    else
        v_deal := v_map.v2_id;
        -- V1 is the source of truth while it is written: every mapped field follows it.
        -- The value follows it here only while the deal has no lines (else the lines
        -- carry it, see sync_opportunity_lines); the V1 dates of a status or stage change
        -- are the ones the lifecycle triggers keep in bulk-import mode.
        update public.deals as x
        set title = d.title,
            pipeline_id = d.pipeline_id,
            stage_id = d.stage_id,
            organization_id = d.organization_id,
            owner_id = d.owner_id,
            value = case
                when exists (select from public.deal_products as p where p.deal_id = x.id)
                    then x.value
                else d.value end,
            probability = d.probability,
            status = d.status,
            expected_close_date = d.expected_close_date,
            closed_at = case
                when d.status = 'open' then null
                when x.status = d.status then x.closed_at
                else d.closed_at end,
            loss_reason_id = d.loss_reason_id,
            loss_note = d.loss_note,
            source_id = d.source_id,
            stage_entered_at = case
                when x.stage_id = d.stage_id then x.stage_entered_at
                else d.stage_entered_at end,
            custom_fields = (x.custom_fields - 'v1') || d.custom_fields,
            contact_ids = migration.deal_contact_ids(x.id, x.contact_ids, v_contacts)
        where x.id = v_deal;
        update migration.v1_id_map as m set v1_hash = v_hash
        where m.kind = 'opportunity' and m.v1_id = o.id;
        v_result := 'updated';
    end if;
    perform migration.remember_deal_contacts(v_deal, v_contacts);
    perform migration.sync_opportunity_lines(o.id);
    return v_result;
end
$$;

-- An orphan V1 line (no opportunity) is quarantined; a deleted one leaves the books.
create or replace function migration.sync_orphan_line(p_line_id integer)
returns void
language plpgsql
set search_path = pg_catalog, pg_temp
as $$
declare
    l v1.opportunity_products;
begin
    select * into l from v1.opportunity_products as x where x.id = p_line_id;
    if l.id is null then
        perform migration.release('opportunity_product', p_line_id);
    elsif l.opportunity_id is null then
        perform migration.quarantine('opportunity_product', l.id,
            coalesce((select lv.problem from migration.line_values(l) as lv),
                'line has no opportunity'),
            pg_catalog.to_jsonb(l));
    end if;
end
$$;
