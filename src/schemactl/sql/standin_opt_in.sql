-- Grant mode `opt-in`: no default privileges for the API roles (Supabase's coming
-- default), so a table or function the schema forgot to GRANT is unreachable and shows.
select 1;
