-- The lock and statement timeouts of a migration that runs outside a transaction
-- (concurrent index builds), for the session until reset (0: no limit).
select
    set_config('lock_timeout', %(lock_timeout)s, false),
    set_config('statement_timeout', %(statement_timeout)s, false);
