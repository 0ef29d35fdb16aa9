-- Loss reasons (docs/design.md: The CRM data model). Idempotent: an existing name is left as the
-- admins keep it.
insert into public.loss_reasons (name, display_order) values
('Preço alto', 1),
('Escolheu concorrente', 2),
('Sem orçamento', 3),
('Sem resposta', 4),
('Data indisponível', 5),
('Projeto cancelado', 6),
('Outro', 7)
on conflict (name) do nothing;
