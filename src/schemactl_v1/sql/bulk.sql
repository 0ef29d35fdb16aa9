-- The bulk path of migrate-v1: V1 rows never applied before, set-based, through the same
-- mapping functions (mapping.sql, mapping_deals.sql) as the per-row path
-- (apply_clients.sql, apply_deals.sql).
--
-- "Not applied yet" is tested with `not exists (… offset 0)`: the OFFSET keeps it a
-- per-row probe of v1_id_map's primary key. Inside the migration's one transaction the
-- statistics of v1_id_map lag behind its rows, and a planned anti join then rescans the
-- whole map for every V1 row (minutes at 50k opportunities).
-- Rows applied before are re-applied by `migration.resync_*` (per row, through the apply
-- files) only when they changed or disappeared, so a second run with nothing new writes
-- nothing.

-- New clients with ids in [p_from, p_to], set-based, with the rules of apply_client
-- (apply_clients.sql) for a single row: a client whose valid CNPJ an organization already has
-- joins it (merged); of the rest, the lowest id of each CNPJ (and every client without a
-- valid CNPJ) creates an organization from migration.organization_values and the others
-- with that CNPJ join it. Then each valid address -> a contact (the one V1 already gave
-- it, else a V2 contact that has it, else a new one) linked to the organization.
create or replace function migration.migrate_clients(p_from integer, p_to integer)
returns table (result text, rows bigint)
language plpgsql
set search_path = pg_catalog, pg_temp
as $$
declare
    v_owner uuid := migration.default_owner_id();
