-- Applying the mapping of mapping.sql to one V1 row: insert, update or retire its V2 row
-- and keep migration.v1_id_map / v1_quarantine exact. Used by the dual-write triggers and
-- by re-runs of migrate-v1 for V1 rows that changed or disappeared since they were
-- applied (rows never applied go through the set-based bulk.sql, with the same mapping;
-- tests/v1/test_equivalence.py checks that both give the same V2). Each function is
-- idempotent: applying an unchanged row writes nothing.

create or replace function migration.quarantine(
    p_kind text, p_v1_id integer, p_reason text, p_row jsonb
)
returns void
language plpgsql
set search_path = pg_catalog, pg_temp
as $$
begin
    insert into migration.v1_quarantine as q (kind, v1_id, reason, row)
    values (p_kind, p_v1_id, p_reason, p_row)
    on conflict (kind, v1_id) do update
    set reason = excluded.reason, row = excluded.row, quarantined_at = pg_catalog.now()
    where (q.reason, q.row) is distinct from (excluded.reason, excluded.row);
end
$$;

create or replace function migration.release(p_kind text, p_v1_id integer)
returns void
language plpgsql
set search_path = pg_catalog, pg_temp
as $$
begin
    delete from migration.v1_quarantine as q where q.kind = p_kind and q.v1_id = p_v1_id;
end
$$;

-- custom_fields with custom_fields.v1 replaced by `p_kept`, keeping the clients merged
-- into the organization (v1.merged) and every key V2 users added.
create or replace function migration.with_v1(p_fields jsonb, p_kept jsonb)
returns jsonb
language sql
immutable
as $$
    select p_fields || pg_catalog.jsonb_build_object('v1', p_kept
        || case when p_fields -> 'v1' ? 'merged'
            then pg_catalog.jsonb_build_object('merged', p_fields -> 'v1' -> 'merged')
            else '{}' end)
$$;

create or replace function migration.without_merged_client(p_fields jsonb, p_client_id integer)
returns jsonb
language sql
immutable
as $$
    select p_fields #- array['v1', 'merged', p_client_id::text]
$$;

-- Write the fields of the organization that V1 client `p_client` created (its primary
-- client). A valid CNPJ that another organization holds by now is not written (the
-- original is kept with the id of that organization): merging after the fact is a
-- decision for a person, not for a trigger.
create or replace function migration.write_primary_client(p_org uuid, p_client v1.clients)
returns void
language plpgsql
set search_path = pg_catalog, pg_temp
as $$
declare
    v record;
    v_cnpj text;
    v_kept jsonb;
    v_taken uuid;
begin
    select * into v from migration.organization_values(p_client);
    v_cnpj := v.cnpj;
    v_kept := v.v1;
    if v_cnpj is not null then
        select o.id into v_taken from public.organizations as o
        where o.cnpj = v_cnpj and o.deleted_at is null and o.id <> p_org;
        if v_taken is not null then
            v_cnpj := null;
            v_kept := v_kept || pg_catalog.jsonb_build_object(
                'cnpj', p_client.cnpj, 'cnpj_used_by', v_taken);
        end if;
    end if;
    update public.organizations as o
    set name = v.name,
        cnpj = v_cnpj,
        address = v.address,
        phones = v.phones,
        custom_fields = migration.with_v1(o.custom_fields, v_kept)
    where o.id = p_org
        and (o.name, o.cnpj, o.address, o.phones, o.custom_fields)
        is distinct from (v.name, v_cnpj, v.address, v.phones,
            migration.with_v1(o.custom_fields, v_kept));
end
$$;

-- The contact for a valid, lower-cased address: the one V1 already gave it, else a V2
-- contact that has it, else a new one (named by migration.contact_name). Live contacts
-- only: one soft-deleted in V2 is not linked again (V2 refuses new links to it).
create or replace function migration.contact_for_email(p_email text, p_created_at timestamptz)
returns uuid
language plpgsql
set search_path = pg_catalog, pg_temp
as $$
declare
    v_id uuid;
