-- Rate limits of the seed (1000 requests/hour per user, 100/minute per API key), for the
-- Edge Function to call per request. One upsert per call: concurrent callers of the same
-- key queue on its row, and each sees the count the previous one committed, so exactly
-- p_limit calls of a window return true.
create function public.hit_rate_limit(p_key text, p_limit integer, p_window interval)
returns boolean
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
    v_seconds numeric := extract(epoch from p_window);
    v_start timestamptz;
    v_hits bigint;
begin
    if p_key is null or p_limit is null or p_limit < 0 or v_seconds is null
        or v_seconds <= 0 then
        raise exception 'hit_rate_limit: needs a key, a limit >= 0 and a positive window'
            using errcode = 'invalid_parameter_value';
    end if;
    -- Windows are whole seconds up to 31 days (a monthly quota): a longer one, or a
    -- fraction of a second, is a caller's mistake, not a limit to keep.
    if v_seconds < 1 or v_seconds > 31 * 86400
        or v_seconds <> pg_catalog.trunc(v_seconds) then
        raise exception
            'hit_rate_limit: window % is not whole seconds between 1 second and 31 days',
            p_window
            using errcode = 'invalid_parameter_value';
    end if;
    v_start := pg_catalog.to_timestamp(
        pg_catalog.floor(extract(epoch from pg_catalog.now()) / v_seconds) * v_seconds
    );
    insert into private.rate_limits as r (key, window_length, window_start, expires_at, hits)
    values (p_key, p_window, v_start, v_start + p_window, 1)
    on conflict (key, window_length) do update
    set
        -- A caller whose transaction started before the window turned counts in the
        -- newer window rather than moving the row back.
        hits = case
            when excluded.window_start > r.window_start then 1
            else r.hits + 1
        end,
        window_start = greatest(r.window_start, excluded.window_start),
        expires_at = greatest(r.expires_at, excluded.expires_at)
    returning r.hits into v_hits;
    if v_hits = 1 then
        -- A window opened: remove a batch of expired ones (rows another caller holds
        -- are skipped, not waited for).
        delete from private.rate_limits as expired
        where (expired.key, expired.window_length) in (
            select stale.key, stale.window_length
            from private.rate_limits as stale
            where stale.expires_at <= pg_catalog.now()
            limit 1000
            for update skip locked
        );
    end if;
    return v_hits <= p_limit;
end
$$;

comment on function public.hit_rate_limit(text, integer, interval) is
'service_role only. Counts one request for p_key in the current fixed window of '
'length p_window and returns whether it is within p_limit (false once the window has '
'seen more than p_limit requests, until the next window). Safe under concurrency. '
'Opening a window deletes expired windows.';

revoke execute on function public.hit_rate_limit(text, integer, interval)
from public, anon, authenticated, service_role;
grant execute on function public.hit_rate_limit(text, integer, interval) to service_role;
