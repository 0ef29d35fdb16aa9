create table public.products (
    id uuid primary key default gen_random_uuid(),
    name text not null,
    sku text,
    description text,
    base_price numeric(14, 2) not null default 0,
    is_active boolean not null default true,
    rd_id text,
    custom_fields jsonb not null default '{}',
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    constraint products_sku_unique unique (sku),
    constraint products_rd_id_unique unique (rd_id),
    constraint products_name_not_blank check (btrim(name) <> ''),
    constraint products_base_price_nonnegative check (base_price >= 0),
    constraint products_custom_fields_object check (jsonb_typeof(custom_fields) = 'object')
);

comment on table public.products is
'Catalog of products and services sold on deals (deal_products). Reference data: '
'deactivate (is_active = false), never delete while referenced.';
comment on column public.products.sku is 'Stock keeping unit; unique when set.';
comment on column public.products.base_price is
'List price; each deal line carries its own unit_price.';
comment on column public.products.rd_id is 'Id of the product in RD Station CRM (sync).';
comment on column public.products.custom_fields is 'Free-form attributes (a JSON object).';