begin
    select cm.contact_id into v_id from migration.v1_contact_map as cm
    join public.contacts as c on c.id = cm.contact_id and c.deleted_at is null
    where cm.email = p_email
    order by cm.client_id
    limit 1;
    if v_id is null then
        select c.id into v_id from public.contacts as c
        where c.emails @> pg_catalog.jsonb_build_array(
                pg_catalog.jsonb_build_object('value', p_email))
            and c.deleted_at is null
        order by c.created_at, c.id
        limit 1;
    end if;
    if v_id is null then
        insert into public.contacts (name, emails, owner_id, created_at, updated_at,
            custom_fields)
        values (
            migration.contact_name(p_email),
            pg_catalog.jsonb_build_array(pg_catalog.jsonb_build_object(
                'type', 'work', 'value', p_email, 'primary', true)),
            migration.default_owner_id(),
            p_created_at,
            p_created_at,
            pg_catalog.jsonb_build_object('v1', pg_catalog.jsonb_build_object('email', p_email))
        )
        returning id into v_id;
    end if;
    return v_id;
end
$$;

-- Client `p_client_id` no longer brings address `p_email`: unlink the contact from the
-- organization unless another client of it brings the same contact; a contact made from
-- V1 that is left with no client and no organization is soft-deleted.
create or replace function migration.unlink_contact(
    p_client_id integer, p_email text, p_contact uuid, p_org uuid
)
returns void
language plpgsql
set search_path = pg_catalog, pg_temp
as $$
begin
    delete from migration.v1_contact_map as cm
    where cm.client_id = p_client_id and cm.email = p_email;
    if not exists (
        select from migration.v1_contact_map as cm
        join migration.v1_id_map as m on m.kind = 'client' and m.v1_id = cm.client_id
        where cm.contact_id = p_contact and m.v2_id = p_org
    ) then
        delete from public.organization_contacts as oc
        where oc.organization_id = p_org and oc.contact_id = p_contact;
    end if;
    if not exists (select from migration.v1_contact_map as cm where cm.contact_id = p_contact)
        and not exists (
            select from public.organization_contacts as oc where oc.contact_id = p_contact)
    then
        update public.contacts as c set deleted_at = pg_catalog.now()
        where c.id = p_contact and c.deleted_at is null and c.custom_fields ? 'v1';
    end if;
end
$$;

-- Each valid address of the client -> a contact linked to its organization (unless V2
-- soft-deleted it); addresses no longer in the V1 field are unlinked. Returns whether a
-- link changed.
drop function if exists migration.sync_client_contacts(v1.clients, uuid);  -- returned void
create or replace function migration.sync_client_contacts(p_client v1.clients, p_org uuid)
returns boolean
language plpgsql
set search_path = pg_catalog, pg_temp
as $$
declare
    r record;
    v_contact uuid;
    v_created timestamptz := coalesce(migration.v1_time(p_client.created_at), pg_catalog.now());
    v_changed boolean := false;
    v_org_live boolean := exists (
        select from public.organizations as o where o.id = p_org and o.deleted_at is null);
begin
    for r in
        select cm.email, cm.contact_id from migration.v1_contact_map as cm
        where cm.client_id = p_client.id
            and not exists (
                select from migration.split_emails(p_client.email) as e
                where e.is_valid and e.email = cm.email)
    loop
        perform migration.unlink_contact(p_client.id, r.email, r.contact_id, p_org);
        v_changed := true;
    end loop;
    for r in
        select e.email from migration.split_emails(p_client.email) as e
        where e.is_valid
            and not exists (
                select from migration.v1_contact_map as cm
                where cm.client_id = p_client.id and cm.email = e.email)
        order by e.ordinal
    loop
        v_contact := migration.contact_for_email(r.email, v_created);
        insert into migration.v1_contact_map (client_id, email, contact_id)
        values (p_client.id, r.email, v_contact);
        -- an organization soft-deleted in V2 gets no new link (V2 refuses it)
        insert into public.organization_contacts (organization_id, contact_id, created_at,
            updated_at)
        select p_org, v_contact, v_created, v_created
        where v_org_live
        on conflict (organization_id, contact_id) do nothing;
        v_changed := true;
    end loop;
    return v_changed;
