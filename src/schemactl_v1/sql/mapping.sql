-- The row mapping V1 -> V2: what one V1 row becomes, or why it cannot be migrated.
-- One implementation, used by the bulk path of migrate-v1 (bulk.sql), by the per-row
-- sync of re-runs and dual-write triggers (apply_clients.sql, apply_deals.sql), and by
-- parity (parity/*.sql). This file: the shared helpers, clients and organizations;
-- mapping_deals.sql: opportunities and lines. These functions only read; writing is the
-- apply files' and bulk.sql's job.
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

-- md5 of a V1 row as applied: a re-run re-applies the rows whose hash changed.
create or replace function migration.row_hash(p_row jsonb)
returns text
language sql
immutable
parallel safe
as $$
    select pg_catalog.md5(p_row::text)
$$;