begin
    drop table if exists pg_temp.v1_pending_clients;
    create temporary table v1_pending_clients on commit drop as
    select c.id, c as client, migration.valid_cnpj(c.cnpj) as cnpj, null::uuid as org_id,
        false as merged
    from v1.clients as c
    where c.id between p_from and p_to
        and not exists (
            select from migration.v1_id_map as m
            where m.kind = 'client' and m.v1_id = c.id
            offset 0);
    analyze pg_temp.v1_pending_clients;

    update pg_temp.v1_pending_clients as p set org_id = o.id, merged = true
    from public.organizations as o
    where o.cnpj = p.cnpj and o.deleted_at is null;

    update pg_temp.v1_pending_clients as p set org_id = pg_catalog.gen_random_uuid()
    from (
        select pg_catalog.min(x.id) as id from pg_temp.v1_pending_clients as x
        where x.org_id is null
        group by coalesce(x.cnpj, x.id::text)
    ) as f
    where p.id = f.id;

    update pg_temp.v1_pending_clients as p set org_id = f.org_id, merged = true
    from pg_temp.v1_pending_clients as f
    where p.org_id is null and f.cnpj = p.cnpj and f.org_id is not null and not f.merged;

    insert into public.organizations (id, name, cnpj, address, phones, owner_id, created_at,
        updated_at, custom_fields)
    select p.org_id, v.name, v.cnpj, v.address, v.phones, v_owner, v.created_at,
        v.created_at, pg_catalog.jsonb_build_object('v1', v.v1)
    from pg_temp.v1_pending_clients as p
    cross join lateral migration.organization_values(p.client) as v
    where not p.merged
    order by p.id;

    update public.organizations as o
    set custom_fields = migration.with_merged_clients(o.custom_fields, m.clients)
    from (
        select p.org_id, pg_catalog.jsonb_object_agg(p.id::text, pg_catalog.to_jsonb(p.client))
            as clients
        from pg_temp.v1_pending_clients as p
        where p.merged
        group by p.org_id
    ) as m
    where o.id = m.org_id;

    insert into migration.v1_id_map (kind, v1_id, v2_id, merged, v1_hash)
    select 'client', p.id, p.org_id, p.merged,
        migration.row_hash(pg_catalog.to_jsonb(p.client))
    from pg_temp.v1_pending_clients as p;

    drop table if exists pg_temp.v1_pending_emails;
    create temporary table v1_pending_emails on commit drop as
    select p.id as client_id, p.org_id, e.email, e.ordinal,
        coalesce(migration.v1_time((p.client).created_at), pg_catalog.now()) as created_at,
        null::uuid as contact_id
    from pg_temp.v1_pending_clients as p
    cross join lateral migration.split_emails((p.client).email) as e
    where e.is_valid;
    analyze pg_temp.v1_pending_emails;

    -- The contact of each address: the one V1 already gave it, else the oldest live V2
    -- contact that has it (as migration.contact_for_email, but joined, not looked up per
    -- address: inside this transaction the planner's statistics predate the new rows).
    drop table if exists pg_temp.v1_pending_contacts;
    create temporary table v1_pending_contacts on commit drop as
    select a.email, a.created_at, coalesce(known.contact_id, existing.contact_id) as contact_id,
        false as is_new
    from (
        select e.email, pg_catalog.min(e.created_at) as created_at
        from pg_temp.v1_pending_emails as e
        group by e.email
    ) as a
    left join (
        select distinct on (cm.email) cm.email, cm.contact_id
        from migration.v1_contact_map as cm
        join public.contacts as c on c.id = cm.contact_id and c.deleted_at is null
        where cm.email in (select e.email from pg_temp.v1_pending_emails as e)
        order by cm.email, cm.client_id
    ) as known on known.email = a.email
    left join (
        select distinct on (item.element ->> 'value') item.element ->> 'value' as email,
            c.id as contact_id
        from public.contacts as c
        cross join lateral pg_catalog.jsonb_array_elements(c.emails) as item (element)
        where c.deleted_at is null
            and item.element ->> 'value' in (select e.email from pg_temp.v1_pending_emails as e)
        order by item.element ->> 'value', c.created_at, c.id
    ) as existing on existing.email = a.email;

    update pg_temp.v1_pending_contacts as a
    set contact_id = pg_catalog.gen_random_uuid(), is_new = true
    where a.contact_id is null;
    analyze pg_temp.v1_pending_contacts;

    insert into public.contacts (id, name, emails, owner_id, created_at, updated_at,
        custom_fields)
    select a.contact_id, migration.contact_name(a.email),
        pg_catalog.jsonb_build_array(pg_catalog.jsonb_build_object(
            'type', 'work', 'value', a.email, 'primary', true)),
        v_owner, a.created_at, a.created_at,
        pg_catalog.jsonb_build_object('v1', pg_catalog.jsonb_build_object('email', a.email))
    from pg_temp.v1_pending_contacts as a
    where a.is_new
    order by a.email;

    insert into migration.v1_contact_map (client_id, email, contact_id)
    select e.client_id, e.email, a.contact_id
    from pg_temp.v1_pending_emails as e
    join pg_temp.v1_pending_contacts as a on a.email = e.email;

    insert into public.organization_contacts (organization_id, contact_id, created_at,
        updated_at)
    select l.org_id, l.contact_id, l.created_at, l.created_at
    from (
        select e.org_id, a.contact_id, pg_catalog.min(e.created_at) as created_at
        from pg_temp.v1_pending_emails as e
        join pg_temp.v1_pending_contacts as a on a.email = e.email
        group by e.org_id, a.contact_id
    ) as l
    order by l.org_id, l.contact_id
    on conflict (organization_id, contact_id) do nothing;

    return query
    select case when p.merged then 'merged' else 'migrated' end, pg_catalog.count(*)
    from pg_temp.v1_pending_clients as p
    group by 1;
end
$$;

-- New opportunities with ids in [p_from, p_to]: one INSERT of deals (contact_ids: the
-- contacts of the client, migration.client_contact_ids), one of the map, one of the deals'
-- V1 contacts, one upsert of the quarantine.
create or replace function migration.migrate_opportunities(p_from integer, p_to integer)
returns table (result text, rows bigint)
language sql
set search_path = pg_catalog, pg_temp
as $$
    with context as materialized (
        select migration.mapping_context() as lookups
    ),
    pending as materialized (
        select o.id as v1_id, pg_catalog.gen_random_uuid() as deal_id,
            pg_catalog.to_jsonb(o) as v1_row, o.client_id as v1_client_id, d.*
        from v1.opportunities as o
        cross join context
        left join migration.v1_id_map as cm on cm.kind = 'client' and cm.v1_id = o.client_id
        cross join lateral migration.deal_values(o, cm.v2_id, context.lookups) as d
        where o.id between p_from and p_to
            and not exists (
                select from migration.v1_id_map as m
                where m.kind = 'opportunity' and m.v1_id = o.id
                offset 0)
    ),
    -- once per client of the new deals (a rerun with nothing new computes none)
    client_contacts as materialized (
        select c.client_id, migration.client_contact_ids(c.client_id) as contact_ids
        from (
            select distinct p.v1_client_id as client_id from pending as p
            where p.problem is null and p.v1_client_id is not null
        ) as c
    ),
    quarantined as (
        insert into migration.v1_quarantine as q (kind, v1_id, reason, row)
        select 'opportunity', p.v1_id, p.problem, p.v1_row
        from pending as p
        where p.problem is not null
        on conflict (kind, v1_id) do update
        set reason = excluded.reason, row = excluded.row, quarantined_at = pg_catalog.now()
        where (q.reason, q.row) is distinct from (excluded.reason, excluded.row)
    ),
    inserted as (
        insert into public.deals (id, title, pipeline_id, stage_id, organization_id,
            owner_id, value, probability, status, expected_close_date, closed_at,
            loss_reason_id, loss_note, source_id, stage_entered_at, created_at, updated_at,
            custom_fields, contact_ids)
        select p.deal_id, p.title, p.pipeline_id, p.stage_id, p.organization_id, p.owner_id,
            p.value, p.probability, p.status, p.expected_close_date, p.closed_at,
            p.loss_reason_id, p.loss_note, p.source_id, p.stage_entered_at, p.created_at,
            p.updated_at, p.custom_fields, coalesce(cc.contact_ids, '{}')
        from pending as p
        left join client_contacts as cc on cc.client_id = p.v1_client_id
        where p.problem is null
        order by p.v1_id
    ),
    contacts as (
        insert into migration.v1_deal_contacts (deal_id, contact_id)
        select p.deal_id, k.id
        from pending as p
        join client_contacts as cc on cc.client_id = p.v1_client_id
        cross join lateral pg_catalog.unnest(cc.contact_ids) as k (id)
        where p.problem is null
    ),
    mapped as (
        insert into migration.v1_id_map (kind, v1_id, v2_id, v1_hash)
        select 'opportunity', p.v1_id, p.deal_id, migration.row_hash(p.v1_row)
        from pending as p
        where p.problem is null
    ),
    released as (
        delete from migration.v1_quarantine as q
        using pending as p
        where q.kind = 'opportunity' and q.v1_id = p.v1_id and p.problem is null
    )
    select case when p.problem is null then 'migrated' else 'quarantined' end,
        pg_catalog.count(*)
    from pending as p
    group by 1
$$;

-- New lines of opportunities with ids in [p_from, p_to] (null bounds: orphan lines)
-- whose deal has no V1 lines yet (others go through sync_opportunity_lines). Lines of a
-- deal are inserted by one statement, so its value is recomputed from complete lines.
create or replace function migration.migrate_lines(p_from integer, p_to integer)
returns table (result text, rows bigint)
language plpgsql
set search_path = pg_catalog, pg_temp
as $$
begin
    drop table if exists pg_temp.v1_pending_lines;
    create temporary table v1_pending_lines on commit drop as
    with lines as (
        -- each line with the facts of its opportunity's whole set of lines (window
        -- aggregates: no join, whatever the planner believes about the row counts)
        select l.id, l.opportunity_id, pg_catalog.to_jsonb(l) as v1_row, lv.*,
            coalesce(pg_catalog.sum(lv.total) filter (where lv.problem is null)
                over (partition by l.opportunity_id), 0) as lines_total,
            pg_catalog.count(*) filter (where lv.problem is not null)
                over (partition by l.opportunity_id) as invalid_lines
        from v1.opportunity_products as l
        cross join lateral migration.line_values(l) as lv
        where (p_from is null and l.opportunity_id is null)
            or l.opportunity_id between p_from and p_to
    )
    select lines.*, m.v2_id as deal_id, pg_catalog.gen_random_uuid() as line_id,
        coalesce(lines.problem,
            -- (any line of a deal without V1 lines is a V2 line; the probe keeps the
            -- function call off the common path)
            case when exists (select from public.deal_products as p where p.deal_id = m.v2_id)
                then migration.v2_lines_problem(m.v2_id) end,
            migration.lines_problem(lines.opportunity_id, lines.lines_total,
                lines.invalid_lines, q.v1_id is not null, m.v1_id is not null,
                o.value)) as reason
    from lines
    left join migration.v1_quarantine as q
        on q.kind = 'opportunity' and q.v1_id = lines.opportunity_id
    left join migration.v1_id_map as m
        on m.kind = 'opportunity' and m.v1_id = lines.opportunity_id
    left join v1.opportunities as o on o.id = lines.opportunity_id
    where not exists (
            select from migration.v1_id_map as x
            where x.kind = 'opportunity_product' and x.v1_id = lines.id
            offset 0)
        and not exists (
            select from public.deal_products as p
            join migration.v1_id_map as x on x.kind = 'opportunity_product' and x.v2_id = p.id
            where p.deal_id = m.v2_id
            offset 0);
    analyze pg_temp.v1_pending_lines;

    -- Products for new names, each named with its most frequent V1 spelling.
    if exists (
        select from pg_temp.v1_pending_lines as p
        where p.reason is null
            and not exists (
                select from migration.v1_product_map as pm where pm.name_key = p.product_key))
    then
        perform migration.product_id_for(n.key, n.name)
        from (
            select distinct on (spelling.key) spelling.key, spelling.name
            from (
                select migration.fold(l.product_name) as key, pg_catalog.btrim(l.product_name)
                    as name, pg_catalog.count(*) as uses, pg_catalog.min(l.id) as first_line
                from v1.opportunity_products as l
                where migration.fold(l.product_name) in (
                    select p.product_key from pg_temp.v1_pending_lines as p
                    where p.reason is null
                        and not exists (
                            select from migration.v1_product_map as pm
                            where pm.name_key = p.product_key))
                group by 1, 2
            ) as spelling
            order by spelling.key, spelling.uses desc, spelling.first_line
        ) as n;
    end if;

    insert into public.deal_products (id, deal_id, product_id, quantity, unit_price,
        created_at, updated_at)
    select p.line_id, p.deal_id, pm.product_id, p.quantity, p.unit_price, d.created_at,
        d.created_at
    from pg_temp.v1_pending_lines as p
    join migration.v1_product_map as pm on pm.name_key = p.product_key
    join public.deals as d on d.id = p.deal_id
    where p.reason is null
    order by p.deal_id, p.id;

    insert into migration.v1_id_map (kind, v1_id, v2_id, v1_hash)
    select 'opportunity_product', p.id, p.line_id, migration.row_hash(p.v1_row)
    from pg_temp.v1_pending_lines as p
    where p.reason is null;

    delete from migration.v1_quarantine as q
    using pg_temp.v1_pending_lines as p
    where q.kind = 'opportunity_product' and q.v1_id = p.id and p.reason is null;

    insert into migration.v1_quarantine as q (kind, v1_id, reason, row)
    select 'opportunity_product', p.id, p.reason, p.v1_row
    from pg_temp.v1_pending_lines as p
    where p.reason is not null
    on conflict (kind, v1_id) do update
    set reason = excluded.reason, row = excluded.row, quarantined_at = pg_catalog.now()
    where (q.reason, q.row) is distinct from (excluded.reason, excluded.row);

    return query
    select case when p.reason is null then 'migrated' else 'quarantined' end,
        pg_catalog.count(*)
    from pg_temp.v1_pending_lines as p
    group by 1;
