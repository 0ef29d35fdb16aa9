-- Grant mode `legacy`: Supabase's current default privileges. Everything the owner role
-- creates in `public` is granted to the three API roles, so a missing REVOKE shows.
do $legacy$
declare
    owner_role text := current_setting('schemactl.owner_role');
begin
    execute format(
        'alter default privileges for role %I in schema public '
        'grant all on tables to anon, authenticated, service_role', owner_role);
    execute format(
        'alter default privileges for role %I in schema public '
        'grant all on functions to anon, authenticated, service_role', owner_role);
    execute format(
        'alter default privileges for role %I in schema public '
        'grant all on sequences to anon, authenticated, service_role', owner_role);
end
$legacy$;
