-- The unit test the customer's first sketch of the CRM proposed for the revenue rollup:
-- a deal of 1000 is won, so its organization's total_revenue is 1000. V2 requires
-- more columns than the seed's sketch (an owner, a pipeline and stage, a title of
-- three characters or more) and uses uuids: the fixtures below provide them, from the
-- seeded default pipeline.
begin;

insert into auth.users (id, email, raw_user_meta_data)
values (
    '00000000-0000-4000-8000-000000000001', 'vendedor@stagetek.test',
    '{"name": "Vendedor"}'
);

insert into public.organizations (id, name)
values ('00000000-0000-4000-8000-0000000000a1', 'Test Corp');

insert into public.deals (
    id, title, pipeline_id, stage_id, owner_id, organization_id, value, status
)
select
    '00000000-0000-4000-8000-0000000000d1', 'Test Deal', s.pipeline_id, s.id,
    '00000000-0000-4000-8000-000000000001', '00000000-0000-4000-8000-0000000000a1',
    1000, 'open'
from public.stages as s
inner join public.pipelines as p on p.id = s.pipeline_id
where p.name = 'Funil de Vendas' and s.name = 'Lead';

do $$
begin
    assert (
        select total_revenue from public.organizations
        where id = '00000000-0000-4000-8000-0000000000a1'
    ) = 0, 'an open deal adds nothing';
end
$$;

update public.deals set status = 'won' where id = '00000000-0000-4000-8000-0000000000d1';

do $$
begin
    assert (
        select total_revenue from public.organizations
        where id = '00000000-0000-4000-8000-0000000000a1'
    ) = 1000, 'expected total_revenue = 1000 after the deal is won';
    assert (
        select won_deals_count from public.organizations
        where id = '00000000-0000-4000-8000-0000000000a1'
    ) = 1, 'expected won_deals_count = 1 after the deal is won';
end
$$;

rollback;

-- The same, committed: the total holds after the transaction ends.
begin;

insert into auth.users (id, email) values
('00000000-0000-4000-8000-000000000002', 'vendedora@stagetek.test');

insert into public.organizations (id, name)
values ('00000000-0000-4000-8000-0000000000a2', 'Test Corp');

insert into public.deals (
    id, title, pipeline_id, stage_id, owner_id, organization_id, value, status
)
select
    '00000000-0000-4000-8000-0000000000d2', 'Test Deal', s.pipeline_id, s.id,
    '00000000-0000-4000-8000-000000000002', '00000000-0000-4000-8000-0000000000a2',
    1000, 'open'
from public.stages as s
inner join public.pipelines as p on p.id = s.pipeline_id
where p.name = 'Funil de Vendas' and s.name = 'Lead';

update public.deals set status = 'won' where id = '00000000-0000-4000-8000-0000000000d2';

commit;

do $$
begin
    assert (
        select total_revenue from public.organizations
        where id = '00000000-0000-4000-8000-0000000000a2'
    ) = 1000, 'expected total_revenue = 1000 after the commit';
end
$$;
