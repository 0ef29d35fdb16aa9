-- The row mapping V1 -> V2 for opportunities and their lines (mapping.sql: the shared
-- helpers, clients and organizations): what one V1 opportunity or line becomes, or why it
-- cannot be migrated. Used by the bulk path (bulk.sql), by the per-row sync of re-runs
-- and dual-write (apply_deals.sql), and by parity (parity/*.sql). Read only.

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
    v_organization_problem text;
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
    elsif p_attaching then
        v_organization_problem :=
            migration.deleted_organization_problem(organization_id, o.client_id);
        if v_organization_problem is not null then
            v_problems := v_problems || v_organization_problem;
        end if;
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
