-- Applying the mapping (mapping.sql, mapping_deals.sql) to one V1 row: insert, update or
-- retire its V2 row and keep migration.v1_id_map / v1_quarantine exact. Used by the
-- dual-write triggers and by re-runs of migrate-v1 for V1 rows that changed or
-- disappeared since they were applied (rows never applied go through the set-based
-- bulk.sql, with the same mapping; tests/v1/test_equivalence.py checks that both give the
-- same V2). Each function is idempotent: applying an unchanged row writes nothing.
-- This file: the books (quarantine, release), clients, their contacts and the contacts
-- of their deals; apply_deals.sql: opportunities and their lines.

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
    v_contacts uuid[];
begin
    select migration.deal_contact_ids(p_deal, d.contact_ids, v_from_v1) into v_contacts
    from public.deals as d
    where d.id = p_deal;
    update public.deals as d set contact_ids = v_contacts
    where d.id = p_deal and d.contact_ids is distinct from v_contacts;
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