end
$$;

-- The live contacts of V1 client `p_client_id`, in the order of its addresses in V1.
-- PL/pgSQL so that the plan is kept across calls (each dual-write calls it).
create or replace function migration.client_contact_ids(p_client_id integer)
returns uuid[]
language plpgsql
stable
set search_path = pg_catalog, pg_temp
as $$
begin
    return (
        select coalesce(pg_catalog.array_agg(x.contact_id order by x.first_ordinal), '{}')
        from (
            select cm.contact_id, pg_catalog.min(e.ordinal) as first_ordinal
            from v1.clients as c
            cross join lateral migration.split_emails(c.email) as e
            join migration.v1_contact_map as cm on cm.client_id = c.id and cm.email = e.email
            join public.contacts as ct on ct.id = cm.contact_id and ct.deleted_at is null
            where c.id = p_client_id and e.is_valid
            group by cm.contact_id
        ) as x);
end
$$;

-- A deal's contact_ids: `p_from_v1` (the contacts of its V1 client, in V1's order), then
-- the contacts V2 users added (in their order): the ones V1 gave it before
-- (migration.v1_deal_contacts) and no longer gives are dropped. `p_current`: the deal's
-- contact_ids now.
create or replace function migration.deal_contact_ids(
    p_deal uuid, p_current uuid[], p_from_v1 uuid[]
)
returns uuid[]
language plpgsql
stable
set search_path = pg_catalog, pg_temp
as $$
begin
    if p_current = '{}' then
        return p_from_v1;
    end if;
    return p_from_v1 || array(
        select k.id from pg_catalog.unnest(p_current) with ordinality as k (id, n)
        where k.id <> all(p_from_v1)
            and not exists (
                select from migration.v1_deal_contacts as x
                where x.deal_id = p_deal and x.contact_id = k.id)
        order by k.n);
end
$$;

-- Remember which contacts of the deal came from V1 (after its contact_ids were written).
create or replace function migration.remember_deal_contacts(p_deal uuid, p_from_v1 uuid[])
returns void
language plpgsql
set search_path = pg_catalog, pg_temp
as $$
begin
    delete from migration.v1_deal_contacts as x
    where x.deal_id = p_deal and x.contact_id <> all(p_from_v1);
    insert into migration.v1_deal_contacts (deal_id, contact_id)
    select p_deal, k.id from pg_catalog.unnest(p_from_v1) as k (id)
    on conflict (deal_id, contact_id) do nothing;
end
$$;

-- The deal of an opportunity of client `p_client_id` after the client's contacts changed.
create or replace function migration.sync_deal_contacts(p_deal uuid, p_client_id integer)
returns void
language plpgsql
set search_path = pg_catalog, pg_temp
as $$
declare
    v_from_v1 uuid[] := migration.client_contact_ids(p_client_id);
begin
    update public.deals as d
    set contact_ids = migration.deal_contact_ids(p_deal, d.contact_ids, v_from_v1)
    where d.id = p_deal
        and d.contact_ids
        is distinct from migration.deal_contact_ids(p_deal, d.contact_ids, v_from_v1);
    perform migration.remember_deal_contacts(p_deal, v_from_v1);
end
$$;

-- Apply one existing V1 client. Returns 'migrated' (created its organization), 'merged'
-- (joined the organization that has its valid CNPJ), 'updated' or 'unchanged'.
create or replace function migration.apply_client(p_client v1.clients)
returns text
language plpgsql
set search_path = pg_catalog, pg_temp
as $$
declare
    v_map migration.v1_id_map;
    v record;
    v_org uuid;
    v_hash text := migration.row_hash(pg_catalog.to_jsonb(p_client));
    v_result text;
