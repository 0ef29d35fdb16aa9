-- Tables of the managed schemas in a publication (with their column list and row
-- filter), and whole managed schemas in one (FOR TABLES IN SCHEMA).
select
    p.pubname::text as publication,
    'table' as kind,
    format('%%I.%%I', n.nspname, c.relname) as member,
    (select string_agg(quote_ident(a.attname), ', ' order by a.attnum)
     from pg_attribute as a
     where a.attrelid = pr.prrelid and a.attnum = any(pr.prattrs)) as columns,
    pg_get_expr(pr.prqual, pr.prrelid) as row_filter
from pg_publication_rel as pr
join pg_publication as p on p.oid = pr.prpubid
join pg_class as c on c.oid = pr.prrelid
join pg_namespace as n on n.oid = c.relnamespace
where n.nspname = any(%(schemas)s)
union all
select p.pubname::text, 'schema', quote_ident(n.nspname), null, null
from pg_publication_namespace as pn
join pg_publication as p on p.oid = pn.pnpubid
join pg_namespace as n on n.oid = pn.pnnspid
where n.nspname = any(%(schemas)s)
order by 1, 2, 3;
