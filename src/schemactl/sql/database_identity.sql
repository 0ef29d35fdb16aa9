-- Which database this is, beyond its name: the cluster's system identifier (new at every
-- initdb) and the database's OID (new when it is dropped and created again).
select (select system_identifier::text from pg_control_system())
    || '-' || (select oid::text from pg_database where datname = current_database())