end
$$;

-- V1 rows applied before that changed since (hash) or disappeared, and quarantined rows
-- that disappeared: re-applied per row through the apply files. Returns the results by kind.
create or replace function migration.resync_clients()
returns table (result text, rows bigint)
language sql
set search_path = pg_catalog, pg_temp
as $$
    with changed as (
        select m.v1_id from migration.v1_id_map as m
        left join v1.clients as c on c.id = m.v1_id
        where m.kind = 'client'
            and (c.id is null
                or m.v1_hash <> migration.row_hash(pg_catalog.to_jsonb(c)))
        union
        select q.v1_id from migration.v1_quarantine as q
        where q.kind = 'client'
            and not exists (select from v1.clients as c where c.id = q.v1_id)
    ),
    applied as (
        select migration.sync_client(changed.v1_id) as result
        from (select changed.v1_id from changed order by changed.v1_id) as changed
    )
    select applied.result, pg_catalog.count(*) from applied group by applied.result
$$;

create or replace function migration.resync_opportunities()
returns table (result text, rows bigint)
language sql
set search_path = pg_catalog, pg_temp
as $$
    with changed as (
        select m.v1_id from migration.v1_id_map as m
        left join v1.opportunities as o on o.id = m.v1_id
        where m.kind = 'opportunity'
            and (o.id is null
                or m.v1_hash <> migration.row_hash(pg_catalog.to_jsonb(o)))
        union
        select q.v1_id from migration.v1_quarantine as q
        where q.kind = 'opportunity'
            and not exists (select from v1.opportunities as o where o.id = q.v1_id)
    ),
    applied as (
        select migration.sync_opportunity(changed.v1_id) as result
        from (select changed.v1_id from changed order by changed.v1_id) as changed
    )
    select applied.result, pg_catalog.count(*) from applied group by applied.result
