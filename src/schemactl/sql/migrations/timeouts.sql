-- The lock and statement timeouts of one migration's transaction (0: no limit).
select
    set_config('lock_timeout', %(lock_timeout)s, true),
    set_config('statement_timeout', %(statement_timeout)s, true);