begin
    select * into v_map from migration.v1_id_map as m
    where m.kind = 'client' and m.v1_id = p_client.id;
    if v_map.v2_id is null then
        select * into v from migration.organization_values(p_client);
        if v.cnpj is not null then
            select o.id into v_org from public.organizations as o
            where o.cnpj = v.cnpj and o.deleted_at is null;
        end if;
        if v_org is not null then
            update public.organizations as o
            set custom_fields = migration.with_merged_clients(o.custom_fields, migration.merged_entry(p_client))
            where o.id = v_org;
            v_result := 'merged';
        else
            insert into public.organizations (name, cnpj, address, phones, owner_id,
                created_at, updated_at, custom_fields)
            values (v.name, v.cnpj, v.address, v.phones, migration.default_owner_id(),
                v.created_at, v.created_at, pg_catalog.jsonb_build_object('v1', v.v1))
            returning id into v_org;
            v_result := 'migrated';
        end if;
        insert into migration.v1_id_map (kind, v1_id, v2_id, merged, v1_hash)
        values ('client', p_client.id, v_org, v_result = 'merged', v_hash);
        perform migration.release('client', p_client.id);
    elsif v_map.v1_hash = v_hash then
        return 'unchanged';
    else
        v_org := v_map.v2_id;
        if v_map.merged then
            update public.organizations as o
            set custom_fields = migration.with_merged_clients(o.custom_fields, migration.merged_entry(p_client))
            where o.id = v_org;
        else
            perform migration.write_primary_client(v_org, p_client);
        end if;
        update migration.v1_id_map as m set v1_hash = v_hash
        where m.kind = 'client' and m.v1_id = p_client.id;
        perform migration.release('client', p_client.id);
        v_result := 'updated';
    end if;
    if migration.sync_client_contacts(p_client, v_org) then
        -- the deals of its opportunities follow (V1 has no index on client_id: only here)
        perform migration.sync_deal_contacts(m.v2_id, p_client.id)
        from v1.opportunities as o
        join migration.v1_id_map as m on m.kind = 'opportunity' and m.v1_id = o.id
        where o.client_id = p_client.id;
    end if;
    return v_result;
end
$$;

-- Apply V1 client `p_client_id` as it is now, including its deletion: its contacts are
-- unlinked; a merged client leaves the organization's v1.merged; when the client that
-- created the organization goes, the next merged client (lowest id) takes its place, or
-- the organization is soft-deleted when none is left. Returns apply_client's result,
-- 'removed' or 'absent'.
create or replace function migration.sync_client(p_client_id integer)
returns text
language plpgsql
set search_path = pg_catalog, pg_temp
as $$
declare
    v_client v1.clients;
    v_map migration.v1_id_map;
    v_next v1.clients;
    r record;
begin
    select * into v_client from v1.clients as c where c.id = p_client_id;
    if v_client.id is not null then
        return migration.apply_client(v_client);
    end if;
    perform migration.release('client', p_client_id);
    select * into v_map from migration.v1_id_map as m
    where m.kind = 'client' and m.v1_id = p_client_id;
    if v_map.v2_id is null then
        return 'absent';
    end if;
    for r in
        select cm.email, cm.contact_id from migration.v1_contact_map as cm
        where cm.client_id = p_client_id
    loop
        perform migration.unlink_contact(p_client_id, r.email, r.contact_id, v_map.v2_id);
    end loop;
    delete from migration.v1_id_map as m where m.kind = 'client' and m.v1_id = p_client_id;
    if v_map.merged then
        update public.organizations as o
        set custom_fields = migration.without_merged_client(o.custom_fields, p_client_id)
        where o.id = v_map.v2_id;
        return 'removed';
    end if;
    select c.* into v_next from migration.v1_id_map as m
    join v1.clients as c on c.id = m.v1_id
    where m.kind = 'client' and m.v2_id = v_map.v2_id
    order by c.id
    limit 1;
    if v_next.id is not null then
        update migration.v1_id_map as m set merged = false
        where m.kind = 'client' and m.v1_id = v_next.id;
        update public.organizations as o
        set custom_fields = migration.without_merged_client(o.custom_fields, v_next.id)
        where o.id = v_map.v2_id;
        perform migration.write_primary_client(v_map.v2_id, v_next);
    else
        update public.organizations as o set deleted_at = pg_catalog.now()
        where o.id = v_map.v2_id and o.deleted_at is null;
    end if;
    return 'removed';
end
$$;

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
