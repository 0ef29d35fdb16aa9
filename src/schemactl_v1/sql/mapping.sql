-- The row mapping V1 -> V2: what one V1 row becomes, or why it cannot be migrated.
-- One implementation, used by the bulk path of migrate-v1 (bulk.sql), by the per-row
-- sync of re-runs and dual-write triggers (apply.sql), and by parity (parity/*.sql).
-- These functions only read; writing is apply.sql's and bulk.sql's job.
--
-- Performance note: the small pure helpers are `language sql` without a SET clause so
-- that PostgreSQL inlines them into the calling query (a SET clause, or a body with a
-- FROM, makes every call re-plan the body: ~0.5 ms, minutes over 50k rows). Every name
-- in them is schema-qualified, and pg_catalog is searched first whatever search_path
-- is, so they do not depend on the caller's search_path. Everything else is plpgsql
-- with `set search_path = pg_catalog, pg_temp`, whose plans are cached per session.

-- Case-, accent- and white-space-insensitive key ("  Negociação " = "negociacao"), with
-- translate() because no contrib extension (unaccent) may be required (docs/design.md: Local
-- Postgres).
create or replace function migration.fold(p_text text)
returns text
language sql
immutable
parallel safe
as $$
    select pg_catalog.lower(pg_catalog.translate(
        pg_catalog.btrim(pg_catalog.regexp_replace(
            pg_catalog.normalize(p_text, 'NFC'), '\s+', ' ', 'g')),
        'ÀÁÂÃÄÅàáâãäåÈÉÊËèéêëÌÍÎÏìíîïÒÓÔÕÖòóôõöÙÚÛÜùúûüÇçÑñÝýÿ',
        'AAAAAAaaaaaaEEEEeeeeIIIIiiiiOOOOOoooooUUUUuuuuCcNnYyy'))
$$;

-- V1 timestamps have no zone: they are São Paulo wall-clock time.
create or replace function migration.v1_time(p_local timestamp)
returns timestamptz
language sql
immutable
parallel safe
as $$
    select p_local at time zone 'America/Sao_Paulo'
$$;

-- V1 status in Portuguese or English, any case -> open / won / lost; null when unknown.
create or replace function migration.normalize_status(p_status text)
returns text
language sql
immutable
parallel safe
as $$
    select case coalesce(migration.fold(p_status), '')
        when '' then 'open'
        when 'aberto' then 'open'
        when 'aberta' then 'open'
        when 'em aberto' then 'open'
        when 'open' then 'open'
        when 'ganho' then 'won'
        when 'ganha' then 'won'
        when 'won' then 'won'
        when 'perdido' then 'lost'
        when 'perdida' then 'lost'
        when 'lost' then 'lost'
    end
$$;

-- The CNPJ as V2 stores it when it is valid; null when missing or invalid.
create or replace function migration.valid_cnpj(p_cnpj text)
returns text
language sql
immutable
parallel safe
as $$
    select case when public.is_valid_cnpj(p_cnpj) then public.normalize_cnpj(p_cnpj) end
$$;

-- The addresses of a V1 email field ("a@x.com; B@y.com,bad"), split on `,` and `;`:
-- valid ones lower-cased and de-duplicated, invalid ones as written (trimmed), each with
-- its position in the field.
create or replace function migration.split_emails(p_emails text)
returns table (email text, is_valid boolean, ordinal integer)
language sql
immutable
parallel safe
as $$
    select item.email, item.is_valid,
        (pg_catalog.row_number() over (order by item.first_ordinal))::integer
    from (
        select
            case when part.is_valid then pg_catalog.lower(part.text) else part.text end
                as email,
            part.is_valid,
            pg_catalog.min(part.ordinal) as first_ordinal
        from (
            select
                pg_catalog.btrim(split.text, E' \t\r\n') as text,
                split.ordinal,
                pg_catalog.btrim(split.text, E' \t\r\n') ~* (
                    '^[a-z0-9!#$%&''*+/=?^_`{|}~-]+(\.[a-z0-9!#$%&''*+/=?^_`{|}~-]+)*'
                    '@([a-z0-9]([a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,}$'
                ) as is_valid
            from pg_catalog.regexp_split_to_table(p_emails, '[,;]')
                with ordinality as split (text, ordinal)
        ) as part
        where part.text <> ''
        group by 1, 2
    ) as item
$$;

-- The name of a contact made from a V1 address. V1 has no person names (a client's name is
-- its company, which becomes the organization), so the best source is the address's local
-- part: a `+tag` dropped, `.`, `_` and `-` read as spaces, each word capitalised
-- ("maria.souza+crm@x.com" -> "Maria Souza"). A local part without letters
-- ("1234@x.com") names nothing: the contact is then named after the whole address.
create or replace function migration.contact_name(p_email text)
returns text
language sql
immutable
parallel safe
as $$
    select case when words.text ~ '[[:alpha:]]' then pg_catalog.initcap(words.text)
        else p_email end
    from (
        select pg_catalog.btrim(pg_catalog.regexp_replace(
            pg_catalog.split_part(pg_catalog.split_part(p_email, '@', 1), '+', 1),
            '[._-]+', ' ', 'g')) as text
    ) as words
$$;

-- The settings of this migration (default owner for unknown V1 owners).
create or replace function migration.default_owner_id()
returns uuid
language plpgsql
stable
set search_path = pg_catalog, pg_temp
as $$
begin
    return (select s.default_owner_id from migration.v1_settings as s where s.id);
end
$$;

-- Everything deal_values looks up, read once per statement (not per row): the default
-- pipeline and its stages, loss reasons, sources and users, by folded name / lower-case
-- email, and the default owner. Raises when V2 lacks the seeded reference data. With
-- `p_owner_email` (the per-row path), only that user instead of all of them.
create or replace function migration.mapping_context(p_owner_email text default null)
returns jsonb
language plpgsql
stable
set search_path = pg_catalog, pg_temp
as $$
declare
    v_pipeline uuid;
    v_context jsonb;
begin
    select p.id into v_pipeline from public.pipelines as p where p.is_default;
    if v_pipeline is null then
        raise exception 'V2 has no default pipeline to put V1 opportunities in'
            using errcode = 'P0001',
            hint = 'run `schemactl seed`, or mark a pipeline is_default';
    end if;
    select pg_catalog.jsonb_build_object(
        'pipeline_id', v_pipeline,
        'first_stage_id', (
            select s.id from public.stages as s where s.pipeline_id = v_pipeline and s.is_active
            order by s.display_order, s.name limit 1),
        'stages', coalesce((
            select pg_catalog.jsonb_object_agg(x.key, x.id) from (
                select distinct on (migration.fold(s.name)) migration.fold(s.name) as key, s.id
                from public.stages as s where s.pipeline_id = v_pipeline and s.is_active
                order by migration.fold(s.name), s.display_order, s.name
            ) as x), '{}'),
        'loss_reasons', coalesce((
            select pg_catalog.jsonb_object_agg(x.key, x.id) from (
                select distinct on (migration.fold(r.name)) migration.fold(r.name) as key, r.id
                from public.loss_reasons as r
                order by migration.fold(r.name), r.is_active desc, r.display_order
            ) as x), '{}'),
        'other_loss_reason_id', (
            select r.id from public.loss_reasons as r where r.name = 'Outro'),
        'sources', coalesce((
            select pg_catalog.jsonb_object_agg(x.key, x.id) from (
                select distinct on (migration.fold(s.name)) migration.fold(s.name) as key, s.id
                from public.sources as s
                order by migration.fold(s.name), s.is_active desc, s.display_order
            ) as x), '{}'),
        'users', coalesce((
            select pg_catalog.jsonb_object_agg(pg_catalog.lower(u.email), u.id)
            from public.users as u
            where u.email is not null
                and (p_owner_email is null
                    or pg_catalog.lower(u.email)
                    = pg_catalog.lower(pg_catalog.btrim(p_owner_email)))), '{}'),
        'default_owner_id', migration.default_owner_id()
    ) into v_context;
    if v_context ->> 'first_stage_id' is null then
        raise exception 'the default pipeline has no active stage' using errcode = 'P0001',
            hint = 'run `schemactl seed`, or activate a stage of the default pipeline';
    end if;
    if v_context ->> 'other_loss_reason_id' is null then
        raise exception 'V2 has no loss reason ''Outro'' for V1 lost reasons it does not know'
            using errcode = 'P0001', hint = 'run `schemactl seed`';
    end if;
    return v_context;
end
$$;

-- A V1 amount as V2 stores it: cents, null -> 0. (Negative amounts never get here.)
create or replace function migration.v1_value(p_value numeric)
returns numeric
language sql
immutable
parallel safe
as $$
    select pg_catalog.round(coalesce(p_value, 0), 2)
$$;

-- What of a V1 client has no place in an organization's columns, or was changed on the
-- way: kept under custom_fields.v1 (docs/design.md: The V1 transition: lossy normalisations keep
-- the original).
create or replace function migration.client_originals(p_client v1.clients)
returns jsonb
language plpgsql
stable
set search_path = pg_catalog, pg_temp
as $$
declare
    v_kept jsonb := pg_catalog.jsonb_build_object('client_id', p_client.id);
    v_invalid jsonb;
begin
    if pg_catalog.btrim(coalesce(p_client.name, '')) = '' then
        v_kept := v_kept || pg_catalog.jsonb_build_object('name', p_client.name);
    end if;
    if pg_catalog.btrim(coalesce(p_client.cnpj, '')) <> ''
        and migration.valid_cnpj(p_client.cnpj) is null
    then
        v_kept := v_kept || pg_catalog.jsonb_build_object('cnpj', p_client.cnpj);
    end if;
    select pg_catalog.jsonb_agg(e.email order by e.ordinal) into v_invalid
    from migration.split_emails(p_client.email) as e
    where not e.is_valid;
    if v_invalid is not null then
        v_kept := v_kept || pg_catalog.jsonb_build_object(
            'email', p_client.email, 'invalid_emails', v_invalid);
    end if;
    if pg_catalog.btrim(coalesce(p_client.notes, '')) <> '' then
        v_kept := v_kept || pg_catalog.jsonb_build_object('notes', p_client.notes);
    end if;
    return v_kept;
end
$$;

-- The organization a V1 client becomes (when it is the client that creates it).
create or replace function migration.organization_values(p_client v1.clients)
returns table (
    name text,
    cnpj text,
    address jsonb,
    phones jsonb,
    created_at timestamptz,
    v1 jsonb
)
language sql
stable
as $$
    select
        coalesce(nullif(pg_catalog.btrim(p_client.name), ''), 'Cliente V1 #' || p_client.id),
        migration.valid_cnpj(p_client.cnpj),
        nullif(pg_catalog.jsonb_strip_nulls(pg_catalog.jsonb_build_object(
            'street', nullif(pg_catalog.btrim(p_client.address), ''),
            'city', nullif(pg_catalog.btrim(p_client.city), ''),
            'state', nullif(pg_catalog.btrim(p_client.state), ''))), '{}'),
        case when nullif(pg_catalog.btrim(p_client.phone), '') is null then '[]'::jsonb
            else pg_catalog.jsonb_build_array(pg_catalog.jsonb_build_object(
                'type', 'work', 'value', pg_catalog.btrim(p_client.phone), 'primary', true))
        end,
        coalesce(migration.v1_time(p_client.created_at), pg_catalog.now()),
        migration.client_originals(p_client)
$$;

-- custom_fields of an organization with V1 clients recorded as merged into it: the whole
-- V1 row of each, under v1.merged.<id> (nothing of a duplicate is lost). `p_clients`:
-- {"<id>": <row as jsonb>, ...}.
create or replace function migration.with_merged_clients(p_fields jsonb, p_clients jsonb)
returns jsonb
language sql
immutable
as $$
    select p_fields || pg_catalog.jsonb_build_object('v1',
        coalesce(p_fields -> 'v1', '{}')
        || pg_catalog.jsonb_build_object('merged',
            coalesce(p_fields -> 'v1' -> 'merged', '{}') || p_clients))
$$;

create or replace function migration.merged_entry(p_client v1.clients)
returns jsonb
language sql
immutable
as $$
    select pg_catalog.jsonb_build_object(p_client.id::text, pg_catalog.to_jsonb(p_client))
$$;

-- A deal may not be attached anew to an organization soft-deleted in V2 (V2 refuses the
-- link): the opportunity waits in the quarantine until the organization is restored.
-- Null when the organization is live (or none).
create or replace function migration.deleted_organization_problem(
    p_organization uuid, p_client_id integer
)
returns text
language sql
stable
as $$
    select pg_catalog.format(
        'organization %s of client %s was deleted in V2 (restore it to migrate this)',
        o.id, p_client_id)
    from public.organizations as o
    where o.id = p_organization and o.deleted_at is not null
$$;

-- What a V1 opportunity becomes as a deal, or `problem` (then it is quarantined).
-- Decisions (documented in docs/migration-v1.md):
--   status: ganho/ganha/won -> won, perdido/perdida/lost -> lost, aberto/aberta/open/null
--     -> open; anything else is quarantined.
--   value: null -> 0 (the original null kept); negative -> quarantined (a deal value is
--     >= 0 and zeroing it would make V1 and V2 totals disagree); rounded to cents (the
--     original kept when rounding changed it); beyond numeric(14,2) -> quarantined.
--   owner: owner_email -> users by email (case-insensitive); unknown or missing ->
--     --default-owner (original kept) or quarantined when there is none.
--   stage: by name among the active stages of the default pipeline, case/accent-
--     insensitive; unknown, inactive or missing -> its first active stage (original kept).
--   lost: loss reason by name, else 'Outro' with the V1 text in loss_note (and kept).
--   closed_at: V1 has no close date: updated_at, else created_at (won/lost only).
-- `p_attaching`: whether the deal gets organization `p_organization_id` anew (a new deal,
-- or a client changed): then an organization soft-deleted in V2 is a problem
-- (migration.deleted_organization_problem); a deal already on it stays.
drop function if exists migration.deal_values(v1.opportunities, uuid, jsonb);
create or replace function migration.deal_values(
    p_opportunity v1.opportunities, p_organization_id uuid, p_context jsonb,
    p_attaching boolean default true
)
returns table (
    problem text,
    title text,
    pipeline_id uuid,
    stage_id uuid,
    organization_id uuid,
    owner_id uuid,
    value numeric,
    probability integer,
    status text,
    expected_close_date date,
    closed_at timestamptz,
    loss_reason_id uuid,
    loss_note text,
    source_id uuid,
    stage_entered_at timestamptz,
    created_at timestamptz,
    updated_at timestamptz,
    custom_fields jsonb
)
language plpgsql
stable
set search_path = pg_catalog, pg_temp
as $$
declare
    o v1.opportunities := p_opportunity;
    v_problems text[] := '{}';
    v_kept jsonb := pg_catalog.jsonb_build_object('opportunity_id', o.id);
    v_owner_email text := nullif(pg_catalog.lower(pg_catalog.btrim(o.owner_email)), '');
    v_lost_reason text := nullif(pg_catalog.btrim(o.lost_reason), '');
    v_source text := nullif(pg_catalog.btrim(o.source), '');
begin
    status := migration.normalize_status(o.status);
    if status is null then
        v_problems := v_problems || pg_catalog.format('unknown status %L', o.status);
    end if;

    if o.value < 0 then
        v_problems := v_problems || pg_catalog.format('negative value %s', o.value);
    elsif migration.v1_value(o.value) >= 1e12 then
        v_problems := v_problems || pg_catalog.format(
            'value %s does not fit numeric(14,2)', o.value);
    else
        value := migration.v1_value(o.value);
        if o.value is null or value <> o.value then
            v_kept := v_kept || pg_catalog.jsonb_build_object('value', o.value);
        end if;
    end if;

    owner_id := (p_context -> 'users' ->> v_owner_email)::uuid;
    if owner_id is null then
        owner_id := (p_context ->> 'default_owner_id')::uuid;
        if owner_id is null then
            v_problems := v_problems || case when v_owner_email is null
                then 'no owner_email and no --default-owner'
                else pg_catalog.format('unknown owner %s and no --default-owner',
                    o.owner_email) end;
        else
            v_kept := v_kept || pg_catalog.jsonb_build_object('owner_email', o.owner_email);
        end if;
    end if;

    organization_id := p_organization_id;
    if o.client_id is not null and organization_id is null then
        v_problems := v_problems || pg_catalog.format('client %s is not migrated', o.client_id);
    elsif p_attaching
        and migration.deleted_organization_problem(organization_id, o.client_id) is not null
    then
        v_problems := v_problems
            || migration.deleted_organization_problem(organization_id, o.client_id);
    end if;

    if pg_catalog.cardinality(v_problems) > 0 then
        problem := pg_catalog.array_to_string(v_problems, '; ');
        return next;
        return;
    end if;

    pipeline_id := (p_context ->> 'pipeline_id')::uuid;
    stage_id := (p_context -> 'stages' ->> migration.fold(o.stage))::uuid;
    if stage_id is null then
        stage_id := (p_context ->> 'first_stage_id')::uuid;
        v_kept := v_kept || pg_catalog.jsonb_build_object('stage', o.stage);
    end if;

    title := pg_catalog.btrim(o.title);
    if pg_catalog.char_length(coalesce(title, '')) < 3 then
        title := 'Oportunidade V1 #' || o.id;
        v_kept := v_kept || pg_catalog.jsonb_build_object('title', o.title);
    end if;

    if o.probability between 0 and 100 then
        probability := o.probability;
    elsif o.probability is not null then
        v_kept := v_kept || pg_catalog.jsonb_build_object('probability', o.probability);
    end if;

    if status = 'lost' then
        loss_reason_id := (p_context -> 'loss_reasons' ->> migration.fold(v_lost_reason))::uuid;
        if loss_reason_id is null then
            loss_reason_id := (p_context ->> 'other_loss_reason_id')::uuid;
            loss_note := v_lost_reason;
            v_kept := v_kept || pg_catalog.jsonb_build_object('lost_reason', o.lost_reason);
        end if;
    elsif v_lost_reason is not null then
        v_kept := v_kept || pg_catalog.jsonb_build_object('lost_reason', o.lost_reason);
    end if;

    if v_source is not null then
        source_id := (p_context -> 'sources' ->> migration.fold(v_source))::uuid;
        if source_id is null then
            v_kept := v_kept || pg_catalog.jsonb_build_object('source', o.source);
        end if;
    end if;

    expected_close_date := o.expected_close;
    created_at := coalesce(migration.v1_time(o.created_at), pg_catalog.now());
    updated_at := coalesce(migration.v1_time(o.updated_at), created_at);
    stage_entered_at := updated_at;
    if status <> 'open' then
        closed_at := updated_at;
    end if;
    custom_fields := pg_catalog.jsonb_build_object('v1', v_kept);
    return next;
end
$$;

-- What a V1 opportunity_products row becomes as a deal line, or why it cannot be one.
create or replace function migration.line_values(p_line v1.opportunity_products)
returns table (
    problem text,
    product_key text,
    product_name text,
    quantity numeric,
    unit_price numeric,
    total numeric
)
language sql
immutable
as $$
    select
        nullif(pg_catalog.array_to_string(array[
            case when pg_catalog.btrim(coalesce(p_line.product_name, '')) = ''
                then 'no product_name' end,
            case when p_line.quantity is null then 'no quantity'
                when p_line.quantity <= 0
                then pg_catalog.format('quantity %s is not positive', p_line.quantity) end,
            case when p_line.unit_price is null then 'no unit_price'
                when p_line.unit_price < 0
                then pg_catalog.format('negative unit_price %s', p_line.unit_price)
                when pg_catalog.round(p_line.unit_price, 2) <> p_line.unit_price
                then pg_catalog.format('unit_price %s has fractions of a cent',
                    p_line.unit_price)
                when pg_catalog.round(p_line.quantity * p_line.unit_price, 2) >= 1e12
                then pg_catalog.format('line total %s does not fit numeric(14,2)',
                    p_line.quantity * p_line.unit_price) end
        ], '; '), ''),
        migration.fold(p_line.product_name),
        pg_catalog.btrim(p_line.product_name),
        p_line.quantity,
        p_line.unit_price,
        pg_catalog.round(p_line.quantity * p_line.unit_price, 2)
$$;

-- Whether the lines of a V1 opportunity can become the lines of its deal. In V2 a deal's
-- value is the sum of its lines, so lines are migrated only when they are all valid and
-- add up to the opportunity's value (then the deal keeps the V1 value, and revenue with
-- it); otherwise every line of it is quarantined with this reason (or its own) and the
-- deal carries the V1 value alone. Facts: the total of its valid lines, the number of
-- invalid ones, whether the opportunity is quarantined / migrated, its V1 value.
create or replace function migration.lines_problem(
    p_opportunity_id integer, p_lines_total numeric, p_invalid_lines bigint,
    p_quarantined boolean, p_migrated boolean, p_value numeric
)
returns text
language sql
immutable
as $$
    select case
        when p_opportunity_id is null then 'line has no opportunity'
        when p_quarantined
            then pg_catalog.format('opportunity %s is quarantined', p_opportunity_id)
        when not p_migrated
            then pg_catalog.format('opportunity %s is not migrated', p_opportunity_id)
        when p_invalid_lines > 0
            then pg_catalog.format('another line of opportunity %s is quarantined',
                p_opportunity_id)
        when migration.v1_value(p_value) <> p_lines_total
            then pg_catalog.format(
                'lines of opportunity %s total %s but its value is %s (a V2 deal''s value '
                'is the sum of its lines)', p_opportunity_id, p_lines_total,
                migration.v1_value(p_value))
    end
$$;

-- A deal whose lines V2 users changed by adding one (a line V1 did not bring) keeps its
-- lines and value: V1's lines of its opportunity wait in the quarantine with the reason
-- of migration.v2_lines_problem, and V1's value no longer applies (a V2 deal's value is
-- the sum of its lines). Removing the deal's lines in V2 hands them back to V1.
-- One row per such line; a view so that a lookup of one deal probes its index.
create or replace view migration.deal_lines_added_in_v2 as
select
    p.deal_id,
    p.id as line_id
from public.deal_products as p
where not exists (
    select from migration.v1_id_map as m
    where m.kind = 'opportunity_product' and m.v2_id = p.id
);

comment on view migration.deal_lines_added_in_v2 is
'Lines of deals that V1 did not bring (added in V2): such a deal keeps its lines and '
'value while V1 is mirrored.';

-- Null for a deal whose lines are all V1's (or no deal).
create or replace function migration.v2_lines_problem(p_deal uuid)
returns text
language sql
stable
as $$
    select pg_catalog.format(
        'deal %s has lines added in V2: it keeps its V2 lines and value (delete all its '
        'lines in V2, V1''s included, to take V1''s lines again)', p_deal)
    where exists (select from migration.deal_lines_added_in_v2 as a where a.deal_id = p_deal)
$$;

-- The same for one opportunity, reading the facts (per-row path).
create or replace function migration.opportunity_lines_problem(p_opportunity_id integer)
returns text
language plpgsql
stable
set search_path = pg_catalog, pg_temp
as $$
declare
    v_total numeric;
    v_invalid bigint;
begin
    select coalesce(pg_catalog.sum(lv.total) filter (where lv.problem is null), 0),
        pg_catalog.count(*) filter (where lv.problem is not null)
    into v_total, v_invalid
    from v1.opportunity_products as l
    cross join lateral migration.line_values(l) as lv
    where l.opportunity_id = p_opportunity_id;
    return migration.lines_problem(
        p_opportunity_id, v_total, v_invalid,
        exists (
            select from migration.v1_quarantine as q
            where q.kind = 'opportunity' and q.v1_id = p_opportunity_id),
        exists (
            select from migration.v1_id_map as m
            where m.kind = 'opportunity' and m.v1_id = p_opportunity_id),
        (select o.value from v1.opportunities as o where o.id = p_opportunity_id));
end
$$;

-- md5 of a V1 row as applied: a re-run re-applies the rows whose hash changed.
create or replace function migration.row_hash(p_row jsonb)
returns text
language sql
immutable
parallel safe
as $$
    select pg_catalog.md5(p_row::text)
$$;
