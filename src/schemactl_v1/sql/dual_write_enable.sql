-- `schemactl dual-write enable`: the triggers of dual_write.sql on the V1 tables.
-- Idempotent (CREATE OR REPLACE TRIGGER). Each mirrored line change re-reads the lines of
-- its opportunity, and a client whose addresses change updates the contacts of its
-- opportunities' deals; V1 has no index on either foreign key: one each is added (and
-- removed by `disable`).
create index if not exists opportunity_products_opportunity_id_dual_write_idx
on v1.opportunity_products (opportunity_id);

create index if not exists opportunities_client_id_dual_write_idx
on v1.opportunities (client_id);

create or replace trigger schemactl_dual_write
after insert or update or delete on v1.clients
for each row execute function migration.dual_write();

create or replace trigger schemactl_dual_write
after insert or update or delete on v1.opportunities
for each row execute function migration.dual_write();

create or replace trigger schemactl_dual_write
after insert or update or delete on v1.opportunity_products
for each row execute function migration.dual_write();

create or replace trigger schemactl_dual_write_truncate
before truncate on v1.clients
for each statement execute function migration.dual_write_refuse_truncate();

create or replace trigger schemactl_dual_write_truncate
before truncate on v1.opportunities
for each statement execute function migration.dual_write_refuse_truncate();

create or replace trigger schemactl_dual_write_truncate
before truncate on v1.opportunity_products
for each statement execute function migration.dual_write_refuse_truncate();

-- The per-table trigger functions of earlier versions, now that no trigger calls them.
drop function if exists migration.dual_write_client();
drop function if exists migration.dual_write_opportunity();
drop function if exists migration.dual_write_opportunity_product();
drop function if exists migration.refused_by_v2(text, jsonb, text, text);
