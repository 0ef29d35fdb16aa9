-- `schemactl dual-write disable`: removes what dual_write_enable.sql added.
drop trigger if exists schemactl_dual_write on v1.clients;
drop trigger if exists schemactl_dual_write on v1.opportunities;
drop trigger if exists schemactl_dual_write on v1.opportunity_products;
drop trigger if exists schemactl_dual_write_truncate on v1.clients;
drop trigger if exists schemactl_dual_write_truncate on v1.opportunities;
drop trigger if exists schemactl_dual_write_truncate on v1.opportunity_products;
drop index if exists v1.opportunity_products_opportunity_id_dual_write_idx;
drop index if exists v1.opportunities_client_id_dual_write_idx;