$$;

-- Deals migrated before their contacts were taken from V1 (no row in v1_deal_contacts
-- while their client has contacts): contact_ids filled as a change of V1 would. Returns
-- how many deals it looked at.
create or replace function migration.resync_deal_contacts()
returns bigint
language plpgsql
set search_path = pg_catalog, pg_temp
as $$
declare
    r record;
    v_count bigint := 0;
begin
    for r in
        select m.v2_id as deal_id, o.client_id
        from migration.v1_id_map as m
        join v1.opportunities as o on o.id = m.v1_id
        where m.kind = 'opportunity'
            and exists (select from migration.v1_contact_map as cm where cm.client_id = o.client_id)
            and not exists (select from migration.v1_deal_contacts as x where x.deal_id = m.v2_id)
        order by m.v1_id
    loop
        perform migration.sync_deal_contacts(r.deal_id, r.client_id);
        v_count := v_count + 1;
    end loop;
    return v_count;
end
$$;

-- Opportunities whose deal has V1 lines and whose V1 lines changed, disappeared or grew:
-- their lines are brought in line per opportunity. Returns the number of V1 lines of the
-- opportunities it re-applied.
create or replace function migration.resync_lines()
returns table (result text, rows bigint)
language plpgsql
set search_path = pg_catalog, pg_temp
as $$
declare
    v_opportunity integer;
    v_count bigint := 0;
