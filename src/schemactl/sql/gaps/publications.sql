-- Publications and their options.
select
    p.pubname::text as name,
    p.puballtables as all_tables,
    p.pubinsert as publish_insert,
    p.pubupdate as publish_update,
    p.pubdelete as publish_delete,
    p.pubtruncate as publish_truncate,
    p.pubviaroot as via_root
from pg_publication as p
order by 1;
