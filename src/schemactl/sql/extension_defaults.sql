-- The version `create extension` installs when none is asked for, per extension this
-- server offers.
select name::text, default_version::text
from pg_catalog.pg_available_extensions
where default_version is not null
