-- Schema `migration`: the bookkeeping of the V1 -> V2 migration (docs/design.md: The V1
-- transition). Created by `schemactl migrate-v1` / `dual-write enable`, not declared under schema/:
-- it is transitional data of one data owner's migration, dropped after the cutover, and must not
-- show up in build, diff, drift or the generated types. Not exposed to the Data API:
-- PostgREST serves `public` only, and no API role gets USAGE on this schema.
-- Idempotent: every statement can run again on an installed schema.

create schema if not exists migration;

comment on schema migration is
    'V1 -> V2 migration bookkeeping (schemactl migrate-v1): id map, quarantine, mapping '
    'functions and dual-write triggers. Not exposed to the API.';

revoke all on schema migration from public;

-- One row per V1 row that lives in V2: clients -> organizations (several clients with
-- the same valid CNPJ share one; `merged` marks those that did not create it),
-- opportunities -> deals, opportunity_products -> deal_products. `v1_hash` is the md5 of
-- the V1 row as last applied: a re-run re-applies exactly the rows whose hash changed.
create table if not exists migration.v1_id_map (
    kind text not null,
    v1_id integer not null,
    v2_id uuid not null,
    merged boolean not null default false,
    v1_hash text not null,
    migrated_at timestamptz not null default now(),
    constraint v1_id_map_pkey primary key (kind, v1_id),
    constraint v1_id_map_kind_valid check (
        kind in ('client', 'opportunity', 'opportunity_product')
    ),
    constraint v1_id_map_merged_only_clients check (not merged or kind = 'client')
);

-- V2 id -> V1 row. On v2_id alone: with `kind` in front, a planner that believes a kind
-- has no rows (statistics lag inside the migration's transaction) would scan the whole
-- kind through it instead of probing the primary key.
create index if not exists v1_id_map_v2_id on migration.v1_id_map (v2_id);

comment on table migration.v1_id_map is
    'V1 row (kind, v1_id) -> V2 row v2_id. merged: a client whose organization was '
    'created by another client with the same CNPJ (or existed in V2 already). v1_hash: '
    'md5 of the V1 row as last applied.';

-- Every V1 row that could not be migrated, with why and the row as it was.
create table if not exists migration.v1_quarantine (
    kind text not null,
    v1_id integer not null,
    reason text not null,
    row jsonb not null,
    quarantined_at timestamptz not null default now(),
    constraint v1_quarantine_pkey primary key (kind, v1_id),
    constraint v1_quarantine_kind_valid check (
        kind in ('client', 'opportunity', 'opportunity_product')
    )
);

-- The quarantined lines of one opportunity (dual-write re-reads them on each line change).
create index if not exists v1_quarantine_line_opportunity_idx
on migration.v1_quarantine (((row ->> 'opportunity_id')::integer))
where kind = 'opportunity_product';

comment on table migration.v1_quarantine is
    'V1 rows not migrated: the reason and the original row. A re-run of migrate-v1 '
    'retries them (e.g. after the missing owner was invited).';

-- Contacts come from the emails of a client (one V1 field, several addresses): one row
-- per (client, valid address). The same address in several clients is one contact.
create table if not exists migration.v1_contact_map (
    client_id integer not null,
    email text not null,
    contact_id uuid not null,
    constraint v1_contact_map_pkey primary key (client_id, email)
);

create index if not exists v1_contact_map_email_idx on migration.v1_contact_map (email);
create index if not exists v1_contact_map_contact_id_idx
on migration.v1_contact_map (contact_id);

comment on table migration.v1_contact_map is
    'Valid email address of a V1 client -> the contact made from it (linked to the '
    'client''s organization through organization_contacts).';

-- The contacts each deal got from V1 (its opportunity's client's contacts): V1 has no
-- link between an opportunity and a person, so a deal's contact_ids start with its
-- client's contacts. Kept so that a later V1 change replaces exactly those and keeps the
-- contacts V2 users added to the deal.
create table if not exists migration.v1_deal_contacts (
    deal_id uuid not null,
    contact_id uuid not null,
    constraint v1_deal_contacts_pkey primary key (deal_id, contact_id)
);

comment on table migration.v1_deal_contacts is
    'Deal -> a contact in its contact_ids that came from V1 (a contact of the client of '
    'its opportunity). Contacts of a deal not listed here were added in V2.';

-- Products are created by name: the case- and accent-folded name -> product.
create table if not exists migration.v1_product_map (
    name_key text primary key,
    product_id uuid not null
);

comment on table migration.v1_product_map is
    'Folded V1 product_name (migration.fold) -> the product it became (created, or an '
    'existing V2 product with the same folded name).';

-- Settings of the migration, kept for re-runs and for dual-write.
create table if not exists migration.v1_settings (
    id boolean primary key default true,
    default_owner_id uuid,
    constraint v1_settings_single_row check (id)
);

comment on table migration.v1_settings is
    'default_owner_id: owner of deals whose V1 owner_email matches no user (from '
    '--default-owner; kept for re-runs and dual-write).';

insert into migration.v1_settings (id) values (true) on conflict (id) do nothing;
