-- Runs last when the migration schema is installed: no API role reaches the
-- bookkeeping or its functions, whatever default privileges the project has. Functions
-- run only inside migrate-v1, parity and the dual-write triggers (owner role).
revoke all on all functions in schema migration from public;

-- No API role reaches the bookkeeping, whatever default privileges the project has.
do $grants$
declare
    v_role text;
begin
    for v_role in
        select rolname from pg_catalog.pg_roles
        where rolname in ('anon', 'authenticated', 'service_role')
    loop
        execute format('revoke all on schema migration from %I', v_role);
        execute format('revoke all on all tables in schema migration from %I', v_role);
        execute format('revoke all on all functions in schema migration from %I', v_role);
    end loop;
end
$grants$;
