-- API keys act through a short-lived JWT carrying `api_scopes` (docs/design.md: Access control).
-- Policies add one restrictive policy per command that calls this, so a scoped request gets the
-- intersection of its owner's rights and its scopes; requests without the claim are
-- unaffected.
create function private.api_scope_allows(p_resource text, p_action text)
returns boolean
language sql
stable
parallel safe
set search_path = pg_catalog, pg_temp
as $$
    select case
        -- Not an API-key request: scopes do not apply.
        when not coalesce(auth.jwt() ? 'api_scopes', false) then true
        -- A malformed claim grants nothing.
        when pg_catalog.jsonb_typeof(auth.jwt() -> 'api_scopes') <> 'array' then false
        else coalesce(p_action in ('read', 'write', 'delete'), false)
            and p_resource in ('deals', 'contacts', 'organizations', 'tasks', 'products')
            and exists (
                select
                from pg_catalog.jsonb_array_elements_text(auth.jwt() -> 'api_scopes')
                    as granted (scope)
                where granted.scope in (
                    'delete:' || p_resource,
                    case when p_action in ('read', 'write') then 'write:' || p_resource end,
                    case when p_action = 'read' then 'read:' || p_resource end
                )
            )
    end
$$;

comment on function private.api_scope_allows(text, text) is
'Whether the request''s api_scopes claim allows p_action (read, write, delete) on '
'p_resource. True when the JWT has no api_scopes claim. With the claim: delete '
'implies write implies read; only deals, contacts, organizations, tasks and products '
'can be granted, so any other resource (other tables, API keys, writing functions) '
'is denied; a claim that is not a JSON array grants nothing.';

revoke execute on function private.api_scope_allows(text, text)
from public, anon, authenticated, service_role;
grant execute on function private.api_scope_allows(text, text) to authenticated;
