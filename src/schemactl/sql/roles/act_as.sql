-- Act as a role (SET ROLE; SET LOCAL ROLE when is_local) with the request claims an API
-- request carries (null: keep the claims in force). Returns the role and claims in force
-- before, which restore.sql puts back. The role is a value here, never spliced into SQL.
select
    current_setting('role') as previous_role,
    current_setting('request.jwt.claims', true) as previous_claims,
    set_config('role', %(role)s, %(is_local)s) as role,
    set_config(
        'request.jwt.claims',
        coalesce(%(claims)s, current_setting('request.jwt.claims', true)),
        %(is_local)s
    ) as claims