begin
    for v_opportunity in
        -- the V1 opportunity of each mapped line whose V1 row changed or went away
        select om.v1_id
        from migration.v1_id_map as m
        join public.deal_products as p on p.id = m.v2_id
        join migration.v1_id_map as om on om.kind = 'opportunity' and om.v2_id = p.deal_id
        left join v1.opportunity_products as l on l.id = m.v1_id
        where m.kind = 'opportunity_product'
            and (l.id is null
                or l.opportunity_id is distinct from om.v1_id
                or m.v1_hash <> migration.row_hash(pg_catalog.to_jsonb(l)))
        union
        -- the opportunity a mapped line moved to (its lines are brought in line too)
        select l.opportunity_id
        from migration.v1_id_map as m
        join public.deal_products as p on p.id = m.v2_id
        join migration.v1_id_map as om on om.kind = 'opportunity' and om.v2_id = p.deal_id
        join v1.opportunity_products as l on l.id = m.v1_id
        where m.kind = 'opportunity_product'
            and l.opportunity_id is distinct from om.v1_id
            and l.opportunity_id is not null
        union
        -- new V1 lines of an opportunity whose deal already has V1 lines
        select l.opportunity_id
        from v1.opportunity_products as l
        join migration.v1_id_map as om on om.kind = 'opportunity' and om.v1_id = l.opportunity_id
        where not exists (
                select from migration.v1_id_map as m
                where m.kind = 'opportunity_product' and m.v1_id = l.id)
            and exists (
                select from migration.v1_id_map as m
                join public.deal_products as p on p.id = m.v2_id
                where m.kind = 'opportunity_product' and p.deal_id = om.v2_id)
        order by 1
    loop
        perform migration.sync_opportunity_lines(v_opportunity);
        v_count := v_count + (
            select pg_catalog.count(*) from v1.opportunity_products as l
            where l.opportunity_id = v_opportunity);
    end loop;
    delete from migration.v1_quarantine as q
    where q.kind = 'opportunity_product'
        and not exists (select from v1.opportunity_products as l where l.id = q.v1_id);
    if v_count > 0 then
        return query select 'updated'::text, v_count;
    end if;
end
$$;
