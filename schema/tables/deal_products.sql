create table public.deal_products (
    id uuid primary key default gen_random_uuid(),
    deal_id uuid not null references public.deals (id) on delete cascade,
    product_id uuid not null references public.products (id) on delete restrict,
    quantity numeric not null default 1,
    unit_price numeric(14, 2) not null,
    discount numeric not null default 0,
    discount_type text not null default 'value',
    total numeric(14, 2) generated always as (
        case
            when discount_type = 'percentage'
                then round(quantity * unit_price * (1 - discount / 100), 2)
            else round(quantity * unit_price - discount, 2)
        end
    ) stored,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    constraint deal_products_quantity_positive check (quantity > 0),
    constraint deal_products_unit_price_nonnegative check (unit_price >= 0),
    constraint deal_products_discount_nonnegative check (discount >= 0),
    constraint deal_products_discount_type_valid check (
        discount_type in ('percentage', 'value')
    ),
    constraint deal_products_percentage_at_most_100 check (
        discount_type <> 'percentage' or discount <= 100
    ),
    constraint deal_products_total_nonnegative check (total >= 0)
);

create index deal_products_deal_id_idx on public.deal_products (deal_id);

create index deal_products_product_id_idx on public.deal_products (product_id);

comment on table public.deal_products is
'Product lines of a deal. While a deal has lines, its value is the sum of their '
'totals (maintained by trigger).';
comment on column public.deal_products.discount is
'Per line: a percentage (0-100) of quantity * unit_price, or an amount in BRL, '
'according to discount_type.';
comment on column public.deal_products.discount_type is 'percentage or value (an amount).';
comment on column public.deal_products.total is
'round(quantity * unit_price * (1 - discount / 100), 2) for a percentage discount, '
'round(quantity * unit_price - discount, 2) for a value discount; never negative. '
'Generated: changing the formula means dropping and re-adding the column.';
