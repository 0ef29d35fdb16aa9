-- Lead sources (docs/design.md: The CRM data model). Idempotent: an existing name is left as the
-- admins keep it (order, active flag), so running the seeds again changes nothing.
insert into public.sources (name, display_order) values
('Indicação', 1),
('Site', 2),
('Instagram', 3),
('Google Ads', 4),
('Evento', 5),
('Prospecção ativa', 6),
('WhatsApp', 7),
('Outro', 8)
on conflict (name) do nothing;
