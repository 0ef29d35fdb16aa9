-- The default pipeline "Funil de Vendas" and its five stages (docs/design.md: The CRM data model).
-- Idempotent: existing rows are left as the admins keep them. The pipeline becomes the default only
-- when no other pipeline is the default already.
insert into public.pipelines (name, is_default, display_order)
select
    'Funil de Vendas' as name,
    not exists (
        select from public.pipelines
        where is_default
    ) as is_default,
    1 as display_order
on conflict (name) do nothing;

insert into public.stages (pipeline_id, name, display_order, probability)
select
    pipelines.id,
    stage.name,
    stage.display_order,
    stage.probability
from public.pipelines
cross join (
    values
    ('Lead', 1, 10),
    ('Contato feito', 2, 25),
    ('Proposta enviada', 3, 50),
    ('Negociação', 4, 75),
    ('Fechamento', 5, 90)
) as stage (name, display_order, probability)
where pipelines.name = 'Funil de Vendas'
on conflict (pipeline_id, name) do nothing;
