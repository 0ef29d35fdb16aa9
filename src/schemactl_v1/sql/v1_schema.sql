-- STAGETEK CRM V1, the legacy schema being migrated (docs/design.md: The V1 transition), exactly as
-- the old app created it: no zones on timestamps, no constraints beyond keys, no index on foreign
-- keys. Shipped so that tests and benchmarks can build a V1 database; `migrate-v1` never
-- creates or changes it (only `dual-write enable` adds two indexes, see dual_write_enable).

create schema v1;

comment on schema v1 is
    'STAGETEK CRM V1 (legacy). Read by schemactl migrate-v1 and parity; mirrored into '
    'public by dual-write triggers during the transition.';

create table v1.clients (
    id serial primary key,
    name text,
    email text,
    phone text,
    cnpj text,
    address text,
    city text,
    state text,
    notes text,
    created_at timestamp
);

create table v1.opportunities (
    id serial primary key,
    client_id int references v1.clients,
    title text,
    value numeric,
    stage text,
    status text,
    probability int,
    expected_close date,
    owner_email text,
    lost_reason text,
    source text,
    created_at timestamp,
    updated_at timestamp
);

create table v1.opportunity_products (
    id serial primary key,
    opportunity_id int references v1.opportunities,
    product_name text,
    quantity numeric,
    unit_price numeric
);
