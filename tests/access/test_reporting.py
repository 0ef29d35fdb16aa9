"""Reporting (docs/design.md: Access control): reporting.mv_pipeline_metrics (outside the API) refreshed
concurrently by public.refresh_pipeline_metrics (service role), read through
public.pipeline_metrics by managers and admins only; public.rotten_deals."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import psycopg
import pytest

from schemactl.testing import acting_as
from schemactl.testing.session import CommittedDatabase
from tests.access.sales_org import AUTHENTICATED, DENIED, Access, SalesOrg
from tests.support.factories import Crm, Pipeline

pytestmark = pytest.mark.grant_modes

METRICS = "select * from public.pipeline_metrics(%s)"


@pytest.fixture
def funnel(crm: Crm, sales_org: SalesOrg) -> Pipeline:
    """A pipeline with known deals: Lead holds 1000 (stage probability 10) and 3000 (deal
    probability 50); Proposta holds 2500.50 (stage probability 50); won, lost and
    soft-deleted deals do not count; Fechamento is empty."""
    pipeline = crm.pipeline(
        "Locação", stages=(("Lead", 10, None), ("Proposta", 50, 7), ("Fechamento", 90, 3))
    )
    seller = sales_org["seller_a"]
    crm.deal(seller, pipeline, stage=0, value=1000)
    crm.deal(seller, pipeline, stage=0, value=3000, probability=50)
    crm.deal(seller, pipeline, stage=1, value=Decimal("2500.50"))
    crm.deal(seller, pipeline, stage=1, value=9999, status="won")
    reason = crm.conn.execute("select id from public.loss_reasons limit 1").fetchone()[0]
    crm.deal(seller, pipeline, stage=1, value=9999, status="lost", loss_reason_id=reason)
    deleted = crm.deal(seller, pipeline, stage=0, value=9999)
    crm.conn.execute("update public.deals set deleted_at = now() where id = %s", [deleted])
    return pipeline


def refresh(access: Access) -> None:
    assert access.attempt("service_role", "select public.refresh_pipeline_metrics()") == 1


def test_pipeline_metrics_are_the_open_live_deals_per_stage(
    access: Access, funnel: Pipeline
) -> None:
    refresh(access)
    assert access.rows("manager_a", METRICS, [funnel.id]) == [
        (
            funnel.id,
            funnel.stages[0],
            2,
            Decimal("4000.00"),
            Decimal("2000.00"),
            Decimal("1600.00"),
        ),
        (
            funnel.id,
            funnel.stages[1],
            1,
            Decimal("2500.50"),
            Decimal("2500.50"),
            Decimal("1250.25"),
        ),
    ]


def test_pipeline_metrics_match_a_direct_aggregate(
    access: Access, sales_org: SalesOrg, funnel: Pipeline
) -> None:
    refresh(access)
    direct = access.db.execute(
        """
        select d.pipeline_id, d.stage_id, count(*), sum(d.value), round(avg(d.value), 2),
            round(sum(d.value * coalesce(d.probability, s.probability) / 100), 2)
        from public.deals as d join public.stages as s on s.id = d.stage_id
        where d.pipeline_id = %s and d.status = 'open' and d.deleted_at is null
        group by d.pipeline_id, d.stage_id, s.display_order order by s.display_order
    """,
        [sales_org["pipeline:eventos"]],
    ).fetchall()
    assert direct  # the sales organization's open deals
    for actor in ("manager_a", "manager_none", "admin"):
        assert access.rows(actor, METRICS, [sales_org["pipeline:eventos"]]) == direct


def test_pipeline_metrics_are_refused_to_sellers_and_to_users_without_rights(
    access: Access, funnel: Pipeline
) -> None:
    refresh(access)
    expected = {actor: DENIED for actor in AUTHENTICATED}
    for allowed in ("admin", "manager_a", "manager_b", "manager_none"):
        expected[allowed] = 2
    assert (
        access.each(
            AUTHENTICATED,
            lambda actor: access.scalar(
                actor, "select count(*) from public.pipeline_metrics(%s)", [funnel.id]
            ),
        )
        == expected
    )
    assert access.scalar("anon", METRICS, [funnel.id]) == DENIED


def test_pipeline_metrics_with_an_api_key_need_read_deals(access: Access, funnel: Pipeline) -> None:
    refresh(access)
    assert len(access.rows("manager_a", METRICS, [funnel.id], api_scopes=["read:deals"])) == 2
    assert access.attempt("manager_a", METRICS, [funnel.id], api_scopes=["read:tasks"]) == DENIED


def test_metrics_are_a_snapshot_until_refreshed(
    access: Access, sales_org: SalesOrg, funnel: Pipeline
) -> None:
    refresh(access)
    access.db.execute(
        "update public.deals set deleted_at = now() where pipeline_id = %s", [funnel.id]
    )
    assert len(access.rows("admin", METRICS, [funnel.id])) == 2
    refresh(access)
    assert access.rows("admin", METRICS, [funnel.id]) == []


def test_only_the_service_role_refreshes_metrics(access: Access) -> None:
    actors = ("admin", "manager_a", "seller_a", "anon")
    assert {
        actor: access.attempt(actor, "select public.refresh_pipeline_metrics()") for actor in actors
    } == dict.fromkeys(actors, DENIED)


def test_refresh_does_not_block_readers(committed_db: CommittedDatabase) -> None:
    """CONCURRENTLY: a reader holding the view open does not stop a refresh, which a
    plain REFRESH (ACCESS EXCLUSIVE lock) would wait for."""
    reader = committed_db.connect(autocommit=False)
    reader.execute("select count(*) from reporting.mv_pipeline_metrics")  # holds its lock
    refresher = committed_db.connect()
    refresher.execute("set lock_timeout = '5s'")
    with acting_as(refresher, "service_role"):
        refresher.execute("select public.refresh_pipeline_metrics()")
    reader.rollback()


def test_rotten_deals_are_open_deals_idle_longer_than_their_stage_allows(
    access: Access, crm: Crm, sales_org: SalesOrg, funnel: Pipeline
) -> None:
    seller = sales_org["seller_a"]
    now = access.db.execute("select now()").fetchone()[0]
    cases = {
        "proposta 8 days (limit 7)": (1, 8, "open", True),
        "proposta 6 days": (1, 6, "open", False),
        "fechamento 4 days (limit 3)": (2, 4, "open", True),
        "lead 400 days (never rots)": (0, 400, "open", False),
        "won, fechamento 30 days": (2, 30, "won", False),
    }
    ids = {}
    access.db.execute("set local schemactl.bulk_import = on")  # keeps stage_entered_at
    for name, (stage, days, status, _) in cases.items():
        ids[
            crm.deal(
                seller,
                funnel,
                stage=stage,
                title=name,
                status=status,
                stage_entered_at=now - dt.timedelta(days=days),
            )
        ] = name
    access.db.execute("set local schemactl.bulk_import = off")
    rows = access.rows(
        "seller_a",
        "select id, rotten_days, time_in_stage from public.rotten_deals where pipeline_id = %s",
        [funnel.id],
    )
    assert {ids[r[0]]: (r[1], r[2].days) for r in rows} == {
        "proposta 8 days (limit 7)": (7, 8),
        "fechamento 4 days (limit 3)": (3, 4),
    }


def test_rotten_deals_is_a_security_invoker_view(db: psycopg.Connection) -> None:
    options = db.execute(
        "select reloptions from pg_class where oid = 'public.rotten_deals'::regclass"
    ).fetchone()[0]
    assert options == ["security_invoker=true"]
