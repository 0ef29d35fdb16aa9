-- What ALL means for each kind of object on this server (PostgreSQL 17 adds MAINTAIN).
select k.kind, array_agg(a.privilege_type order by a.privilege_type) as privileges
from (values ('table', 'r'), ('sequence', 's'), ('function', 'f'), ('procedure', 'f'),
             ('schema', 'n'), ('type', 'T'), ('domain', 'T'), ('column', 'c'))
     as k (kind, code)
cross join lateral aclexplode(acldefault(k.code::"char", 10::oid)) as a
where a.grantee = 10
group by k.kind;
