select
    e.id,
    e.url,
    e.enabled,
    count(*) filter (
        where d.status = 'processing' or (d.status = 'pending' and d.attempts = 0)
    ) as pending,
    count(*) filter (where d.status = 'pending' and d.attempts > 0) as retrying,
    count(*) filter (where d.status = 'delivered') as delivered,
    count(*) filter (where d.status = 'dead') as dead,
    extract(epoch from now() - min(d.created_at) filter (
        where d.status in ('pending', 'processing')
    ))::float8 as oldest_pending_seconds
from public.webhook_endpoints as e
left join public.webhook_deliveries as d on e.id = d.endpoint_id
group by e.id
order by e.created_at, e.id
