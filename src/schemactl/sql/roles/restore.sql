-- Put back the role and request claims act_as.sql found in force (claims null: unset).
select
    set_config('role', %(role)s, %(is_local)s) as role,
    set_config('request.jwt.claims', %(claims)s, %(is_local)s) as claims
